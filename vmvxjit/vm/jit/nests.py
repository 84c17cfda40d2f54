"""Loop nests whose outermost loop can move innermost without changing any result.

The shape (what IREE emits for every loop level):

    for j:            header `cmp.lt.i64.s j, J; cond_br`, then P (integer code)
      for m1:         header, then pre-block (integer code)  ... any depth
        for k:        a simple innermost loop (loops.LoopPlan) updating C[idx(j)]
      (latches `m += step; br header` close each level)

becomes `for m1: ... for k: for j: P; pre...; body`. This is legal when
dependence analysis shows each element's float operations keep their order:

* the only memory written in the nest is the inner loop's promoted element
  C[idx(j)], with idx affine in j alone and a non-zero coefficient, so each
  j owns one element and sees its (m1, ..., k) updates in the same order;
* every other access is a load of bytes disjoint from the elements of C
  the nest writes (checked at run time, ranges.py), so no load sees a
  different value;
* nothing in an iteration reads a register value left by an earlier one,
  the bounds, steps and starts of the inner loops are invariant, and the
  body contains no operation that can fault (a fault would happen after a
  different set of stores).

It pays off only when the new inner loop over j walks C with unit stride
(C's coefficient of j is 1: LLVM vectorizes it) and reads every other
buffer with a small stride (a coefficient from 0 to MAX_LOAD_STRIDE, or 0
or 1 with `strided` off: a strided convolution's loads become shuffles or
gathers, still far faster than one dependent chain per element); a
coefficient known at compile time to be anything else rejects the
interchange, one known only at run time is checked at entry. The same
dependence analysis makes a two-loop nest legal to unroll and jam instead
(jam.py: a few j iterations run side by side, each its own k loop in order),
which needs no unit stride.
A nest whose updated element moves with its two outermost loops w and j
(and that pays off with j innermost) may instead have w blocked around
the interchanged nest (block_code.py: a few w iterations side by side).
When every register the nest writes (but j) is dead where it exits, all j
iterations are reordered; otherwise the last one is left to the literal
code, which leaves the registers exactly as the original nest does.
"""

from __future__ import annotations

from dataclasses import dataclass

from vmvxjit.vm import isa
from vmvxjit.vm.jit import affine, dataflow, switches
from vmvxjit.vm.jit.loops import LoopPlan, reg_writes, slots_written
from vmvxjit.vm.jit.ops import FAULTS

MAX_DEPTH = 6
MAX_LOAD_STRIDE = 8
_NOT_ALONE = "the updated element does not move with the outer loop alone"
NEST_ARITH = frozenset({"vm.add.i64", "vm.sub.i64", "vm.mul.i64", "vm.fma.i64",
                         "vm.const.i64", "vm.const.i64.zero"})


@dataclass
class Level:
    """One enclosing loop: `header` tests `iv < bound`, `pre` runs before the
    next level, `latch` adds `step`; the iv starts from register `init`."""

    header: object
    pre: object
    iv: int
    step: int
    bound: int
    init: object          # register (None for the outermost loop: it is already running)


@dataclass
class Nest:
    levels: list          # the loop moved innermost first, then the loops it encloses
    inner: LoopPlan       # the innermost loop
    k_init: int           # register the innermost loop's iv starts from
    forms: dict           # access pc in the inner body -> Affine over every iv
    index_form: object    # Affine of the promoted element's index
    full: bool            # every j iteration may be reordered (written registers dead at exit)
    j_start: object       # known start of the j loop (int) or None
    exit_pc: int          # where the outermost loop exits
    strided: object = None  # why interchanging would not pay off (compile-time strides), or None
    jam: bool = False     # unroll and jam the outer loop (jam.py) instead of interchanging
    blocked: bool = False  # levels[0] runs a few iterations side by side around levels[1] moved innermost


def loop_header(block):
    """(iv, bound, cond, body pc, exit pc) of a loop header, or None."""
    if len(block.instrs) != 2 or block.terminator.op.mnemonic != "vm.cond_br":
        return None
    cmp = block.instrs[0]
    cond, body_pc, body_pairs, exit_pc, _ = block.terminator.args
    if cmp.op.mnemonic != "vm.cmp.lt.i64.s" or cmp.args[2] != cond or body_pairs:
        return None
    return cmp.args[0], cmp.args[1], cond, body_pc, exit_pc


