"""Interpreter steps for control flow: branches, calls, returns, fail.

Branch steps apply their register remap and return the step index to jump
to. Internal calls and returns hand a control event to the interpreter loop
(`CALL`/`RETURN` tuples) so VM frames never grow the Python stack; import
calls run the resolved callee right inside the step.
"""

from __future__ import annotations

from vmvxjit.errors import Error, NotFoundError, VmFailError
from vmvxjit.vm import isa
from vmvxjit.vm.semantics import f32, wrap32, wrap64

CALL = "call"
RETURN = "return"
_MASK = isa.REF_MASK
_MOVE = isa.MOVE_BIT
_BIT = isa.REF_BIT


def remap_source(pairs) -> list[str]:
    """Python lines applying a branch's remap list, in order, to `regs`/`refs`
    (a moved ref register is released unless it is its own destination)."""
    lines = []
    for s, d in pairs:
        if s & _BIT:
            src, dst = s & _MASK, d & _MASK
            if s & _MOVE and src != dst:
                lines += [f"value = refs[{src}]", f"refs[{src}] = None", f"refs[{dst}] = value"]
            else:
                lines.append(f"refs[{dst}] = refs[{src}]")
        else:
            lines.append(f"regs[{d & isa.I32_MASK}] = regs[{s & isa.I32_MASK}]")
    return lines


def build_remap(pairs):
    """A function applying a branch's remap list to a frame, or None for no remap."""
    if not pairs:
        return None
    namespace: dict = {}
    exec("def remap(regs, refs):\n" + "".join(f"    {line}\n" for line in remap_source(pairs)),
         namespace)
    return namespace["remap"]


def _jump(target: int, pairs):
    remap = build_remap(pairs)
    if remap is None:
        def step(regs, refs):
            return target
        return step

    def step(regs, refs):
        remap(regs, refs)
        return target
    return step


def build_br(instr, env):
    return _jump(env.target(instr.args[0]), instr.args[1])


def build_cond_br(instr, env):
    cond, true_pc, true_pairs, false_pc, false_pairs = instr.args
    on_true = _jump(env.target(true_pc), true_pairs)
    on_false = _jump(env.target(false_pc), false_pairs)

    def step(regs, refs):
        return on_true(regs, refs) if regs[cond] else on_false(regs, refs)
    return step


def build_cond_break(instr, env):
    return _jump(env.target(instr.args[1]), instr.args[2])


def build_br_table(instr, env):
    index, default_pc, default_pairs, _size, cases = instr.args
    default = _jump(env.target(default_pc), default_pairs)
    jumps = [_jump(env.target(pc), pairs) for pc, pairs in cases]

    def step(regs, refs):
        i = regs[index]
        return (jumps[i] if 0 <= i < len(jumps) else default)(regs, refs)
    return step


# -- value transfer between frames -------------------------------------------------

def reader(raw: int):
    """(is_ref, ordinal, move) for one register of a call/return list."""
    if raw & _BIT:
        return True, raw & _MASK, bool(raw & _MOVE)
    return False, raw, False


def collect(plan, regs, refs) -> list:
    """Reads a list of registers (planned by `reader`) as Python values."""
    values = []
    for is_ref, ordinal, move in plan:
        if is_ref:
            values.append(refs[ordinal])
            if move:
                refs[ordinal] = None
        else:
            values.append(regs[ordinal])
    return values


def store_results(targets, values, regs, refs) -> None:
    """Writes values into a list of destination registers (planned by `reader`)."""
    for (is_ref, ordinal, _), value in zip(targets, values):
        if is_ref:
            refs[ordinal] = value
        else:
            regs[ordinal] = value


def build_return(instr, env):
    plan = [reader(raw) for raw in instr.args[0]]

    def step(regs, refs):
        return (RETURN, collect(plan, regs, refs))
    return step


def build_call(instr, env):
    """vm.call / call.variadic / call.yieldable / call.variadic.yieldable."""
    callee = instr.arg("callee_ordinal")
    operands = [reader(raw) for raw in instr.arg("operands")]
    results = [reader(raw) for raw in instr.arg("results")]
    yieldable = "yieldable" in instr.op.mnemonic
    resume = env.target(instr.arg("dest_pc")) if yieldable else None
    if not callee & isa.IMPORT_BIT:
        event = (CALL, callee, results, env.index + 1 if resume is None else resume)

        def step(regs, refs):
            return event + (collect(operands, regs, refs),)
        return step

    ordinal = callee & ~isa.IMPORT_BIT
    segments = instr.arg("segment_sizes") if "variadic" in instr.op.mnemonic else None
    site = call_site(env.module.imports[ordinal], env.state.imports, ordinal,
                     instr.arg("operands"), instr.arg("results"), segments)
    if env.state.tier == "interp" or yieldable:
        return _generated_import_call(site, resume)
    return _import_call(site, resume)


