"""Loop-invariant code motion for the optimized innermost loop (loop_versioning.py).

An op of the loop body computes the same value in every iteration when

* it is a constant, or a pure op that cannot fault (ops.TEMPLATES but not
  ops.FAULTS) each of whose operands the loop does not write, or last wrote
  (earlier in the body, so in every iteration) by such an op; or
* it is a load whose index register the loop does not write, from a buffer
  register the loop does not store to (loops.analyze plans only loops of
  region ops, which never change a buffer register). The caller
  checks at loop entry that the element is in bounds and its bytes disjoint
  from every range the loop writes (ranges.py).

Such an op is computed once before the loop, into a temporary, and the op
becomes an assignment of the temporary to its register: the register gets
the same value at the same point as before, so a loop that runs no
iteration, registers reused for other values later in the body and
registers live after the loop all behave as before. LLVM cannot hoist such
loads itself: the loop's stores might alias them as far as it knows.
"""

from __future__ import annotations

from vmvxjit.vm import isa
from vmvxjit.vm.jit.loops import LoopPlan, reg_writes
from vmvxjit.vm.jit.ops import FAULTS, TEMPLATES
from vmvxjit.vm.jit.regions import CONST_OPS

STORES = ("vm.buffer.store.", "vm.buffer.fill.")


def hoistable(plan: LoopPlan, kept: tuple) -> list:
    """(op, operands) for each op of `plan`'s body that can be hoisted, in
    body order; `operands` maps each operand slot last written by a hoisted
    op to that op's position in the list. `kept` are the pcs of the promoted
    load/store pair (never hoisted)."""
    body = plan.body.instrs[:-1]
    written = {w for i in body for w in reg_writes(i)} | {plan.header.terminator.args[0]}
    stored = {i.args[0] & isa.REF_MASK for i in body if i.op.mnemonic.startswith(STORES)}
    hoisted, last = [], {}      # last: slot -> (bank, position in hoisted or None) of its last write
    for instr in body:
        m = instr.op.mnemonic
        operands = {}
        if m in CONST_OPS or (m in TEMPLATES and m not in FAULTS):
            invariant = True
            for f, r in zip(instr.op.fields, instr.args):
                if f.kind.startswith("R.") and r in written:
                    bank, at = last.get(r, (None, None))
                    invariant &= bank == f.bank and at is not None
                    operands[r] = at
        else:
            invariant = (m.startswith("vm.buffer.load.") and instr.pc not in kept
                         and instr.args[1] not in written and instr.args[0] & isa.REF_MASK not in stored)
        writes = [(f.bank, v) for f, v in zip(instr.op.fields, instr.args)
                  if f.kind.startswith("W.") and f.bank != "ref"]
        if invariant and len(writes) == 1:
            hoisted.append((instr, operands))
        for bank, w in writes:
            last[w] = (bank, len(hoisted) - 1 if invariant and len(writes) == 1 else None)
    if all(i.op.mnemonic in CONST_OPS for i, _ in hoisted):
        return []   # constants alone: nothing worth a versioned loop (LLVM hoists them anyway)
    return hoisted
