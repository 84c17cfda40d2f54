"""What a region costs interpreted and compiled, estimated before it runs.

`auto` uses these to compile a region ahead (on a worker, as soon as its
function is prepared) when interpreting one entry of it would cost more
than compiling it: the typical case of a model, whose every layer is a
loop nest run once per call. Trip counts come from constant loop
bounds (static modules have them): the value of the `vm.const.i64` that last
wrote the bound register before the loop in bytecode order, which is the
one reaching the loop in the structured code IREE emits (an estimate only:
nothing but this choice depends on it); a loop whose bound is not such a
constant counts UNKNOWN_TRIPS times. Loops are spans of bytecode from a
header to the block that branches back to it.
"""

from __future__ import annotations

import bisect

from vmvxjit.vm.jit.dataflow import writes

UNKNOWN_TRIPS = 8
INTERPRETED_S_PER_OP = 80e-9        # the fused-Python tier, per VM op (conv/matmul loops)
COMPILE_S = 0.03                    # LLVM per region, plus
COMPILE_S_PER_CHAR = 25e-6          # per character of region code (SqueezeNet: ~0.7 ms per line)


class ConstantsBefore:
    """For a function: the constant a slot was last given before a pc, in bytecode order."""

    def __init__(self, blocks: list):
        self.writes: dict = {}        # slot -> ([pc, ...], [constant or None, ...])
        for block in blocks:
            for instr in block.instrs:
                m = instr.op.mnemonic
                value = None
                if m == "vm.const.i64":
                    value = int(instr.args[0])
                elif m == "vm.const.i64.zero":
                    value = 0
                for slot in writes(instr):
                    pcs, values = self.writes.setdefault(slot, ([], []))
                    pcs.append(instr.pc)
                    values.append(value)

    def at(self, slot: int, pc: int):
        pcs, values = self.writes.get(slot, ((), ()))
        k = bisect.bisect_left(pcs, pc)
        return values[k - 1] if k else None


def _trips(header, constants: ConstantsBefore) -> int:
    """The loop's trip count when its `cmp.lt.i64.s iv, bound` has a constant bound."""
    term = header.terminator
    if term.op.mnemonic != "vm.cond_br" or not header.instrs[:-1]:
        return UNKNOWN_TRIPS
    cmp = header.instrs[-2]
    if cmp.op.mnemonic != "vm.cmp.lt.i64.s" or cmp.args[2] != term.args[0]:
        return UNKNOWN_TRIPS
    known = constants.at(cmp.args[1], header.pc)
    return UNKNOWN_TRIPS if known is None else max(1, known)


def interpreted_seconds(region, constants: ConstantsBefore) -> float:
    """Estimated time to interpret one entry of `region` from its first block."""
    pcs = {b.pc: b for b in region.blocks}
    loops = [(target, block.pc) for block in region.blocks for target in block.successors
             if target in pcs and target <= block.pc]
    trips = {header: _trips(pcs[header], constants) for header, _ in loops}
    ops = 0
    for block in region.blocks:
        count = len(block.instrs)
        for header, tail in loops:
            if header <= block.pc <= tail:
                count *= trips[header]
        ops += count
    return ops * INTERPRETED_S_PER_OP


def compile_seconds(source: str) -> float:
    return COMPILE_S + COMPILE_S_PER_CHAR * len(source)
