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

import functools
from typing import NamedTuple

from vmvxjit.vm import isa

# Ops and hal_inline imports that only read a ref operand (their results are new values).
READS = frozenset({
    "vm.buffer.length", "vm.buffer.compare", "vm.buffer.hash", "vm.buffer.clone", "vm.buffer.copy",
    "vm.cmp.eq.ref", "vm.cmp.ne.ref", "vm.cmp.nz.ref", "vm.discard.refs",
    "hal_inline.buffer.length", "hal_inline.buffer.allocate.initialized",
    "hal_inline.buffer_view.assert", "hal_inline.buffer_view.element_type",
    "hal_inline.buffer_view.encoding_type", "hal_inline.buffer_view.rank",
    "hal_inline.buffer_view.dim", "hal_inline.buffer_view.trace", "vm.list.size",
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
    steps = ref_steps(function.instrs, [i.full_name for i in module.imports])
    refs = [pos for pos, ch in enumerate(function.cconv.args) if ch == "r"]
    return frozenset(pos for register, pos in enumerate(refs) if not may_escape(steps, register))


class _Step(NamedTuple):
    """What one instruction does to the registers that may reach an argument."""

    escapes: frozenset     # registers whose use here is a write or an escape
    derives: frozenset     # registers whose use here makes `writes` reach what they reach
    writes: frozenset      # registers it writes
    successors: tuple      # (instruction index or None when unknown, ((source, destination), ...))


def ref_steps(instrs: list, imports: list, gets_element=None, write_last=frozenset()) -> list:
    """What each instruction does to the registers that may reach the tracked ref. A
    `vm.list.get.ref` from a tracked list gives a tracked element when
    `gets_element(instruction index)` (default: always), else an element not tracked.
    The imports `write_last` write their last ref operand and only read the others."""
    index = {instr.pc: i for i, instr in enumerate(instrs)}
    steps = []
    for i, instr in enumerate(instrs):
        layout = _layout(instr.op)
        args = instr.args
        name = _name(instr, imports)
        reads = [(args[k] & isa.REF_MASK, f) for k, f in layout.ref_reads]
        reads += [(r, f) for k, f in layout.ref_lists for r in map(_ref, args[k]) if r is not None]
        if name == "vm.list.get.ref":
            tracked = gets_element is None or gets_element(i)
            escapes, derives = frozenset(), frozenset(r for r, _ in reads) if tracked else frozenset()
        elif name in write_last:
            escapes, derives = frozenset(r for r, _ in reads[-1:]), frozenset()
        elif name in DERIVES:
            escapes, derives = frozenset(), frozenset(r for r, _ in reads)
        elif name in READS:
            escapes = frozenset(r for r, f in reads if (name, f) in WRITTEN_FIELDS)
            derives = frozenset()
        else:
            escapes, derives = frozenset(r for r, _ in reads), frozenset()
        writes = {args[k] & isa.REF_MASK for k in layout.ref_writes}
        writes.update(r for k in layout.result_lists for r in map(_ref, args[k]) if r is not None)
        successors = [(index.get(pc), _ref_pairs(remap)) for pc, remap in instr.edges()]
        if layout.falls_through and i + 1 < len(instrs):
            successors.append((i + 1, ()))
        steps.append(_Step(escapes, derives, frozenset(writes), tuple(successors)))
    return steps


class _Layout(NamedTuple):
    """Where an opcode's ref operands and results are among its fields (its branch
    targets: decoder.Instr.edges)."""

    ref_reads: tuple       # (field position, field name) of ref registers read
    ref_lists: tuple       # (field position, field name) of operand lists (refs among them)
    ref_writes: tuple      # field positions of ref registers written
    result_lists: tuple    # field positions of result lists
    falls_through: bool


@functools.cache
def _layout(op) -> _Layout:
    fields = op.fields
    reads, lists, writes, results = [], [], [], []
    for k, field in enumerate(fields):
        if field.is_register and field.bank == "ref":
            (reads if field.kind.startswith("R.") else writes).append(
                (k, field.name) if field.kind.startswith("R.") else k)
        elif field.kind.startswith("list<") and field.kind != "list<u16>":
            lists.append((k, field.name))
        elif field.kind.startswith("rlist<"):
            results.append(k)
    return _Layout(tuple(reads), tuple(lists), tuple(writes), tuple(results),
                   op.mnemonic not in NO_FALLTHROUGH)


def _ref(raw: int) -> int | None:
    return raw & isa.REF_MASK if raw & isa.REF_BIT else None


def _ref_pairs(remap) -> tuple:
    """The (source, destination) pairs of a branch's remap that move refs."""
    return tuple((_ref(s), _ref(d)) for s, d in remap if d & isa.REF_BIT)


def _name(instr, imports: list) -> str:
    if instr.op.mnemonic.startswith("vm.call"):
        callee = instr.args[0]
        return imports[callee & ~isa.IMPORT_BIT] if callee & isa.IMPORT_BIT else "internal call"
    return instr.op.mnemonic


def may_escape(steps: list, argument: int) -> bool:
    """Whether ref register `argument`, as the function starts, may reach a use
    that escapes on some path (a forward may-analysis to a fixed point)."""
    entry = [frozenset()] * len(steps)
    entry[0] = frozenset({argument})
    work = [0]
    while work:
        i = work.pop()
        held = entry[i]
        step = steps[i]
        if held & step.escapes:
            return True
        out = held - step.writes
        if held & step.derives:
            out |= step.writes
        for j, pairs in step.successors:
            state = out
            if pairs:
                state = (out - {d for _, d in pairs}) | {d for s, d in pairs if s in out}
            if j is None:
                if state:
                    return True
                continue
            if not state <= entry[j]:
                entry[j] = entry[j] | state
                work.append(j)
    return False
