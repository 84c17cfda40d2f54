"""Which back-edges of a region's loops need no deadline check: those of counted loops.

A loop is counted when its header is `cond = cmp.lt.i64.s iv, bound; cond_br cond,
body, exit` and its one back-edge is a latch ending `iv = add.i64 iv, step; br
header`, where `step` holds a positive constant wherever the region runs and
nothing else in the loop (no other op, no remap of an edge inside it) writes `iv`,
`bound` or `step`: it ends after at
most (bound - start) / step iterations (IREE emits every loop level this way). Every
other backward branch of compiled code gets the deadline's fuel check
(codegen.RegionEmitter.goto, vm/deadline.py). A counted loop with an enormous
bound runs to it: the check is for loops that never end.
"""

from __future__ import annotations

from vmvxjit.vm.jit.branches import edges
from vmvxjit.vm.jit.loops import slots_written
from vmvxjit.vm.jit.parallel_loops import natural_loop, predecessors


def counted_back_edges(blocks: list, consts: dict) -> set:
    """(latch pc, header pc) of each back-edge among `blocks` (regions.Block, in bytecode
    order) that closes a counted loop; `consts` maps slots to (bank, value) constants."""
    by_pc = {b.pc: b for b in blocks}
    preds = predecessors(blocks)
    latches: dict = {}
    for block in blocks:
        for target in block.successors:
            if target <= block.pc and target in by_pc:
                latches.setdefault(target, set()).add(block.pc)
    found = set()
    for header_pc, tails in latches.items():
        if len(tails) == 1:
            latch_pc = next(iter(tails))
            pcs = natural_loop(header_pc, latch_pc, preds)
            if _counted(by_pc[header_pc], by_pc[latch_pc], [by_pc[pc] for pc in pcs if pc in by_pc],
                        consts):
                found.add((latch_pc, header_pc))
    return found


def _counted(header, latch, loop: list, consts: dict) -> bool:
    term = header.terminator
    if term.op.mnemonic != "vm.cond_br" or len(header.instrs) != 2:
        return False
    cmp = header.instrs[0]
    cond, body_pc, body_pairs, exit_pc, _ = term.args
    pcs = {b.pc for b in loop}
    if (cmp.op.mnemonic != "vm.cmp.lt.i64.s" or cmp.args[2] != cond or body_pairs
            or body_pc not in pcs or exit_pc in pcs):
        return False
    iv, bound = cmp.args[0], cmp.args[1]
    if len(latch.instrs) < 2:
        return False
    update, back = latch.instrs[-2], latch.instrs[-1]
    if (update.op.mnemonic != "vm.add.i64" or update.args[0] != iv or update.args[2] != iv
            or back.op.mnemonic != "vm.br" or back.args[0] != header.pc):
        return False
    step = update.args[1]
    known = consts.get(step)
    if known is None or known[0] != "i64" or int(known[1]) <= 0:
        return False
    kept = {iv, iv + 1, bound, bound + 1, step, step + 1}
    for block in loop:
        if any(s in kept and instr is not update
               for instr in block.instrs[:-1] for s in slots_written(instr)):
            return False
        for target, pairs in edges(block.terminator):   # an exit edge may reset them (IREE does)
            if target in pcs and any(d in kept for _, d in pairs):
                return False
    return True

