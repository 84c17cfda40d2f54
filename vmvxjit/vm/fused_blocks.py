"""Fused blocks: each straight-line run of a function's steps as one generated
Python function — the `jit` and `auto` tiers' answer to dispatch overhead.

A 4-element add spends most of its time in the interpreter's loop (fetch a
step, call it, look at its event) rather than in the steps. Here every basic
block — and every part of one that follows an internal call, where the callee
returns — becomes a single function placed at the block's first step index:
constants, pure ops, buffer accesses, import calls and branches are written
inline (each step module's `INLINERS` give the Python for its ops, from the
same helpers its step closures use), everything else calls its step closure.
A fused function returns the next step index or a call/return event, exactly
as the last step of its run would, so the run loop, the tiering hooks at
block entries and compiled regions are unchanged.

Errors keep their location: the generated source has one line range per op,
and the line that raised gives the op's bytecode offset (`Error.vm_pc`).
"""

from __future__ import annotations

from vmvxjit.errors import UNEXPECTED, Error, internal_error
from vmvxjit.vm.steps_control import INLINERS as CONTROL_INLINERS, ends_segment
from vmvxjit.vm.steps_memory import INLINERS as MEMORY_INLINERS
from vmvxjit.vm.steps_numeric import INLINERS as NUMERIC_INLINERS

INLINERS = {**NUMERIC_INLINERS, **MEMORY_INLINERS, **CONTROL_INLINERS}


def fuse(instrs: list, steps: list, block_starts, env) -> None:
    """Replaces `steps[i]` at each segment start with the segment's fused function.

    `instrs[i]` is the instruction of `steps[i]`; `block_starts` the step
    indices where blocks begin. `env` is the step builders' environment.
    """
    starts = sorted(set(block_starts) | {0})
    source = []
    line_pcs: dict[int, int] = {}
    namespace = {"Error": Error, "UNEXPECTED": UNEXPECTED, "located": _located,
                 "line_pcs": line_pcs}
    segments = []
    boundaries = set(starts)
    index = 0
    while index < len(steps):
        if index not in boundaries:
            index += 1
            continue
        start = index
        name = f"segment_{start}"
        source += [f"def {name}(regs, refs):", "    try:"]
        while True:
            instr = instrs[index]
            ends = ends_segment(instr)
            inline = INLINERS.get(instr.op.mnemonic)
            emitted = inline(instr, env, f"_{index}") if inline else None
            if emitted is None:
                namespace[f"step_{index}"] = steps[index]
                lines = [f"{'return ' if ends else ''}step_{index}(regs, refs)"]
            else:
                lines, names = emitted
                namespace.update(names)
            for line in lines:
                source.append("        " + line)
                line_pcs[len(source)] = instr.pc
            index += 1
            if ends:
                break
            if index in boundaries or index == len(steps):
                source.append(f"        return {index}")
                break
        if index < len(steps):
            boundaries.add(index)
        source += ["    except Error as error:",
                   "        error.vm_pc = located(error, line_pcs)",
                   "        raise",
                   "    except UNEXPECTED as exc:",
                   "        error = internal_error(exc)",
                   "        error.vm_pc = located(exc, line_pcs)",
                   "        raise error from exc"]
        segments.append((start, name))
    namespace["internal_error"] = internal_error
    exec(compile("\n".join(source) + "\n", f"<fused {env.function_name}>", "exec"), namespace)
    for start, name in segments:
        steps[start] = namespace[name]


def _located(exc: BaseException, line_pcs: dict) -> int | None:
    """The bytecode offset of the op whose line raised `exc` in a fused function."""
    tb = exc.__traceback__
    return line_pcs.get(tb.tb_lineno) if tb is not None else None
