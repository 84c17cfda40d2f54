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


def build_remap(pairs):
    """A function applying a branch's remap list, in order, to a frame."""
    if not pairs:
        return None
    plan = [(bool(s & _BIT), s & (_MASK if s & _BIT else isa.I32_MASK),
             d & (_MASK if d & _BIT else isa.I32_MASK), bool(s & _MOVE)) for s, d in pairs]
    if not any(is_ref for is_ref, *_ in plan):
        moves = [(s, d) for _, s, d, _ in plan]

        def remap(regs, refs):
            for s, d in moves:
                regs[d] = regs[s]
        return remap

    def remap(regs, refs):
        for is_ref, s, d, move in plan:
            if is_ref:
                value = refs[s]
                if move and s != d:
                    refs[s] = None
                refs[d] = value
            else:
                regs[d] = regs[s]
    return remap


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
        event = (CALL, callee, results, resume)

        def step(regs, refs):
            return event + (collect(operands, regs, refs),)
        return step

    ordinal = callee & ~isa.IMPORT_BIT
    import_def = env.module.imports[ordinal]
    segments = instr.arg("segment_sizes") if "variadic" in instr.op.mnemonic else None
    return _import_call_step(import_def, env.state.imports, ordinal, instr.arg("operands"),
                             instr.arg("results"), segments, resume)


def _import_call_step(import_def, imports, ordinal, operands, results, segments, resume):
    """A step calling import `ordinal`, generated as Python source for this call site.

    The argument grouping (variadic spans included), MOVE releases and result
    conversions are all known here, so the step is straight-line code. Every
    argument is read before any moved register is released, and releases
    happen before results are stored (a result may reuse a moved register).
    """
    cconv = import_def.cconv
    if cconv is None:
        raise NotFoundError(f"import '{import_def.full_name}' has no calling convention")
    reads, releases = [], []
    for raw in operands:
        is_ref, slot, move = reader(raw)
        reads.append(f"refs[{slot}]" if is_ref else f"regs[{slot}]")
        if move:
            releases.append(f"    refs[{slot}] = None")
    args, position = [], 0
    for index, item in enumerate(cconv.args):
        if len(item) == 1:
            args.append(reads[position])
            position += 1
            continue
        width, count = len(item) - 1, segments[index]
        group = reads[position:position + width * count]
        position += width * count
        if width == 1:
            args.append("[" + ", ".join(group) + "]")
        else:
            args.append("[" + ", ".join("(" + ", ".join(group[i:i + width]) + ",)"
                                        for i in range(0, len(group), width)) + "]")
    stores = []
    for index, (raw, ch) in enumerate(zip(results, cconv.results)):
        is_ref, slot, _ = reader(raw)
        stores.append(f"    refs[{slot}] = v{index}" if is_ref else
                      f"    regs[{slot}] = {_CONVERT_NAMES[ch]}(v{index})")
    outputs = ", ".join(f"v{i}" for i in range(len(cconv.results)))
    unpack = "" if not cconv.results else (
        f"    {outputs} = out\n" if len(cconv.results) > 1 else "    v0 = out\n")
    source = (
        "def step(regs, refs):\n"
        f"    target = imports[{ordinal}]\n"
        "    if target is None:\n"
        "        raise NotFoundError(unresolved)\n"
        "    try:\n"
        f"        out = target.call({', '.join(args)})\n"
        "    except Error as error:\n"
        "        error.add_frame(frame)\n"
        "        raise\n"
        + "".join(t + "\n" for t in releases)
        + unpack + "".join(t + "\n" for t in stores)
        + f"    return {resume}\n")
    namespace = {"imports": imports, "NotFoundError": NotFoundError, "Error": Error,
                 "unresolved": f"optional import `{import_def.full_name}` (ordinal {ordinal}) not resolved",
                 "frame": f"while calling import '{import_def.full_name}'",
                 "wrap32": wrap32, "wrap64": wrap64, "f32": f32, "float": float}
    exec(source, namespace)
    return namespace["step"]


_CONVERT_NAMES = {"i": "wrap32", "I": "wrap64", "f": "f32", "F": "float"}


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
