"""Finds the parts of a function the JIT compiles: loop regions of numeric code.

A block is compilable when every op in it is pure numeric work, a constant,
a switch, a `vm.buffer` access, an internal call of a function that compiles
on its own (callees.py), a `vm.buffer.alloc` or `vm.discard.refs`
(allocations.py), or a branch whose remaps move only numeric registers. A
region is a connected set of compilable blocks that contains a loop; it is
entered (from the interpreter) at blocks reached from outside it or at loop
headers, and left by a branch to a block outside it. Buffer refs used inside a region are never written inside
it but by its allocations, whose buffers are made at entry, so each region sees
a fixed set of buffers for a whole entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vmvxjit.vm import isa
from vmvxjit.vm.decoder import BLOCK_OP, Instr
from vmvxjit.vm.elements import FILLS, LOADS, STORES
from vmvxjit.vm.jit.allocations import ALLOC, DISCARD, Allocations, Placed, sites as allocation_sites
from vmvxjit.vm.jit import switches
from vmvxjit.vm.jit.branches import BRANCH_OPS, remaps, targets
from vmvxjit.vm.jit.dataflow import constants, entry_constants, live_in, region_constants
from vmvxjit.vm.semantics import PURE_OPS

BUFFER_OPS = frozenset([*LOADS, *STORES, *FILLS, "vm.buffer.length"])
CONST_OPS = isa.numeric_ops("vm.const.")
SWITCH_OPS = isa.numeric_ops("vm.switch.")
COMPILABLE = frozenset(PURE_OPS) | BUFFER_OPS | CONST_OPS | SWITCH_OPS | BRANCH_OPS
MAX_REGION_BLOCKS = 64


@dataclass
class Block:
    pc: int                      # pc of the block marker
    instrs: list                 # without the marker
    successors: list             # marker pcs of branch targets

    @property
    def terminator(self) -> Instr:
        return self.instrs[-1]


@dataclass
class Region:
    """Blocks compiled together, with their entries and the buffers they touch."""

    blocks: list                              # Block, in bytecode order
    entries: list                             # marker pcs the interpreter may enter at
    buffer_registers: list = field(default_factory=list)  # ref ordinals, in first-use order
    live: dict = field(default_factory=dict)    # marker pc -> slots live there (whole function)
    consts: dict = field(default_factory=dict)  # slot -> (bank, value) constant wherever the region runs
    callees: dict = field(default_factory=dict)  # ordinal -> callees.Callee its calls reach
    parallel: list = field(default_factory=list)  # parallel_loops.ParallelLoop of loops that may run in chunks
    serial_loops: dict = field(default_factory=dict)  # header pc -> why its loop's iterations may not
    placed: Placed = field(default_factory=Placed)  # its allocations and discards (allocations.py)

    def know(self, function_blocks: list, facts: tuple | None = None) -> "Region":
        """Adds the function-wide facts (liveness, constants) the optimizer uses;
        `facts` is function_facts(function_blocks), when already computed."""
        self.live, self.consts, at_entry = facts or function_facts(function_blocks)
        if switches.on("entry-constants"):
            self.consts = {**region_constants(self.blocks, self.entries, at_entry), **self.consts}
        return self

    @property
    def pcs(self) -> set:
        return {b.pc for b in self.blocks}


def function_facts(blocks: list) -> tuple:
    """(live_in, constants, entry_constants) of a whole function, shared by all its regions."""
    consts = constants(blocks) if switches.on("constants") else {}
    at_entry = entry_constants(blocks, consts) if consts and switches.on("entry-constants") else {}
    return live_in(blocks), consts, at_entry


def split_blocks(instrs: list[Instr]) -> list[Block]:
    blocks = []
    for instr in instrs:
        if instr.op is BLOCK_OP:
            blocks.append(Block(instr.pc, [], []))
        else:
            blocks[-1].instrs.append(instr)
    for block in blocks:
        term = block.terminator
        block.successors = targets(term)
    return blocks


def is_compilable(block: Block, callees: dict, allocates: bool = False) -> bool:
    """Whether `block` is region code; `callees` maps the ordinals of internal
    functions that compile (callees.analyze) to their Callee; `allocates`: it may
    hold allocations and discards."""
    for instr in block.instrs:
        m = instr.op.mnemonic
        if m not in COMPILABLE and not (m == "vm.call" and instr.args[0] in callees) and not (
                allocates and m in (ALLOC, DISCARD)):
            return False
    for pairs in remaps(block.terminator):
        if any(s & isa.REF_BIT or d & isa.REF_BIT for s, d in pairs):
            return False
    return block.terminator.op.mnemonic in BRANCH_OPS


def find_regions(instrs: list[Instr], callees: dict) -> list[Region]:
    """Connected components of compilable blocks that contain a loop, those of
    more than MAX_REGION_BLOCKS blocks cut between their top-level loop nests.
    A block whose allocation or discard may not stay in its region
    (allocations.py) is left out, and the regions found again without it."""
    blocks = split_blocks(instrs)
    allocates = switches.on("allocations") and bool(allocation_sites(blocks))
    good = {b.pc for b in blocks if is_compilable(b, callees, allocates)}
    allocations = Allocations(blocks) if allocates else None
    while True:
        found, left_out = [], set()
        for members, entries in _groups(blocks, good):
            placed = Placed()
            if allocations is not None:
                members, placed, bad = allocations.place(members, entries)
                left_out |= bad
            found.append((members, entries, placed))
        if not left_out:
            break
        good -= left_out
    facts = function_facts(blocks) if found else None
    parallel = None
    if switches.on("parallel"):   # loops whose iterations may run in chunks
        from vmvxjit.vm.jit import parallel_loops as parallel

    regions = []
    for members, entries, placed in found:
        region = Region(members, entries, placed=placed).know(blocks, facts)
        if parallel is not None:
            live, consts, _ = facts
            region.blocks, region.parallel, region.serial_loops = parallel.find(members, live, consts,
                                                                                placed.private)
        region.buffer_registers = buffer_registers(members)
        region.callees = _reached(members, callees)
        regions.append(region)
    return regions


def _groups(blocks: list, good: set) -> list:
    """(blocks, entry pcs) of each region the blocks whose pcs are `good` make."""
    by_pc = {b.pc: b for b in blocks}
    neighbours = {pc: set() for pc in good}
    for block in blocks:
        for target in block.successors:
            if block.pc in good and target in good:
                neighbours[block.pc].add(target)
                neighbours[target].add(block.pc)
    seen: set = set()
    groups = []
    for start in sorted(good):
        if start in seen:
            continue
        component, stack = set(), [start]
        while stack:
            pc = stack.pop()
            if pc in component:
                continue
            component.add(pc)
            stack.extend(neighbours[pc] - component)
        seen |= component
        for members in _chunks([by_pc[pc] for pc in sorted(component)]):
            pcs = {b.pc for b in members}
            if not any(t in pcs and t <= b.pc for b in members for t in b.successors):
                continue
            entries = set()
            for block in blocks:
                for target in block.successors:
                    if target in pcs and (block.pc not in pcs or target <= block.pc):
                        entries.add(target)
            if blocks[0].pc in pcs:
                entries.add(blocks[0].pc)
            groups.append((members, sorted(entries)))
    return groups


def _chunks(members: list) -> list:
    """`members` (blocks in bytecode order) as runs of at most MAX_REGION_BLOCKS
    blocks, cut only where no loop spans the cut; a single loop nest larger than
    that stays whole. Branches between runs leave one region and enter the next
    through the interpreter, one step each."""
    if len(members) <= MAX_REGION_BLOCKS:
        return [members]
    inside = {b.pc for b in members}
    spans = sorted((t, b.pc) for b in members for t in b.successors if t in inside and t <= b.pc)
    pieces: list = []
    reach, k = -1, 0       # the furthest latch of the loops whose headers come before the cut
    for block in members:
        while pieces and k < len(spans) and spans[k][0] <= pieces[-1][-1].pc:
            reach = max(reach, spans[k][1])
            k += 1
        if pieces and reach >= block.pc:
            pieces[-1].append(block)
        else:
            pieces.append([block])
    chunks: list = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + len(piece) <= MAX_REGION_BLOCKS:
            chunks[-1] += piece
        else:
            chunks.append(list(piece))
    return chunks


def buffer_registers(blocks: list) -> list:
    """Ref ordinals the blocks access, allocate or pass to calls, in first-use order."""
    found = []
    for block in blocks:
        for instr in block.instrs:
            if instr.op.mnemonic in BUFFER_OPS:
                raws = [instr.args[0]]
            elif instr.op.mnemonic == ALLOC:
                raws = [instr.args[2]]
            elif instr.op.mnemonic == "vm.call":
                raws = [r for r in instr.args[1] if r & isa.REF_BIT]
            else:
                continue
            for ordinal in (raw & isa.REF_MASK for raw in raws):
                if ordinal not in found:
                    found.append(ordinal)
    return found


def _reached(blocks: list, callees: dict) -> dict:
    """The callees the blocks' calls reach, directly or through other callees."""
    reached: dict = {}
    stack = [i.args[0] for b in blocks for i in b.instrs if i.op.mnemonic == "vm.call"]
    while stack:
        ordinal = stack.pop()
        if ordinal not in reached:
            reached[ordinal] = callees[ordinal]
            stack.extend(callees[ordinal].calls)
    return reached
