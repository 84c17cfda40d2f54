"""Reduction nests under a loop whose iterations each own one element.

The shape (IREE's inline-dynamic convolutions: the outer loop runs over a
linearized output index, delinearized with div/rem/select):

    for j:            header `cmp.lt.i64.s j, J; cond_br`, then P (any integer code)
      for c:          header, then pre-block (plain index arithmetic)  ... any depth
        for k:        a simple innermost loop (loops.LoopPlan) updating C[idx]
      (latches `m += step; br header` close each level)

where idx, computed by P, does not move with the inner loops: each j
iteration updates one element of C through the whole reduction nest below
it. reduction_code.py runs F consecutive j iterations side by side, each
with its element in its own register from the first reduction step to the
last, so F chains of dependent float operations overlap instead of one.
Each element still sees its own float operations in their order, so the
results are bit-identical, when:

* the only access to C in the nest is the inner loop's promoted pair, the
  only store; every other access is a load (checked at run time to touch
  bytes apart from C's buffer, ranges.py), so no load sees another value;
* the F elements are distinct (checked per block of F at run time: idx is
  no affine function of j);
* nothing in an iteration reads a register value left by an earlier one,
  the inner loops' bounds, steps and starts are invariant, and nothing can
  fault: the inner code holds no faulting op and P's divisions divide by
  registers invariant in the nest, checked at entry to be neither 0 nor -1;
* registers P writes (`varying`: different for each of the F iterations)
  reach the inner code only through index arithmetic feeding buffer
  indices: each access's index is an affine form over the inner loops'
  counters whose offset may name them (evaluated per iteration after its
  P), while the index arithmetic itself (`skipped`) is left out.

When registers the nest writes are live where it exits, the last j
iteration is left to the literal code, which then leaves them as the
original nest does (the registers the fast code leaves are stale).
"""

from __future__ import annotations

from dataclasses import dataclass

from vmvxjit.vm.jit import affine, dataflow, switches
from vmvxjit.vm.jit.loops import LoopPlan, reg_writes, slots_written
from vmvxjit.vm.jit.nests import NEST_ARITH, Level, access_forms, walk_levels
from vmvxjit.vm.jit.ops import FAULTS, TEMPLATES
from vmvxjit.vm.jit.regions import CONST_OPS

_INTEGER_BANKS = ("i32", "i64")


@dataclass
class Reduction:
    outer: Level          # the loop over j; its `pre` is P
    levels: list          # the reduction loops between P and the inner loop (maybe none)
    inner: LoopPlan       # the innermost loop, its promoted element C[idx]
    k_init: int           # register the innermost loop's iv starts from
    forms: dict           # access pc in the inner body -> Affine over the reduction loops' ivs
    skipped: set          # pcs of inner code left out of the fast version (index arithmetic on `varying`)
    divisors: list        # (register, bank) of P's divisors
    full: bool            # every j iteration may run in the fast version (written registers dead at exit)
    exit_pc: int


def find_reduction(header, blocks, plans: dict, live: dict, consts: dict):
    """(Reduction, None) for the nest whose outer header is `header`, or
    (None, reason) when it has the shape but not the properties, or (None,
    None)."""
    if not switches.on("reduction"):
        return None, None
    by_pc = {b.pc: b for b in blocks}
    walked, _ = walk_levels(header, by_pc, plans)
    if walked is None:
        return None, None
    levels, inner, k_init, exit_pc = walked
    outer, reduction_levels = levels[0], levels[1:]
    if inner.promoted is None:
        return None, None
    found = _legal(outer, reduction_levels, inner, k_init, consts, by_pc)
    if found is None or isinstance(found, str):
        return None, found
    forms, skipped, divisors, true_written = found
    exit_live = dataflow.edge_live(header.terminator, exit_pc, live)
    full = switches.on("dead-registers") and not ((true_written - {outer.iv}) & exit_live)
    return Reduction(outer, reduction_levels, inner, k_init, forms, skipped, divisors, full, exit_pc), None


