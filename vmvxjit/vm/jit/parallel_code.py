"""The lines region code runs on the edges of the loops whose iterations may run in
chunks (parallel_loops.py), by the value of the region's MODE register:

* SERIAL (0): none of them matter, the loops run as they always did;
* with bit `enter(k)` set (parallel_run.py may run the region's k-th such loop in chunks):
  arriving at that loop from before it, the region leaves at the loop header (an exit to
  it), its registers handed back, so that parallel_run.py can run the chunks and then
  enter the region again where the loop exits;
* CHUNK (1: the region runs one chunk, entered at a loop's header): leaving the loop, the
  region leaves (an exit to the block after it) instead of going on.

Every way into the loop from before it first sets the chunk register (what the header
compares the counter with) to the loop's bound, so the loop runs whole unless a chunk
sets it.
"""

from __future__ import annotations

from vmvxjit.vm.jit.parallel_loops import CHUNK as CHUNK_REGISTER, MODE
from vmvxjit.vm.jit.spelling import var

SERIAL, CHUNK = 0, 1


def enter(k: int) -> int:
    """The MODE bit that makes the region leave at its k-th loop that may run in chunks."""
    return 2 << k


def registers(loops: list) -> set:
    """The registers the lines read or write beyond the loops' own."""
    return {CHUNK_REGISTER, MODE, *(loop.bound for loop in loops)} if loops else set()


def handed_back(loops: list) -> set:
    """The registers of these lines that region code hands back to its frame at every
    exit: the chunk register, which a lean region's full code reads as the lean code
    left it when it goes on from an exit inside such a loop (the frame's own value is
    another loop's bound, filled at entry: parallel_run.ParallelLoops.serial_slots)."""
    return {CHUNK_REGISTER} if loops else set()


def edge(gen, source: int, target: int) -> list:
    """The lines on the branch from block `source` to block `target` (before it is
    taken, its remaps done) of a region emitter `gen`: leaving one such loop first, then
    entering another (one loop's exit may be the next one's header)."""
    lines = []
    for loop in gen.region.parallel:
        if source == loop.header and target == loop.exit and target in gen.block_ids:
            lines.append(f"if {var(MODE, 'i64')} == {CHUNK}: ex = {gen.exit_index(target)}; break")
    for k, loop in enumerate(gen.region.parallel):
        if target == loop.header and source not in loop.blocks:
            lines += [f"{var(CHUNK_REGISTER, 'i64')} = {var(loop.bound, 'i64')}",
                      f"if ({var(MODE, 'i64')} & {enter(k)}) != 0: ex = {gen.exit_index(target)}; break"]
    return lines
