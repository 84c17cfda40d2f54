"""Fused blocks: straight-line runs of a function's steps, and whole loops, as
generated Python — the `jit` and `auto` tiers' answer to dispatch overhead.

A 4-element add spends most of its time in the interpreter's loop (fetch a
step, call it, look at its event) rather than in the steps. `fuse` turns
every basic block — and every part of one that follows an internal call,
where the callee returns — into a single function placed at the block's
first step index: constants, pure ops, buffer accesses, import calls and
branches are written inline (each step module's `INLINERS` give the Python
for its ops, from the same helpers its step closures use), everything else
calls its step closure. A fused function returns the next step index or a
call/return event, exactly as the last step of its run would, so the run
loop, the tiering hooks at block entries and compiled regions are unchanged.

`fuse_region` does the same for a loop region (see jit/regions.py) as one
function with a `while` loop over its blocks, so a loop that is not hot
enough to compile still runs without the run loop's dispatch per block.

A segment's first run calls its steps one by one and only a second run
generates and compiles its Python: most segments run once (a dyn-llvm
model's VM code is one straight line of dispatches; `__init` runs once), and
compiling costs ~35 µs per op against ~1 µs for calling its step.

Errors keep their location: the generated source has one line range per op,
and the line that raised gives the op's bytecode offset (`Error.vm_pc`); a
first run names the step that raised.
"""

from __future__ import annotations

import re

from vmvxjit.errors import UNEXPECTED, Error, internal_error
from vmvxjit.vm.deadline import backward
from vmvxjit.vm.steps_control import INLINERS as CONTROL_INLINERS, branch_source, ends_segment
from vmvxjit.vm.steps_memory import INLINERS as MEMORY_INLINERS
from vmvxjit.vm.steps_numeric import INLINERS as NUMERIC_INLINERS

INLINERS = {**NUMERIC_INLINERS, **MEMORY_INLINERS, **CONTROL_INLINERS}

# A region function hands control back to its entry hook after this many loop
# back-edges, so the tiering policy can decide to compile a long-running loop.
REGION_BUDGET = 4096


class _Source:
    """Generated Python with, per line, the bytecode offset of the op it is for."""

    def __init__(self, env):
        self.env = env
        self.lines: list[str] = []
        self.line_pcs: dict[int, int] = {}
        self.namespace = {"Error": Error, "UNEXPECTED": UNEXPECTED, "located": _located,
                          "internal_error": internal_error, "line_pcs": self.line_pcs}

    def add(self, indent: int, lines, pc: int | None = None) -> None:
        for line in lines:
            self.lines.append(" " * indent + line)
            if pc is not None:
                self.line_pcs[len(self.lines)] = pc

    def op(self, instr, index: int, step, indent: int, returns: bool) -> None:
        """The op's Python, or a call of its step (`return`ed when `returns`)."""
        inline = INLINERS.get(instr.op.mnemonic)
        if self.env.state.deadline.enabled and backward(instr):
            inline = None      # its step checks the call deadline (interpreter._polling)
        emitted = inline(instr, self.env, f"_{index}") if inline else None
        if emitted is None:
            self.namespace[f"step_{index}"] = step
            self.add(indent, [f"{'return ' if returns else ''}step_{index}(regs, refs)"], instr.pc)
            return
        lines, names = emitted
        self.namespace.update(names)
        self.add(indent, lines, instr.pc)

    def handlers(self, indent: int) -> None:
        """Closes a `try:` opened at `indent`: errors get the failing op's offset."""
        self.add(indent, ["except Error as error:",
                          "    error.vm_pc = located(error, line_pcs)",
                          "    raise",
                          "except UNEXPECTED as exc:",
                          "    error = internal_error(exc)",
                          "    error.vm_pc = located(exc, line_pcs)",
                          "    raise error from exc"])

    def build(self, what: str) -> dict:
        # The function's name is module data: a NUL in it would make compile() fail.
        name = self.env.function_name.replace("\0", "\\0")
        code = compile("\n".join(self.lines) + "\n", f"<fused {name} {what}>", "exec")
        exec(code, self.namespace)
        return self.namespace


def fuse(instrs: list, steps: list, block_starts, env) -> None:
    """Replaces `steps[i]` at each segment start with the segment's fused function.

    `instrs[i]` is the instruction of `steps[i]`; `block_starts` the step
    indices where blocks begin. `env` is the step builders' environment.
    Each segment's Python is generated and compiled the second time it runs
    (INTERPRETED_RUNS): a model's function has thousands of blocks, most of
    which run inside compiled regions or once, and compiling them all up
    front cost ~0.4 s.
    """
    boundaries = set(block_starts) | {0}
    index = 0
    while index < len(steps):
        if index not in boundaries:
            index += 1
            continue
        start = index
        while True:
            ends = ends_segment(instrs[index])
            index += 1
            if ends or index in boundaries or index == len(steps):
                break
        boundaries.add(index)
        steps[start] = _segment(instrs[start:index], steps[start:index], start, ends, steps, env)


# Runs of a segment that call its steps before it is compiled (tests set 0 to test fused code).
INTERPRETED_RUNS = 1


