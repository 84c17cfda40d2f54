"""The reference interpreter: runs verified bytecode with IREE's semantics.

Each function is prepared once per module state into a list of step
closures (block markers dropped; branch targets resolved to step indices).
The run loop keeps VM frames on an explicit stack, so deep VM recursion never
touches Python's recursion limit, and annotates any error with every active
frame's location (`module.function+0xPC`). With a call deadline
(vm/deadline.py), the steps of backward branches count down to a look at the
clock (`_polling`); without one nothing is added.
"""

from __future__ import annotations

from dataclasses import dataclass

from vmvxjit.errors import UNEXPECTED, Error, InternalError, ResourceExhaustedError, internal_error
from vmvxjit.vm.bytecode_module import ModuleState
from vmvxjit.vm.cconv import frame_layout
from vmvxjit.vm.deadline import backward
from vmvxjit.vm.decoder import BLOCK_OP
from vmvxjit.vm.steps_control import BUILDERS as CONTROL_BUILDERS, CALL, store_results
from vmvxjit.vm.steps_memory import BUILDERS as MEMORY_BUILDERS
from vmvxjit.vm.steps_numeric import BUILDERS as NUMERIC_BUILDERS

BUILDERS = {**NUMERIC_BUILDERS, **MEMORY_BUILDERS, **CONTROL_BUILDERS}
MAX_CALL_DEPTH = 4096


@dataclass
class Prepared:
    """A function ready to run: its steps and what a frame of it looks like."""

    ordinal: int
    steps: list
    pcs: list
    i32_count: int
    ref_count: int
    arg_slots: tuple


class _BuildEnv:
    """What step builders may ask about the function being prepared."""

    def __init__(self, state: ModuleState, function_name: str, block_targets: dict):
        self.state = state
        self.module = state.module
        self.function_name = function_name
        self.index = 0                 # step index of the instruction being built
        self._targets = block_targets

    def target(self, pc: int) -> int:
        return self._targets[pc]


def prepare(state: ModuleState, ordinal: int) -> Prepared:
    """Builds (once) the step list of internal function `ordinal`: threads calling
    into the module at once wait for the one preparing it."""
    prepared = state.prepared.get(ordinal)
    if prepared is not None:
        return prepared
    with state.preparing:
        prepared = state.prepared.get(ordinal)
        return prepared if prepared is not None else _prepare(state, ordinal)


def _prepare(state: ModuleState, ordinal: int) -> Prepared:
    function = state.module.functions[ordinal]
    targets = {}
    count = 0
    for instr in function.instrs:
        if instr.op is BLOCK_OP:
            targets[instr.pc] = count
        else:
            count += 1
    env = _BuildEnv(state, function.name, targets)
    steps, pcs, instrs = [], [], []
    for instr in function.instrs:
        if instr.op is BLOCK_OP:
            continue
        builder = BUILDERS.get(instr.op.mnemonic)
        if builder is None:
            raise InternalError(f"no interpreter support for {instr.op.mnemonic}")
        env.index = len(steps)
        step = builder(instr, env)
        if state.deadline.enabled and backward(instr):
            step = _polling(step, state.deadline)
        steps.append(step)
        pcs.append(instr.pc)
        instrs.append(instr)
    if state.tier != "interp":
        state.install_jit(state, function, instrs, steps, targets, env)
    arg_slots, _, _ = frame_layout(function.cconv.args)
    prepared = Prepared(ordinal, steps, pcs, function.i32_count, function.ref_count, arg_slots)
    state.prepared[ordinal] = prepared
    return prepared


def _polling(step, deadline):
    """`step` checking the call deadline every POLL_BRANCHES runs."""
    fuel = [0]

    def polling(regs, refs):
        fuel[0] -= 1
        if fuel[0] < 0:
            fuel[0] = deadline.poll()
        return step(regs, refs)
    return polling


def _new_frame(prepared: Prepared, args) -> tuple[list, list]:
    regs = [0] * prepared.i32_count
    refs = [None] * prepared.ref_count
    for (ch, slot), value in zip(prepared.arg_slots, args):
        if ch == "r":
            refs[slot] = value
        else:
            regs[slot] = value
    return regs, refs


def run_function(state: ModuleState, ordinal: int, args: list) -> list:
    """Runs internal function `ordinal` with already-converted arguments."""
    prepared = prepare(state, ordinal)
    regs, refs = _new_frame(prepared, args)
    steps = prepared.steps
    stack = []
    ip = 0
    try:
        if state.deadline.enabled:     # (a dispatch runs a function per workgroup)
            state.deadline.poll()
        while True:
            step = steps[ip]
            ip += 1
            event = step(regs, refs)
            if event is None:
                continue
            if event.__class__ is int:
                ip = event
                continue
            if event[0] is CALL:
                _, callee, results, resume, values = event
                if len(stack) >= MAX_CALL_DEPTH:
                    raise ResourceExhaustedError(
                        f"VM call stack exhausted (more than {MAX_CALL_DEPTH} frames)")
                stack.append((prepared, regs, refs, resume, results))
                prepared = prepare(state, callee)
                steps = prepared.steps
                regs, refs = _new_frame(prepared, values)
                ip = 0
                continue
            values = event[1]
            if not stack:
                return values
            prepared, regs, refs, ip, results = stack.pop()
            steps = prepared.steps
            store_results(results, values, regs, refs)
    except Error as error:
        _annotate(error, state, prepared, ip, stack)
        raise
    except UNEXPECTED as exc:
        error = internal_error(exc)
        _annotate(error, state, prepared, ip, stack)
        raise error from exc


def _annotate(error: Error, state: ModuleState, prepared: Prepared, ip: int, stack: list) -> None:
    module = state.module
    frames = [(prepared, ip)] + [(p, i) for p, _, _, i, _ in reversed(stack)]
    for depth, (frame_prepared, frame_ip) in enumerate(frames):
        index = max(0, min(frame_ip - 1, len(frame_prepared.pcs) - 1))
        pc = frame_prepared.pcs[index] if frame_prepared.pcs else 0
        if depth == 0 and error.vm_pc is not None:
            pc = error.vm_pc  # raised by fused or compiled code, at its own bytecode offset
            error.vm_pc = None
        error.add_frame(module.location(frame_prepared.ordinal, pc))
