"""What a region costs interpreted and compiled, estimated before it runs.

`auto` uses these to compile a region ahead (on a worker, as soon as its
function is prepared) when interpreting one entry of it would cost more
than compiling it: the typical case of a model, whose every layer is a
loop nest run once per call. Trip counts come from loop bounds
known before the loop runs (static modules have them): what the op that last
wrote the bound register before the loop in bytecode order computes from
constants, that write being the one reaching the loop in the structured code
IREE emits (an estimate only: nothing but this choice depends on it); a loop
whose bound is not known counts UNKNOWN_TRIPS times. Loops are spans of bytecode from a
header to the block that branches back to it.
"""

from __future__ import annotations

import bisect

from vmvxjit.vm.jit.dataflow import writes

UNKNOWN_TRIPS = 8
INTERPRETED_S_PER_OP = 80e-9        # the fused-Python tier, per VM op (conv/matmul loops)
COMPILE_S = 0.014                   # a region's quick compile (lowering and LLVM), plus
COMPILE_S_PER_CHAR = 1.5e-6         # per character of its code (fitted to Inception v1's and
                                    # SqueezeNet's 110 regions: 45 ms for 21k characters on average)
# A compile ahead of a region expected to interpret longer than this is at O1
# (llvm_backend.BALANCED), not quick, unless its nests run reordered: O1's vectorizer
# and hoisting pay for their compile in the literal loops the optimizer left alone
# (DenseNet's largest region: 1.85 s quick, 0.40 s at O1), not in reordered nests
# (Inception v1's 58 such regions: 0.3 s faster in all, 2.2 s longer to compile).
BALANCED_ABOVE_S = 10.0
# A region whose nests run reordered compiles ahead at O3 (llvm_backend.OPTIMIZED: register
# tiles, the vectorizer) when its quick code's one entry is expected to run longer than what
# the O3 compile adds. Quick code leaves the tiles out and runs such nests QUICK_SPEEDUP times
# faster than this estimate of the fused-Python tier (1,300-2,600x on VGG-19's, ResNet-50's,
# AlexNet's and SqueezeNet's 61 such regions), O3 code 15-23x faster again (VGG-19), and an
# O3 compile costs 3.2-4.7x a quick one: VGG-19's first call ran 10.8 s in quick code, its
# biggest convs 0.7-1.4 s each, against 60-90 ms at O3 after a 0.2-0.3 s compile.
QUICK_SPEEDUP = 2000
OPTIMIZED_EXTRA_COMPILES = 3
AHEAD_FRACTION = 0.5                # compile ahead above this share of the compile cost: a worker
                                    # compiles on an otherwise idle core, and estimates err low


class FunctionShape:
    """For a function: its loops with their trip counts, and what a slot held before a
    pc, where known."""

    def __init__(self, blocks: list):
        self.blocks = {b.pc: b for b in blocks}
        self.loops = [(target, block.pc) for block in blocks for target in block.successors
                      if target <= block.pc]
        self.writes: dict = {}        # slot -> ([pc, ...], [instr, ...]) in bytecode order
        for block in blocks:
            for instr in block.instrs:
                for slot in writes(instr):
                    pcs, instrs = self.writes.setdefault(slot, ([], []))
                    pcs.append(instr.pc)
                    instrs.append(instr)
        self.trips = {header: _trips(self.blocks[header], self) for header, _ in self.loops}

    def value(self, slot: int, pc: int, depth: int = 4):
        """The i64 `slot` held just before `pc`, from the op that last wrote it in
        bytecode order: a constant, or sums, products and minimums of such (a
        minimum with one unknown side is taken as its known side, an upper bound)."""
        pcs, instrs = self.writes.get(slot, ((), ()))
        k = bisect.bisect_left(pcs, pc)
        if not k or depth == 0:
            return None
        instr = instrs[k - 1]
        m, args = instr.op.mnemonic, instr.args
        if m == "vm.const.i64":
            return int(args[0])
        if m == "vm.const.i64.zero":
            return 0
        if m not in _ARITHMETIC:
            return None
        operands = [self.value(a, instr.pc, depth - 1) for a in args[:_ARITHMETIC[m]]]
        if m == "vm.min.i64.s":
            known = [v for v in operands if v is not None]
            return min(known) if known else None
        if None in operands:
            return None
        a, b, *c = operands
        return {"vm.add.i64": a + b, "vm.sub.i64": a - b, "vm.mul.i64": a * b,
                "vm.fma.i64": a * b + (c[0] if c else 0)}[m]


_ARITHMETIC = {"vm.add.i64": 2, "vm.sub.i64": 2, "vm.mul.i64": 2, "vm.fma.i64": 3, "vm.min.i64.s": 2}


def _trips(header, shape: FunctionShape) -> int:
    """The loop's trip count when the bound of its `cmp.lt.i64.s iv, bound` is known."""
    term = header.terminator
    if term.op.mnemonic != "vm.cond_br" or not header.instrs[:-1]:
        return UNKNOWN_TRIPS
    cmp = header.instrs[-2]
    if cmp.op.mnemonic != "vm.cmp.lt.i64.s" or cmp.args[2] != term.args[0]:
        return UNKNOWN_TRIPS
    known = shape.value(cmp.args[1], header.pc)
    return UNKNOWN_TRIPS if known is None else max(1, known)


def interpreted_seconds(region, shape: FunctionShape) -> float:
    """Estimated time to interpret `region` from its first block, for every entry
    its function's enclosing loops make (an outer loop of interpreted ops around it
    enters it once per iteration)."""
    pcs = {b.pc for b in region.blocks}
    low, high, first = min(pcs), max(pcs), region.blocks[0].pc
    loops = [(header, tail, shape.trips[header]) for header, tail in shape.loops
             if header <= high and tail >= low and (header in pcs or header < first)]
    ops = 0
    for block in region.blocks:
        count = len(block.instrs)
        for header, tail, trips in loops:
            if header <= block.pc <= tail:
                count *= trips
        ops += count
    return ops * INTERPRETED_S_PER_OP


def compile_seconds(source: str) -> float:
    return COMPILE_S + COMPILE_S_PER_CHAR * len(source)


def optimized_first(interpreted: float, source: str) -> bool:
    """Whether a region with reordered nests, `interpreted` seconds by this estimate, is
    worth its O3 compile ahead rather than a quick one (QUICK_SPEEDUP)."""
    return interpreted / QUICK_SPEEDUP > OPTIMIZED_EXTRA_COMPILES * compile_seconds(source)