class CallSite:
    """One import call site, planned from its operands and the import's cconv.

    `args` are the callee's arguments: a register `(is_ref, slot)` each, or for a
    variadic span a list of registers (width 1) or of tuples of them. `releases`
    are the moved ref slots, cleared after every argument is read; `stores` the
    result registers `(is_ref, slot, cconv type)`, written after the releases (a
    result may reuse a moved register). `target` is the resolved callee (None: an
    unresolved optional import, whose call raises NOT_FOUND)."""

    __slots__ = ("import_def", "ordinal", "target", "args", "releases", "stores")

    def __init__(self, import_def, ordinal: int, target, args: list, releases: list, stores: list):
        self.import_def = import_def
        self.ordinal = ordinal
        self.target = target
        self.args = args
        self.releases = releases
        self.stores = stores

    @property
    def unresolved(self) -> str:
        return (f"optional import `{self.import_def.full_name}` "
                f"(ordinal {self.ordinal}) not resolved")

    @property
    def frame(self) -> str:
        return f"while calling import '{self.import_def.full_name}'"


def call_site(import_def, imports, ordinal, operands, results, segments) -> CallSite:
    """The CallSite of a call of import `ordinal` (resolved in `imports` when the
    module was registered) with these operand and result register lists."""
    cconv = import_def.cconv
    if cconv is None:
        raise NotFoundError(f"import '{import_def.full_name}' has no calling convention")
    reads, releases = [], []
    for raw in operands:
        is_ref, slot, move = reader(raw)
        reads.append((is_ref, slot))
        if move:
            releases.append(slot)
    args, position = [], 0
    for index, item in enumerate(cconv.args):
        if len(item) == 1:
            args.append(reads[position])
            position += 1
            continue
        width, count = len(item) - 1, segments[index]
        group = reads[position:position + width * count]
        position += width * count
        args.append(group if width == 1 else
                    [tuple(group[i:i + width]) for i in range(0, len(group), width)])
    stores = [reader(raw)[:2] + (ch,) for raw, ch in zip(results, cconv.results)]
    return CallSite(import_def, ordinal, imports[ordinal], args, releases, stores)


def _import_call(site: CallSite, resume):
    """A step making the call by walking `site` (cheap to make: in the jit tiers fused
    blocks inline the call, so this step runs only in a segment's first run)."""
    call = site.target and site.target.call
    args, releases, single = site.args, site.releases, len(site.stores) == 1
    stores = [(is_ref, slot, _CONVERTS.get(ch)) for is_ref, slot, ch in site.stores]

    def read(arg, regs, refs):
        if arg.__class__ is list:
            return [read(item, regs, refs) for item in arg]
        if arg.__class__ is tuple and arg[0].__class__ is tuple:
            return tuple(read(item, regs, refs) for item in arg)
        is_ref, slot = arg
        return refs[slot] if is_ref else regs[slot]

    def step(regs, refs):
        if call is None:
            raise NotFoundError(site.unresolved)
        values = [read(arg, regs, refs) for arg in args]
        try:
            outputs = call(*values)
        except Error as error:
            error.add_frame(site.frame)
            raise
        for slot in releases:
            refs[slot] = None
        if stores:
            for (is_ref, slot, convert), value in zip(stores, (outputs,) if single else outputs):
                if is_ref:
                    refs[slot] = value
                else:
                    regs[slot] = convert(value)
        return resume
    return step


def _generated_import_call(site: CallSite, resume):
    """A step making the call as Python generated for this call site (the interp
    tier runs it at every visit)."""
    lines, namespace = import_call_source(site, "")
    exec("def step(regs, refs):\n" + "".join(f"    {line}\n" for line in lines)
         + f"    return {resume}\n", namespace)
    return namespace["step"]


def _register_source(arg) -> str:
    if arg.__class__ is list:
        return "[" + ", ".join(map(_register_source, arg)) + "]"
    if arg[0].__class__ is tuple:
        return "(" + ", ".join(map(_register_source, arg)) + ",)"
    is_ref, slot = arg
    return f"refs[{slot}]" if is_ref else f"regs[{slot}]"