def _latch(block, iv: int, header_pc: int):
    """The step register of `iv = add.i64 iv, step; br header`, or None."""
    if block is None or len(block.instrs) != 2:
        return None
    update, back = block.instrs
    if (update.op.mnemonic != "vm.add.i64" or update.args[0] != iv or update.args[2] != iv
            or back.op.mnemonic != "vm.br" or back.args[0] != header_pc or back.args[1]):
        return None
    return update.args[1]


def _start(header, iv: int, blocks, latch_pc: int, consts: dict):
    """The constant a loop's iv starts from, if its one entry edge sets it from a
    constant (a guess: the generated code checks it at run time)."""
    sources = []
    for block in blocks:
        if block.pc != latch_pc and header.pc in block.successors:
            pairs = dataflow.edge_pairs(block.terminator, header.pc)
            sources += [s for ps in pairs for s, d in ps if d == iv] or [None]
    if len(sources) != 1 or sources[0] not in consts:
        return None
    return int(consts[sources[0]][1])


def walk_levels(header, by_pc: dict, plans: dict):
    """((levels, inner plan, register the inner loop's iv starts from, where the
    outermost loop exits), None) for the loops from `header` down to a simple
    innermost loop (loops.LoopPlan); (None, reason) for a nest deeper than
    MAX_DEPTH; (None, None) when `header` does not start a loop around a loop."""
    top = loop_header(header)
    if top is None:
        return None, None
    iv, bound, _, pre_pc, exit_pc = top
    levels = [Level(header, by_pc.get(pre_pc), iv, None, bound, None)]
    while True:
        level = levels[-1]
        pre = level.pre
        if pre is None or pre.terminator.op.mnemonic != "vm.br":
            return None, None
        target, pairs = pre.terminator.args
        inner_plan = plans.get(target)
        inner = inner_plan.header if inner_plan else by_pc.get(target)
        shape = loop_header(inner) if inner is not None else None
        if shape is None:
            return None, None
        iv_n, bound_n, _, body_pc, latch_pc = shape
        init = [s for s, d in pairs if d == iv_n]
        if len(init) != 1 or any(d not in (iv_n, iv_n + 1) for _, d in pairs):
            return None, None
        step = _latch(by_pc.get(latch_pc), level.iv, level.header.pc)
        if step is None or inner.terminator.args[4]:
            return None, None
        level.step = step
        if inner_plan is not None:
            return (levels, inner_plan, init[0], exit_pc), None
        if len(levels) == MAX_DEPTH:
            return None, "deeper than the optimizer looks"
        levels.append(Level(inner, by_pc.get(body_pc), iv_n, None, bound_n, init[0]))


def find_nest(header, blocks, plans: dict, live: dict, consts: dict):
    """(Nest, None) for the interchangeable nest whose outer header is
    `header`; (None, reason) for a nest that is not; (None, None) when
    `header` does not start a loop around a loop."""
    if not (switches.on("interchange") or switches.on("jam")):
        return None, None
    by_pc = {b.pc: b for b in blocks}
    walked, reason = walk_levels(header, by_pc, plans)
    if walked is None:
        return None, reason
    levels, inner_plan, k_init, exit_pc = walked
    if any(i.op.mnemonic not in NEST_ARITH for lv in levels for i in lv.pre.instrs[:-1]):
        return None, "code between the loops is not plain index arithmetic"
    if inner_plan.promoted is None:
        return None, "the inner loop updates no single element it could keep in a register"
    nest = _legal(levels, inner_plan, k_init, live, consts, exit_pc, by_pc)
    if nest == _NOT_ALONE and len(levels) > 1 and switches.on("interchange") and switches.on("block"):
        blocked = _legal(levels, inner_plan, k_init, live, consts, exit_pc, by_pc, moved=2)
        if not isinstance(blocked, str) and blocked.strided is None:
            blocked.blocked = True
            return blocked, None
    if isinstance(nest, str):
        return None, nest
    nest.j_start = _start(header, levels[0].iv, blocks, _latch_pc(levels, inner_plan), consts)
    return _choose(nest)


def _choose(nest: Nest):
    """Interchange when it pays off, else unroll and jam a two-loop nest."""
    if nest.strided is None and switches.on("interchange"):
        return nest, None
    reason = nest.strided or "interchange switched off"
    if not switches.on("jam"):
        return None, reason
    if len(nest.levels) > 1:
        return None, f"{reason}; not jammed: only two-loop nests are"
    nest.jam = True
    return nest, reason


def _latch_pc(levels, inner: LoopPlan) -> int:
    nxt = levels[1].header if len(levels) > 1 else inner.header
    return nxt.terminator.args[3]


