"""Loop distribution of an optimized innermost loop: its exps computed first, in a loop of their own.

LLVM leaves a loop scalar when one thing in it cannot be vectorized: an
ordered f32 sum (softmax's `sum += exp(x - max)`), or a gather from expf's
table beside a store through a pointer it cannot bound (`y = exp(x - max) /
sum`). So an innermost loop optimized by loop_versioning.py whose body
computes a `vm.exp.f32` (a root) from values of its own iteration runs in
chunks of CHUNK iterations:

    for t in range(m):  e[t] = exp(x[i + t] - max)     # the slice: vectorizes
    for t in range(m):  the loop body, the root reading e[t]

The slice of a root is the ops its value depends on within one iteration:
constants, pure ops that cannot fault, loads bounds-checked once at entry
and ops hoisted before the loop (licm.py), reading registers the loop does
not write, the induction variable (`i + t`) or values the slice computed
earlier in the iteration; it writes locals only. The body still runs every
op in its order (the root but reads its value), so every register gets the
values it got before and the sum keeps its order of additions; the root
computes the same bits from the same operands, provided the loads read
what they read before: the caller checks at entry that the bytes the
slice's loads touch are disjoint from every byte the loop writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vmvxjit.vm.elements import ACCESSES, ELEMENTS
from vmvxjit.vm.jit.loops import LoopPlan, slots_written
from vmvxjit.vm.jit.ops import FAULTS, TEMPLATES, template
from vmvxjit.vm.jit.regions import CONST_OPS
from vmvxjit.vm.jit.spelling import CAST, literal, var

ROOTS = frozenset({"vm.exp.f32"})   # ops worth a loop of their own: LLVM vectorizes their calls there
CHUNK = 256                          # iterations per chunk: their roots' values in a 1 KiB stack array


@dataclass
class Split:
    """The slice code of one loop: `lines` compute each root's value into its stack
    array (`arrays`: root pc -> array name) at chunk position `t`; `loads` are the
    pcs of the loads the slice reads."""

    t: str
    lines: list = field(default_factory=list)
    arrays: dict = field(default_factory=dict)
    loads: list = field(default_factory=list)


def split(plan: LoopPlan, tag: str, proven: dict, hoisted: dict, kept: tuple) -> Split | None:
    """The Split of `plan`'s loop, or None when no root's slice is computable ahead.
    `proven`: load pc -> the view the loop reads through unchecked; `hoisted`: pc of
    an op computed before the loop -> its temporary; `kept`: pcs of the promoted pair."""
    t = f"t{tag}"
    slices = Slices(plan, t, f"e{tag}", proven, hoisted, kept)
    roots = [i.pc for i in plan.body.instrs if i.op.mnemonic in ROOTS and i.pc in slices.locals
             and i.pc not in hoisted]
    if not roots:
        return None
    result = Split(t)
    result.lines, result.loads = slices.code(roots)
    for n, pc in enumerate(roots):
        array = f"s{tag}_{n}"
        result.arrays[pc] = array
        result.lines.append(f"{array}[{t}] = {slices.locals[pc]}")
    return result


class Slices:
    """What one iteration of `plan`'s body can compute ahead, into locals named
    `{prefix}_<n>`, at iteration `t` (an expression) counted from the counter's value:
    `locals` maps the pc of each op computable ahead to its local."""

    def __init__(self, plan: LoopPlan, t: str, prefix: str, proven: dict, hoisted: dict, kept: tuple):
        self.proven = proven
        written = {s for i in plan.body.instrs[:-1] for s in slots_written(i)}
        written |= {plan.header.terminator.args[0]}
        values = {}        # slot -> (bank, local, pcs of the slice ops it needs) for this iteration
        self.lines = {}    # pc -> the line computing its local
        self.locals, self.needs = {}, {}
        for instr in plan.body.instrs[:-1]:
            if instr.pc == plan.update_pc:
                values[plan.iv] = (None, None, None)     # the slice knows the counter before its update only
                continue
            computed = _compute(instr, plan, t, written, values, proven, hoisted, kept)
            for slot in slots_written(instr):
                values.pop(slot, None)
            if computed is None:
                continue
            bank, expr, needs = computed
            local = self.locals[instr.pc] = f"{prefix}_{len(self.lines)}"
            self.lines[instr.pc] = f"{local} = {CAST[bank]}({expr})"
            self.needs[instr.pc] = needs | {instr.pc}
            (w,) = _writes(instr)
            values[w] = (bank, local, self.needs[instr.pc])

    def code(self, pcs) -> tuple[list, list]:
        """(lines computing the locals of the ops at `pcs`, pcs of the loads they read)."""
        needed = set().union(*(self.needs[pc] for pc in pcs))
        return ([line for pc, line in self.lines.items() if pc in needed],
                sorted(pc for pc in needed if pc in self.proven))


def _writes(instr) -> list:
    return [v for f, v in zip(instr.op.fields, instr.args) if f.kind.startswith("W.") and f.bank != "ref"]


def _compute(instr, plan, t, written, values, proven, hoisted, kept):
    """(bank, expression, slice ops it needs) of the one register `instr` writes, as
    the slice computes it, or None when it is not computable ahead."""
    m, fields, args = instr.op.mnemonic, instr.op.fields, instr.args
    if len(_writes(instr)) != 1 or instr.pc in kept:
        return None
    (bank,) = [f.bank for f in fields if f.kind.startswith("W.") and f.bank != "ref"]
    if instr.pc in hoisted:
        return bank, hoisted[instr.pc], set()
    if m in CONST_OPS:
        return bank, literal(bank, args[0] if len(args) == 2 else 0), set()
    if m in TEMPLATES and m not in FAULTS:
        reads = [(f.bank, v) for f, v in zip(fields, args) if f.kind.startswith("R.")]
        operands = [_operand(slot, b, plan, t, written, values) for b, slot in reads]
        if any(o is None for o in operands):
            return None
        return bank, template(m).format(*(e for e, _ in operands)), set().union(*(n for _, n in operands))
    if instr.pc in proven and m.startswith("vm.buffer.load."):
        index = _operand(args[1], "i64", plan, t, written, values)
        if index is None:
            return None
        return ELEMENTS[ACCESSES[m]].bank, f"{proven[instr.pc]}[ix({index[0]})]", index[1]
    return None


def _operand(slot: int, bank: str, plan, t, written, values):
    """(expression, slice ops it needs) of register `slot` read as `bank` in the
    slice's iteration `t` of the chunk, or None when the slice cannot know it."""
    if slot in values:
        known, local, needs = values[slot]
        return (local, needs) if known == bank else None
    if slot == plan.iv and bank == "i64":
        return f"({var(slot, bank)} + {t})", set()
    if slot in written or (bank in ("i64", "f64") and slot + 1 in written):
        return None
    return var(slot, bank), set()