def _legal(outer: Level, levels: list, inner: LoopPlan, k_init: int, consts: dict, by_pc: dict):
    """(forms, skipped, divisors, registers written) when running j iterations
    side by side keeps every result, else why not; None when the updated element
    moves with the reduction loops or not with j (another shape: nests.py's)."""
    prelude = outer.pre.instrs[:-1]
    if any(not _integer_code(i) for i in prelude):
        return "the code before the reduction loops is not integer arithmetic"
    code = [i for lv in levels for i in lv.pre.instrs[:-1]]
    if any(i.op.mnemonic not in NEST_ARITH for i in code):
        return "code between the reduction loops is not plain index arithmetic"
    body = inner.body.instrs[:-1]
    all_levels = [outer] + levels
    headers = [lv.header.instrs[0] for lv in levels] + inner.header.instrs[:1]
    latches = [by_pc[lv.header.terminator.args[3]].instrs[0] for lv in levels]
    latches.append(by_pc[inner.header.terminator.args[3]].instrs[0])
    everything = prelude + code + headers + body + latches
    true_written = {w for i in everything for w in reg_writes(i)}
    written = {s for i in everything for s in slots_written(i)}
    invariant = [inner.bound, inner.step, k_init] + [lv.bound for lv in all_levels]
    invariant += [lv.step for lv in all_levels] + [lv.init for lv in levels]
    if set(invariant) & written:
        return "loop bounds or steps change inside the nest"
    if any(i.op.mnemonic in FAULTS for i in code + body):
        return "the reduction loops can fault"
    divisors = [(i.args[1], i.op.fields[1].bank) for i in prelude if i.op.mnemonic in FAULTS]
    if any(r in written or r + 1 in written for r, _ in divisors):
        return "a division before the reduction loops divides by a register the nest writes"
    buf, index, _, load_pc, store_pc = inner.promoted
    if buf in inner.others or any(i.op.mnemonic.startswith(("vm.buffer.store.", "vm.buffer.fill."))
                                  and i.pc != store_pc for i in body):
        return "the inner loop touches its updated buffer elsewhere, or stores elsewhere"
    ivs = [lv.iv for lv in all_levels] + [inner.iv]
    defined = {r for v in ivs for r in (v, v + 1)}
    for instr in prelude + code + body:
        if any(r in written and r not in defined for r in dataflow.reads(instr)):
            return "an iteration reads a register left by an earlier one"
        defined |= set(slots_written(instr))
    varying = {s for i in prelude for s in slots_written(i)} | {outer.iv, outer.iv + 1}
    inner_written = written - varying
    tracker = affine.Tracker([lv.iv for lv in levels] + [inner.iv], inner_written, consts)
    for instr in code:
        tracker.step(instr, reg_writes(instr))
    forms = access_forms(tracker, body, inner.update_pc)
    if forms is None:
        return "an index is not an affine function of the reduction loops' counters"
    if any(affine.registers_in(c) & varying for form in forms.values() for _, c in form.terms):
        return "an index's coefficient changes with the outer loop"
    if forms[load_pc].terms or not affine.registers_in(forms[load_pc].offset) & varying:
        return None
    skipped = _index_only(code + body, varying, inner.update_pc)
    if isinstance(skipped, str):
        return skipped
    return forms, skipped, divisors, true_written


def _integer_code(instr) -> bool:
    """A pure op or constant writing integer registers only: code P may hold."""
    m = instr.op.mnemonic
    if m in CONST_OPS:
        return instr.op.result_bank in _INTEGER_BANKS
    return m in TEMPLATES and all(f.bank in _INTEGER_BANKS for f in instr.op.fields if f.kind.startswith("W."))


def _index_only(instrs, varying: set, update_pc: int):
    """The pcs of the instructions that compute from `varying` registers, when
    their results reach nothing but other such instructions and buffer
    indices; else why not. A register written from no varying one is clean."""
    tainted, skipped = set(varying), set()
    for instr in instrs:
        m = instr.op.mnemonic
        if instr.pc == update_pc:
            continue
        if m.startswith("vm.buffer."):
            rest = [instr.args[2]] if m.startswith("vm.buffer.store.") else []
            if m == "vm.buffer.length" or set(rest) & tainted:
                return "a value the outer loop's code computes reaches a float operation or a store"
            tainted -= set(slots_written(instr))
            continue
        if set(dataflow.reads(instr)) & tainted:
            if m not in NEST_ARITH:
                return "a value the outer loop's code computes reaches a float operation or a store"
            skipped.add(instr.pc)
            tainted |= set(slots_written(instr))
        else:
            tainted -= set(slots_written(instr))
    return skipped