def import_call_source(site: CallSite, tag: str):
    """(lines, namespace): straight-line Python making the call of `site` on
    `regs`/`refs`. Names in the namespace end with `tag`, so several call sites can
    share one generated function."""
    stores = [f"refs[{slot}] = out{index}" if is_ref else
              f"regs[{slot}] = {_CONVERTS[ch].__name__}(out{index})"
              for index, (is_ref, slot, ch) in enumerate(site.stores)]
    outputs = ", ".join(f"out{i}" for i in range(len(site.stores)))
    if site.target is None:
        lines = [f"raise NotFoundError(unresolved{tag})"]
    else:
        lines = ["try:",
                 f"    {outputs + ' = ' if outputs else ''}call{tag}"
                 f"({', '.join(map(_register_source, site.args))})",
                 "except Error as error:",
                 f"    error.add_frame(frame{tag})",
                 "    raise",
                 *(f"refs[{slot}] = None" for slot in site.releases), *stores]
    namespace = {f"call{tag}": site.target and site.target.call, "NotFoundError": NotFoundError,
                 "Error": Error, f"unresolved{tag}": site.unresolved, f"frame{tag}": site.frame,
                 "wrap32": wrap32, "wrap64": wrap64, "f32": f32, "float": float}
    return lines, namespace


# A result register's conversion, by cconv type.
_CONVERTS = {"i": wrap32, "I": wrap64, "f": f32, "F": float}


def build_import_resolved(instr, env):
    ordinal = instr.args[0] & ~isa.IMPORT_BIT
    w = instr.args[1]
    imports = env.state.imports

    def step(regs, refs):
        regs[w] = int(imports[ordinal] is not None)
    return step


def build_fail(instr, env):
    status, message = instr.args

    def step(regs, refs):
        code = regs[status]
        if code:
            raise VmFailError(message, code=code)
    return step


def build_trace(instr, env):
    moved = [raw & _MASK for raw in instr.args[1] if raw & _BIT and raw & _MOVE]

    def step(regs, refs):
        for s in moved:
            refs[s] = None
    return step


# -- inline forms for fused blocks (see fused_blocks.py) ------------------------

BRANCHES = frozenset({"vm.br", "vm.yield", "vm.break", "vm.cond_br", "vm.cond_break",
                      "vm.br_table", "vm.return"})
_CALLS = frozenset({"vm.call", "vm.call.variadic", "vm.call.yieldable",
                    "vm.call.variadic.yieldable"})


def ends_segment(instr) -> bool:
    """Whether the step may hand the run loop an event (a jump, call or return)
    instead of falling through: such a step ends a fused segment."""
    mnemonic = instr.op.mnemonic
    if mnemonic in BRANCHES:
        return True
    return mnemonic in _CALLS and (
        not instr.arg("callee_ordinal") & isa.IMPORT_BIT or "yieldable" in mnemonic)


def _return_index(target: int) -> list[str]:
    return [f"return {target}"]


def branch_source(instr, env, jump=_return_index) -> list[str] | None:
    """Python for a br/cond_br (yield and break are unconditional branches):
    the remap, then `jump(step_index)`, the lines that continue there. None
    for other branches."""
    mnemonic = instr.op.mnemonic
    if mnemonic in ("vm.br", "vm.yield", "vm.break"):
        return remap_source(instr.args[1]) + jump(env.target(instr.args[0]))
    if mnemonic != "vm.cond_br":
        return None
    cond, true_pc, true_pairs, false_pc, false_pairs = instr.args
    on_true = remap_source(true_pairs) + jump(env.target(true_pc))
    return ([f"if regs[{cond}]:"] + [f"    {line}" for line in on_true]
            + remap_source(false_pairs) + jump(env.target(false_pc)))


def inline_branch(instr, env, tag):
    return branch_source(instr, env), {}


def inline_call(instr, env, tag):
    """Import calls inline; internal calls go through the run loop (None)."""
    callee = instr.arg("callee_ordinal")
    if not callee & isa.IMPORT_BIT or "yieldable" in instr.op.mnemonic:
        return None
    ordinal = callee & ~isa.IMPORT_BIT
    segments = instr.arg("segment_sizes") if "variadic" in instr.op.mnemonic else None
    return import_call_source(call_site(env.module.imports[ordinal], env.state.imports, ordinal,
                                        instr.arg("operands"), instr.arg("results"), segments), tag)


INLINERS = {"vm.br": inline_branch, "vm.yield": inline_branch, "vm.break": inline_branch,
            "vm.cond_br": inline_branch, "vm.call": inline_call, "vm.call.variadic": inline_call}

BUILDERS = {
    "vm.br": build_br,
    "vm.yield": build_br,
    "vm.break": build_br,
    "vm.cond_br": build_cond_br,
    "vm.cond_break": build_cond_break,
    "vm.br_table": build_br_table,
    "vm.call": build_call,
    "vm.call.variadic": build_call,
    "vm.call.yieldable": build_call,
    "vm.call.variadic.yieldable": build_call,
    "vm.return": build_return,
    "vm.import.resolved": build_import_resolved,
    "vm.fail": build_fail,
    "vm.trace": build_trace,
    "vm.print": build_trace,
}
