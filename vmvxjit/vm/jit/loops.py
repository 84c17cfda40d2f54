"""Loop analysis for the JIT: simple counted innermost loops.

A loop of the simple shape IREE emits for every loop level — a header block
`cond = cmp.lt.i64.s iv, bound; cond_br cond, body, exit` and one body block
that ends in `br header` and holds only region ops (regions.COMPILABLE: no
call, nothing that changes a buffer register) — is analysed for:

* its induction variable: `iv` is written in the loop only by
  `iv = add.i64 iv, step` (step and bound loop-invariant);
* affine buffer indices (affine.py): each index register of a load/store
  in the body is `c * iv + d` with `c`, `d` loop-invariant, so the whole
  range an access touches is known at loop entry;
* register promotion: a load and a store of the same buffer at the same
  loop-invariant index, with no other access to that buffer in the loop
  but loads with affine indices (`shared`: their ranges are checked at
  entry to be disjoint from the element).

codegen.py turns a `LoopPlan` into a versioned loop: run-time checks at loop
entry (step > 0, no wraparound, every affine access in bounds, the promoted
element's bytes disjoint from those the loop's other accesses touch, see
ranges.py) choose a tight loop with unchecked affine accesses, the promoted
element in a register and loop-invariant ops hoisted (licm.py), or the
literal translation. Float operations and their order are unchanged, so
both versions give bit-identical results. nests.py builds on these plans.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vmvxjit.vm import isa
from vmvxjit.vm.elements import ACCESSES
from vmvxjit.vm.jit import switches
from vmvxjit.vm.jit.affine import Tracker
from vmvxjit.vm.jit.regions import COMPILABLE

_ELEMENT_CODES = ("f32", "f64", "i32", "i64")


@dataclass
class LoopPlan:
    header: object
    body: object
    iv: int                       # i64 register of the induction variable
    step: int                     # i64 register holding the step
    bound: int                    # i64 register holding the bound
    update_pc: int                # the `iv = add.i64 iv, step` instruction
    affine: dict = field(default_factory=dict)      # access pc -> Affine of its index
    promoted: object = None       # (buffer ref ordinal, index register, code, load pc, store pc)
    others: tuple = ()            # buffers the loop touches but for the promoted element (for the alias check)


def reg_writes(instr) -> list:
    """Numeric registers an instruction writes through its register fields."""
    args = instr.args
    return [args[i] for i, _ in instr.op.written]


def slots_written(instr) -> list:
    """Slots an instruction's register writes may touch: a 64-bit register
    also its second slot (IREE's register file aliases it with the next
    32-bit register), a 32-bit one only its own."""
    args = instr.args
    return [s for i, wide in instr.op.written for s in ((args[i], args[i] + 1) if wide else (args[i],))]


def analyze(header, body, consts: dict) -> LoopPlan | None:
    """The plan for a simple innermost loop, or None if it has another shape."""
    if not (switches.on("bounds") or switches.on("promote") or switches.on("licm")):
        return None
    term = header.terminator
    if term.op.mnemonic != "vm.cond_br" or len(header.instrs) != 2:
        return None
    cond, body_pc, body_pairs, _, _ = term.args
    cmp = header.instrs[0]
    if (body.pc != body_pc or body_pairs or body.terminator.op.mnemonic != "vm.br"
            or body.terminator.args[0] != header.pc or body.terminator.args[1]
            or cmp.op.mnemonic != "vm.cmp.lt.i64.s" or cmp.args[2] != cond):
        return None
    iv, bound = cmp.args[0], cmp.args[1]
    instrs = body.instrs[:-1]
    # Region ops only: a call may touch any buffer, and in an entry function other
    # ops (ref moves, selects, discards) could change a buffer register whose
    # view the optimized loop takes once at entry.
    if any(i.op.mnemonic not in COMPILABLE for i in instrs):
        return None
    written = {w for i in instrs for w in reg_writes(i)} | {cond}
    updates = [i for i in instrs if iv in reg_writes(i)]
    if len(updates) != 1 or bound in written or bound + 1 in written:
        return None
    update = updates[0]
    if update.op.mnemonic != "vm.add.i64" or update.args[0] != iv or update.args[1] in written:
        return None
    plan = LoopPlan(header, body, iv, update.args[1], bound, update.pc)
    tracker = Tracker([iv], written, consts)
    for instr in instrs:
        if switches.on("bounds") and instr.op.mnemonic.startswith(
                ("vm.buffer.load.", "vm.buffer.store.")):
            form = tracker.form(instr.args[1])
            if form is not None:
                plan.affine[instr.pc] = form
        tracker.step(instr, reg_writes(instr))
    _find_promotion(plan, instrs, written)
    return plan


def _find_promotion(plan: LoopPlan, instrs, written: set) -> None:
    """A load and then a store of one buffer at one loop-invariant index: the
    element kept in a register. Other accesses to its buffer must be loads
    with affine indices (`shared`), whose ranges the entry checks then prove
    disjoint from the element; those loads count among `others`."""
    accesses = {}
    for instr in instrs:
        if instr.op.mnemonic.startswith("vm.buffer."):
            accesses.setdefault(instr.args[0] & isa.REF_MASK, []).append(instr)
    for buf, found in accesses.items():
        stores = [i for i in found if i.op.mnemonic.startswith("vm.buffer.store.")]
        if len(stores) != 1 or not all(i.op.mnemonic.startswith(("vm.buffer.load.", "vm.buffer.store."))
                                       for i in found):
            continue
        store = stores[0]
        index = store.args[1]
        loads = [i for i in found if i.pc < store.pc and i.args[1] == index]
        if len(loads) != 1:
            continue
        load = loads[0]
        rest = [i for i in found if i is not load and i is not store]
        if rest and not (switches.on("shared") and all(i.pc in plan.affine for i in rest)):
            continue
        code = ACCESSES[load.op.mnemonic]
        if (code not in _ELEMENT_CODES or ACCESSES[store.op.mnemonic] != code
                or index in written or index + 1 in written):
            continue
        plan.promoted = (buf, index, code, load.pc, store.pc)
        plan.others = tuple(sorted(b for b in accesses if b != buf or rest))
        return
    plan.others = tuple(sorted(accesses))


def innermost_loops(blocks, consts: dict) -> dict:
    """Header marker pc -> LoopPlan for every simple innermost loop in `blocks`."""
    by_pc = {b.pc: b for b in blocks}
    plans = {}
    for header in blocks:
        if header.terminator.op.mnemonic != "vm.cond_br":
            continue
        body = by_pc.get(header.terminator.args[1])
        if body is None or body is header:
            continue
        plan = analyze(header, body, consts)
        if plan is not None:
            plans[header.pc] = plan
    return plans