def _segment(instrs: list, unfused: list, start: int, ends: bool, steps: list, env):
    """The step at segment start `start`: `unfused` (the steps of `instrs`) called in
    turn for the first INTERPRETED_RUNS runs, then the segment compiled and put in
    `steps` (unless something has wrapped the step meanwhile: then it calls it on
    from here). It returns what the fused function would: the last step's event when
    it `ends` the segment, else the index after the segment."""
    compiled = []
    runs = [0]
    after = start + len(unfused)

    def step(regs, refs):
        if compiled:
            return compiled[0](regs, refs)
        if runs[0] < INTERPRETED_RUNS:
            runs[0] += 1
            return _run_steps(instrs, unfused, after, ends, regs, refs)
        compiled.append(_compile(instrs, unfused, start, ends, env))
        if steps[start] is step:
            steps[start] = compiled[0]
        return compiled[0](regs, refs)
    return step


def _run_steps(instrs: list, unfused: list, after: int, ends: bool, regs, refs):
    """One run of a segment's steps, errors located at the step that raised."""
    index = 0
    try:
        for index, step in enumerate(unfused):
            event = step(regs, refs)
    except Error as error:
        error.vm_pc = instrs[index].pc
        raise
    except UNEXPECTED as exc:
        error = internal_error(exc)
        error.vm_pc = instrs[index].pc
        raise error from exc
    return event if ends else after


def _compile(instrs: list, unfused: list, start: int, ends: bool, env):
    """The segment's fused function `segment_<start>`."""
    source = _Source(env)
    source.add(0, [f"def segment_{start}(regs, refs):", "    try:"])
    last = len(instrs) - 1
    for offset, (instr, step) in enumerate(zip(instrs, unfused)):
        source.op(instr, start + offset, step, 8, returns=ends and offset == last)
    if not ends:
        source.add(8, [f"return {start + len(instrs)}"])
    source.handlers(4)
    return source.build(f"segment {start}")[f"segment_{start}"]


def fuse_region(blocks: list, block_targets: dict, steps: list, env):
    """A function `run(regs, refs, ip) -> (step index, back-edges taken)` running
    the region's blocks from step index `ip` until a branch leaves the region
    (or REGION_BUDGET back-edges were taken: it then returns the back-edge's
    target, a region entry). `blocks` are jit/regions.py Blocks; `steps` the
    unfused steps, called for ops without an inline form. None when a block
    makes an internal call: the run loop makes those (and the fused blocks
    already at the entries handle them)."""
    if any(ends_segment(i) for b in blocks for i in b.instrs[:-1]):
        return None
    inside = {block_targets[b.pc]: b for b in blocks}
    source = _Source(env)
    source.add(0, ["def region(regs, refs, ip):", "    back_edges = 0", "    try:",
                   "        while True:"])

    def emit(starts: list, indent: int) -> bool:
        if len(starts) > 1:
            middle = len(starts) // 2
            source.add(indent, [f"if ip < {starts[middle]}:"])
            if not emit(starts[:middle], indent + 4):
                return False
            source.add(indent, ["else:"])
            return emit(starts[middle:], indent + 4)
        start = starts[0]
        block = inside[start]
        for offset, instr in enumerate(block.instrs[:-1]):
            source.op(instr, start + offset, steps[start + offset], indent, returns=False)

        def jump(target: int) -> list[str]:
            if target not in inside:
                return [f"return {target}, back_edges"]
            if target > start:
                return [f"ip = {target}", "continue"]
            return ["back_edges += 1", f"if back_edges >= {REGION_BUDGET}:",
                    f"    return {target}, back_edges", f"ip = {target}", "continue"]

        terminator = block.instrs[-1]
        lines = branch_source(terminator, env, jump)
        if lines is None:
            return False
        source.add(indent, lines, terminator.pc)
        return True

    if not emit(sorted(inside), 12):
        return None
    if not any(name.startswith("step_") for name in source.namespace):
        _registers_as_locals(source.lines)
    source.handlers(4)
    return source.build("region")["region"]


_REGISTER = re.compile(r"\b(regs|refs)\[(\d+)\]")
_WRITE = re.compile(r"^\s*regs\[(\d+)\] = ")
_EXIT = re.compile(r"^(\s*)(return \d+, back_edges)$")


def _registers_as_locals(lines: list) -> None:
    """Rewrites a region function whose ops are all inline to keep registers in
    locals: loaded on entry, the written ones stored back before each return
    (an error abandons the frame, so it needs none). Edits stay on their lines,
    so line numbers still locate ops."""
    written = sorted({int(m.group(1)) for line in lines if (m := _WRITE.match(line))})
    used = sorted({(bank, int(slot)) for line in lines[1:] for bank, slot in _REGISTER.findall(line)})
    store = "".join(f"regs[{slot}] = reg_{slot}; " for slot in written)
    for i in range(1, len(lines)):
        line = _REGISTER.sub(lambda m: f"{'reg' if m.group(1) == 'regs' else 'ref'}_{m.group(2)}",
                             lines[i])
        exit_ = _EXIT.match(line)
        lines[i] = f"{exit_.group(1)}{store}{exit_.group(2)}" if exit_ else line
    loads = "".join(f"; {'reg' if bank == 'regs' else 'ref'}_{slot} = {bank}[{slot}]"
                    for bank, slot in used)
    lines[1] += loads


def _located(exc: BaseException, line_pcs: dict) -> int | None:
    """The bytecode offset of the op whose line raised `exc` in a fused function."""
    tb = exc.__traceback__
    return line_pcs.get(tb.tb_lineno) if tb is not None else None
