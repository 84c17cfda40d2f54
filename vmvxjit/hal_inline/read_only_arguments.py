"""Which buffer-view arguments a function can neither write nor let out of the call.

The library API wraps such an argument's numpy memory instead of copying it.
The answer must be sound, so it is a may-analysis over the function's bytecode
that follows, from each ref argument, every register that may hold the view or
something reached from it (its buffer, a subspan, the vm.buffer over its
storage) along every path, through branch operands and ref moves. An argument
stays read-only only while every use of such a register is in `READS` (loads,
comparisons, queries, asserts) or derives another such ref (`DERIVES`). Any
other use makes it writable: a store, fill or copy into it, a dispatch binding
(an executable's access to its bindings is not known), a call, a global, a list,
a result (a result must not alias the caller's array). Only functions without
executables (no `hal_loader` import) are analysed; for the others every
argument counts as writable.
"""

from __future__ import annotations

from vmvxjit.vm import isa

# Ops and hal_inline imports that only read a ref operand (their results are new values).
READS = frozenset({
    "vm.buffer.length", "vm.buffer.compare", "vm.buffer.hash", "vm.buffer.clone", "vm.buffer.copy",
    "vm.cmp.eq.ref", "vm.cmp.ne.ref", "vm.cmp.nz.ref", "vm.discard.refs",
    "hal_inline.buffer.length", "hal_inline.buffer.allocate.initialized",
    "hal_inline.buffer_view.assert", "hal_inline.buffer_view.element_type",
    "hal_inline.buffer_view.encoding_type", "hal_inline.buffer_view.rank",
    "hal_inline.buffer_view.dim", "hal_inline.buffer_view.trace",
}) | {m for m in isa.BY_MNEMONIC if m.startswith("vm.buffer.load.")}
# Ops and hal_inline imports whose ref results reach what their ref operands reach.
DERIVES = frozenset({
    "vm.assign.ref", "vm.select.ref", "vm.switch.ref", "vm.cast.any.ref",
    "hal_inline.buffer_view.buffer", "hal_inline.buffer.storage", "hal_inline.buffer.subspan",
})
# The one operand of a READS op that is written: `vm.buffer.copy` reads only its source.
WRITTEN_FIELDS = frozenset({("vm.buffer.copy", "target_buffer")})
# Control flow: ops after which the next instruction is not a successor.
NO_FALLTHROUGH = frozenset({"vm.br", "vm.br_table", "vm.return", "vm.fail", "vm.yield", "vm.break"})


def read_only_arguments(module, ordinal: int) -> frozenset:
    """Positions of the ref arguments of function `ordinal` of `module` (a
    BytecodeModule) that the function never writes and never lets escape."""
    if any(dep.name == "hal_loader" for dep in module.dependencies):
        return frozenset()
    function = module.functions[ordinal]
    instrs = function.instrs
    names = [i.full_name for i in module.imports]
    refs = [pos for pos, ch in enumerate(function.cconv.args) if ch == "r"]
    return frozenset(pos for register, pos in enumerate(refs)
                     if not _may_escape(instrs, names, register))


def _ref(raw: int) -> int | None:
    return raw & isa.REF_MASK if raw & isa.REF_BIT else None


def _reads(instr) -> list:
    """(ref register, field name) for each ref operand `instr` reads."""
    found = []
    for field, value in zip(instr.op.fields, instr.args):
        if field.kind.startswith("R.") and field.bank == "ref":
            found.append((value & isa.REF_MASK, field.name))
        elif field.kind.startswith("list<") and field.kind != "list<u16>":
            found += [(r, field.name) for r in map(_ref, value) if r is not None]
    return found


def _writes(instr) -> list:
    """Ref registers `instr` writes."""
    found = []
    for field, value in zip(instr.op.fields, instr.args):
        if field.kind.startswith("W.") and field.bank == "ref":
            found.append(value & isa.REF_MASK)
        elif field.kind.startswith("rlist<"):
            found += [r for r in map(_ref, value) if r is not None]
    return found


def _edges(instr) -> list:
    """(target pc, [(source, destination) ref pairs]) for each branch edge."""
    edges = []
    fields = [f.name for f in instr.op.fields]
    args = dict(zip(fields, instr.args))
    for field, value in zip(instr.op.fields, instr.args):
        if field.kind == "pc:u32":
            remap = next((args[n] for n in fields[fields.index(field.name) + 1:]
                          if n.endswith("operands")), ())
            edges.append((value, remap))
        elif field.kind.startswith("cases"):
            edges += [(pc, remap) for pc, remap in value]
    return [(pc, [(_ref(s), _ref(d)) for s, d in remap if _ref(d) is not None])
            for pc, remap in edges]


def _name(instr, imports: list) -> str:
    if instr.op.mnemonic.startswith("vm.call"):
        callee = instr.args[0]
        return imports[callee & ~isa.IMPORT_BIT] if callee & isa.IMPORT_BIT else "internal call"
    return instr.op.mnemonic


def _may_escape(instrs: list, imports: list, argument: int) -> bool:
    """Whether ref register `argument`, as the function starts, may reach a use
    outside READS and DERIVES on some path."""
    index = {instr.pc: i for i, instr in enumerate(instrs)}
    entry = [set() for _ in instrs]
    entry[0] = {argument}
    work = [0]
    while work:
        i = work.pop()
        instr = instrs[i]
        held = entry[i]
        used = [(r, f) for r, f in _reads(instr) if r in held]
        name = _name(instr, imports)
        if used and (name not in READS and name not in DERIVES
                     or any((name, f) in WRITTEN_FIELDS for _, f in used)):
            return True
        out = held - set(_writes(instr))
        if used and name in DERIVES:
            out |= set(_writes(instr))
        successors = _edges(instr)
        if instr.op.mnemonic not in NO_FALLTHROUGH and i + 1 < len(instrs):
            successors.append((instrs[i + 1].pc, []))
        for pc, pairs in successors:
            state = (out - {d for _, d in pairs}) | {d for s, d in pairs if s in out}
            j = index.get(pc)
            if j is None:
                return True
            if not state <= entry[j]:
                entry[j] |= state
                work.append(j)
    return False
