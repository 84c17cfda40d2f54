"""A running maximum kept in a register (IREE's maxnumf reduction) computed in 16 lanes.

IREE reduces a row's maximum with, per element x, on the promoted element acc:

    c = cmp.lt.f32.u acc, x;  s = select c, x, acc;  n = cmp.nan.f32 x;  acc = select n, acc, s

so acc becomes x exactly when x is not NaN and acc is NaN or below x: after the
loop acc holds the first element (in loop order) whose value is the largest of
the non-NaN elements and acc's first value, or that first value if there is
none. LLVM keeps such a loop scalar, one dependent compare and select per
element. Each of 16 lanes can fold every 16th element the same way, and
folding the lanes' results in lane order then gives the largest value too; the
bits are that value's unless it is zero (-0 and +0 compare equal, and which
comes first decides), so then the lanes' result is dropped and the loop runs as
before. The lanes fold all but the last iteration; the literal body runs that
one, so every register the loop writes ends as the loop leaves it.
"""

from __future__ import annotations

from dataclasses import dataclass

from vmvxjit.vm.jit.distribution import Slices
from vmvxjit.vm.jit.loops import LoopPlan, slots_written
from vmvxjit.vm.jit.ops import template
from vmvxjit.vm.jit.spelling import CAST

LANES = 16
_IDIOM = ("vm.cmp.lt.f32.u", "vm.select.f32", "vm.cmp.nan.f32", "vm.select.f32")


@dataclass
class RunningMax:
    ops: list        # the four ops of the idiom, in order
    acc: int         # register holding the promoted element
    x: int           # register holding the iteration's element
    x_pc: int        # the op that computes x (the slices compute it ahead)


def match(plan: LoopPlan, kept: tuple, slices: Slices) -> RunningMax | None:
    """The running maximum of `plan`'s loop, if its promoted f32 element (`kept`: the
    promoted load and store pcs) is updated by the idiom alone and every other op of
    the body but the counter's update can be computed ahead (`slices`)."""
    if plan.promoted is None or kept[0] is None or plan.promoted[2] != "f32":
        return None
    body = plan.body.instrs[:-1]
    at = {i.pc: n for n, i in enumerate(body)}
    store = at[kept[1]]
    ops = body[store - 4:store]
    if store < 4 or tuple(i.op.mnemonic for i in ops) != _IDIOM:
        return None
    acc, x = ops[0].args[0], ops[0].args[1]
    c, s, n, r = (i.args[-1] for i in ops)
    if (ops[1].args[:3] != (c, x, acc) or ops[2].args[0] != x or ops[3].args[:3] != (n, acc, s)
            or body[store].args[2] != r or {acc, x} & {c, s, n} or acc == x):
        return None
    writers = {}
    for instr in body[:store - 4]:
        for slot in slots_written(instr):
            writers[slot] = instr
    load = writers.get(acc)
    source = writers.get(x)
    if load is None or load.pc != kept[0] or source is None or source.pc not in slices.locals:
        return None
    rest = [i for i in body if i.pc not in (kept[0], kept[1], plan.update_pc) and i not in ops]
    if any(i.pc not in slices.locals for i in rest):
        return None
    return RunningMax(ops, acc, x, source.pc)


def fold(found: RunningMax, acc: str, x: str, prefix: str) -> tuple[list, str]:
    """(lines, result) of one step of the idiom on locals: `acc` folded with `x`."""
    env = {found.acc: acc, found.x: x}
    lines = []
    for n, instr in enumerate(found.ops):
        reads = [env[v] for f, v in zip(instr.op.fields, instr.args) if f.kind.startswith("R.")]
        (bank,) = [f.bank for f in instr.op.fields if f.kind.startswith("W.")]
        local = f"{prefix}_{n}"
        lines.append(f"{local} = {CAST[bank]}({template(instr.op.mnemonic).format(*reads)})")
        env[instr.args[-1]] = local
    return lines, env[found.ops[-1].args[-1]]