def _legal(levels, inner: LoopPlan, k_init: int, live: dict, consts: dict, exit_pc, by_pc, moved=1):
    """The Nest if dependence analysis allows moving the `moved` outermost
    loops innermost (in their order), else the reason why not."""
    body = inner.body.instrs[:-1]
    code = [i for lv in levels for i in lv.pre.instrs[:-1]]
    code_and_headers = code + [lv.header.instrs[0] for lv in levels[1:]] + inner.header.instrs[:1]
    latches = [by_pc[lv_next.header.terminator.args[3]].instrs[0]
               for lv_next in levels[1:]] + [by_pc[inner.header.terminator.args[3]].instrs[0]]
    true_written = {w for i in code_and_headers + body + latches for w in reg_writes(i)}
    written = {s for i in code_and_headers + body + latches for s in slots_written(i)}
    invariant = [inner.bound, inner.step, k_init] + [lv.bound for lv in levels]
    invariant += [lv.step for lv in levels] + [lv.init for lv in levels[1:]]
    if set(invariant) & written:
        return "loop bounds or steps change inside the nest"
    if any(i.op.mnemonic in FAULTS for i in body):
        return "the loop body can fault"
    buf, index, _, load_pc, store_pc = inner.promoted
    if any(i.op.mnemonic.startswith(("vm.buffer.store.", "vm.buffer.fill."))
           and i.pc != store_pc for i in body):
        return "the inner loop stores to more than one element"
    ivs = [lv.iv for lv in levels] + [inner.iv]
    defined = {r for v in ivs for r in (v, v + 1)}
    for instr in code + body:
        if any(r in written and r not in defined for r in dataflow.reads(instr)):
            return "an iteration reads a register left by an earlier one"
        defined |= set(slots_written(instr))
    tracker = affine.Tracker(ivs, written, consts)
    for instr in code:
        tracker.step(instr, reg_writes(instr))
    index_form = tracker.form(index)
    forms = access_forms(tracker, body, inner.update_pc)
    if forms is None:
        return "an index is not an affine function of the loop counters"
    outer = {lv.iv for lv in levels[:moved]}
    if index_form is None or any(v not in outer for v, _ in index_form.terms) or any(
            index_form.coef(v) == 0 for v in outer):
        return _NOT_ALONE
    j = levels[0].iv
    exit_live = dataflow.edge_live(levels[0].header.terminator, exit_pc, live)
    full = switches.on("dead-registers") and not ((true_written - {j}) & exit_live)
    nest = Nest(levels, inner, k_init, forms, index_form, full, None, exit_pc)
    nest.strided = _strided(nest, body, levels[moved - 1].iv)
    return nest


def _strided(nest: Nest, body, j: int):
    """Why the new inner loop over `j` would not walk memory with unit stride,
    if known at compile time; else None."""
    _, _, _, load_pc, store_pc = nest.inner.promoted
    for pc, form in nest.forms.items():
        c = form.coef(j)
        if pc in (load_pc, store_pc) and isinstance(c, int) and c != 1:
            return f"the updated elements are {c} apart, not adjacent"
        if pc not in (load_pc, store_pc) and isinstance(c, int) and not 0 <= c <= max_load_stride():
            return f"the inner loop over %i{j} would read %r{_buffer_of(body, pc)} {c} elements apart"
    return None


def max_load_stride() -> int:
    """The largest stride in elements at which the moved inner loop may read a
    buffer other than the updated one: LLVM vectorizes such loads as wide
    loads and shuffles or gathers (`strided`; NCHW convolutions with strides
    2, 4 and 8 measured 5-17x faster interchanged than left alone)."""
    return MAX_LOAD_STRIDE if switches.on("strided") else 1


def _buffer_of(body, pc: int) -> int:
    return next(i.args[0] & isa.REF_MASK for i in body if i.pc == pc)


def access_forms(tracker, body: list, update_pc: int) -> dict | None:
    """Access pc -> the affine form of its index, for the buffer accesses of an innermost
    loop's `body` (its instructions but the branch, the counter's update at `update_pc`
    left out), `tracker` stepped through them; None when an index is not affine."""
    forms = {}
    for instr in body:
        if instr.pc == update_pc:
            continue
        if instr.op.mnemonic.startswith("vm.buffer.") and instr.op.mnemonic != "vm.buffer.length":
            form = tracker.form(instr.args[1])
            if form is None:
                return None
            forms[instr.pc] = form
        tracker.step(instr, reg_writes(instr))
    return forms
