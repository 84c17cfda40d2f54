"""`vm.buffer.alloc` inside loop regions: each site's buffer is made when the region is entered.

IREE's inline-static code allocates a tile's scratch buffer at the top of each
iteration of a workgroup loop. While the block holding the alloc stayed with the
interpreter, every iteration left the region and entered it again (ResNet-50:
~3,000 region entries per call, ~10 us each). In a region, an entry made where
no allocated register is live (the usual one: the region's first block) runs the
allocations on buffers made for it (tiering.CompiledRegion.run), one per site,
from its length and alignment registers, which the region never writes; the code
zeroes a site's buffer each time the op runs. Nothing can still hold the site's
previous allocation then: region code copies no refs, and every read of the
register inside the region is reached from one site only, on every path from
such an entry. IREE reuses one register for the scratch of successive layers, so
each read names its site's buffer by an ordinal of its own (`Allocation.buffer`).
Where the code leaves, the register gets a site's buffer when that site made the
value on every path there, keeps the interpreter's value when no site did, and
otherwise must be one no path from there reads before setting it
(dataflow.ref_live_in), or the register's sites stay with the interpreter. An
entry where an allocated register is live (on-stack replacement inside a
workgroup loop) takes the interpreter's buffer and leaves at the first block that
allocates, as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from vmvxjit.vm import isa
from vmvxjit.vm.decoder import Instr
from vmvxjit.vm.jit.dataflow import may_write, ref_live_in, ref_reads

ALLOC = "vm.buffer.alloc"
DISCARD = "vm.discard.refs"
SCRATCH = 2     # a buffer's `mut` word when the region made it for an allocation (any nonzero: writable)
# Reaching values of a register, besides the pcs of the allocations that set it: the
# interpreter's value at an entry, none (dead at that entry), cleared by a discard.
_ENTERED, _UNSET, _CLEARED = -1, -2, -3


@dataclass(frozen=True)
class Allocation:
    pc: int
    ref: int            # the register it sets
    buffer: int         # the ordinal region code names its buffer by (no bytecode names it)
    length: int         # its i64 length register
    alignment: int      # its i32 alignment register


@dataclass
class Placed:
    """The allocations and discards that stay in one region, and what the region does with them
    (none: a region of a function that allocates nothing)."""
    allocations: list = field(default_factory=list)   # Allocation
    given: dict = field(default_factory=dict)  # exit target pc -> (ref, Allocation or None: cleared) set there
    held: dict = field(default_factory=dict)   # entry pc -> buffers of allocations whose register is live there
    live: dict | None = None    # entry pc -> the refs live there (others may hold no buffer: discarded)
    swaps: frozenset = frozenset()   # headers of the loops that allocate: they leave for optimized code
    private: dict = field(default_factory=dict)   # header pc -> buffers each iteration of its loop allocates


def sites(blocks) -> list:
    """The `vm.buffer.alloc` instructions of `blocks`."""
    return [i for b in blocks for i in b.instrs if i.op.mnemonic == ALLOC]


def _discarded(blocks) -> set:
    """The refs `blocks` discard, and the pcs of those discards."""
    return {(r & isa.REF_MASK, i.pc) for b in blocks for i in b.instrs if i.op.mnemonic == DISCARD
            for r in i.args[0] if r & isa.REF_BIT}


class Allocations:
    """The allocations and discards of one function, placed in its regions (`place`)."""

    def __init__(self, blocks: list):
        self.ref_live = ref_live_in(blocks)
        found = sites(blocks)
        used = [raw & isa.REF_MASK for b in blocks for i in b.instrs for f, raw in zip(i.op.fields, i.args)
                if f.is_register and f.bank == "ref"]
        base = max(used, default=0) + 1
        self.sites = {i.pc: Allocation(i.pc, i.args[2] & isa.REF_MASK, base + k, i.args[0], i.args[1])
                      for k, i in enumerate(found)}
        self.usable = base + len(found) <= isa.REF_MASK
        self.reads = {i.pc: reads for b in blocks for i in b.instrs if (reads := ref_reads(i))}
        self.written = {b.pc: _written([b]) for b in blocks}

    def place(self, members: list, entries: list) -> tuple[list, Placed, set]:
        """(the blocks `members` with reads of allocated registers renamed to their buffers,
        what stays in their region entered at `entries`, pcs of the blocks whose allocations
        or discards may not stay there)."""
        here = [self.sites[i.pc] for i in sites(members)]
        discards = _discarded(members)
        live = {pc: self.ref_live.get(pc, set()) for pc in entries}
        if not here and not discards:
            return members, Placed(live=live), set()
        block_of = {i.pc: b.pc for b in members for i in b.instrs}
        changes = {s.ref: [s.pc] for s in here}
        for ref, pc in discards:
            changes.setdefault(ref, []).append(pc)
        written = set().union(*(self.written[b.pc] for b in members))
        bad = {s.ref for s in here if not self.usable or {s.length, s.length + 1, s.alignment} & written}
        renamed, given = {}, {}
        pcs = {b.pc for b in members}
        loops = [(t, b.pc) for b in members for t in b.successors if t <= b.pc and t in pcs]
        swaps = {h for h, latch in loops if any(h <= block_of[s.pc] <= latch for s in here)}
        # Where code may leave besides exits: back-edges to those headers, and the blocks
        # that allocate (entries that take the interpreter's buffers leave there).
        inner = {(b.pc, t) for b in members for t in b.successors if t in swaps and t <= b.pc}
        inner |= {(None, block_of[s.pc]) for s in here}
        for ref in set(changes) - bad:
            found = self._reaching(members, entries, ref, {s.pc: s for s in here if s.ref == ref}, inner)
            if found is None:
                bad.add(ref)
            else:
                renamed.update(found[0])
                for target, site in found[1].items():
                    given.setdefault(target, []).append((ref, site))
        if bad:
            return members, Placed(live=live), {block_of[pc] for ref in bad for pc in changes[ref]}
        held = {pc: found for pc in entries
                if (found := {s.buffer for s in here if s.ref in self.ref_live.get(pc, ())})}
        private = _private(loops, here, renamed, given, self.ref_live, block_of)
        renamed.update((s.pc, s) for s in here)
        return ([_renamed(b, renamed) for b in members],
                Placed(here, given, held, live, frozenset(swaps), private), set())

    def _reaching(self, blocks: list, entries: list, ref: int, here: dict, inner: set) -> tuple[dict, dict] | None:
        """({read's pc: the site whose buffer it reads}, {exit target pc: the site whose
        buffer `ref` gets there, or None where it is cleared}) for register `ref` that
        the region allocates (sites `here`, by pc) or discards, or None when a read may
        see another value or an exit leaves it undecided. The code may also leave on the
        edges `inner` (source pc, or None: at the target's start; target pc)."""
        pcs = {b.pc for b in blocks}
        starts = {pc: frozenset([_ENTERED if ref in self.ref_live.get(pc, ()) else _UNSET]) for pc in entries}
        ends, reads = {}, {}
        changed = True
        while changed:
            changed = False
            for block in blocks:
                values = starts.get(block.pc)
                if values is None:
                    continue
                for instr in block.instrs:
                    if ref in self.reads.get(instr.pc, ()):
                        reads[instr.pc] = values
                    if instr.pc in here:
                        values = frozenset([instr.pc])
                    elif instr.op.mnemonic == DISCARD and any(r & isa.REF_MASK == ref for r in instr.args[0]):
                        values = frozenset([_CLEARED])
                if ends.get(block.pc) == values:
                    continue
                ends[block.pc] = values
                changed = True
                for target in block.successors:
                    if target in pcs:
                        starts[target] = starts.get(target, frozenset()) | values
        renamed = {}
        for pc, values in reads.items():
            made = values - {_ENTERED}
            if _UNSET in made or _CLEARED in made or len(made) > 1:
                return None
            if made:        # else only entries that take the interpreter's buffers reach it
                renamed[pc] = here[next(iter(made))]
        edges = {(b.pc, t) for b in blocks for t in b.successors if t not in pcs} | inner
        at_exit: dict = {}
        for source, target in edges:
            # At an allocating block only entries that made no buffers leave: no site ran.
            values = starts.get(target, frozenset()) - set(here) if source is None else ends.get(source)
            if values:
                at_exit[target] = at_exit.get(target, frozenset()) | values
        given = {}
        for target, values in at_exit.items():
            # The interpreter's value comes only from entries that made no buffers, where no
            # site runs, and which give none back (tiering.CompiledRegion.run).
            made = values - {_ENTERED}
            if len(made) == 1 and next(iter(made)) in here:
                given[target] = here[next(iter(made))]
            elif values == {_CLEARED}:
                given[target] = None
            elif values - {_ENTERED, _UNSET}:
                if ref in self.ref_live.get(target, ()):
                    return None
                given[target] = None        # never read there: released, as the VM would have
        return renamed, given


def _private(loops: list, here: list, renamed: dict, given: dict, ref_live: dict, block_of: dict) -> dict:
    """Header pc -> the buffers of a loop (of `loops`, (header, latch) pairs) that allocates,
    where each iteration has its own: every allocation in it is of a register dead at its
    header, read only inside it, and never handed out of the region."""
    handed = {site.pc for sites in given.values() for _, site in sites if site is not None}
    found = {}
    for header, latch in loops:
        inside = [s for s in here if header <= block_of[s.pc] <= latch]
        if inside and all(s.ref not in ref_live.get(header, ()) and s.pc not in handed
                          and all(header <= block_of[pc] <= latch for pc, site in renamed.items() if site is s)
                          for s in inside):
            found[header] = frozenset(s.buffer for s in inside)
    return found


def _written(blocks) -> set:
    """The slots `blocks` may write: a 64-bit register both of its slots
    (loops.slots_written), a remap the slots it names, a call's results both slots
    (the call does not say their banks)."""
    from vmvxjit.vm.jit.loops import slots_written    # loops.py imports regions.py, which imports this

    found = set()
    for block in blocks:
        for instr in block.instrs:
            found.update(may_write(instr))
            found.update(slots_written(instr))
            for f, value in zip(instr.op.fields, instr.args):
                if f.kind == "rlist<any>":
                    found.update(r + 1 for r in value if not r & isa.REF_BIT)
    return found


def _renamed(block, renamed: dict):
    """`block` with the allocated register each instruction reads or sets named by its
    site's buffer (`renamed`: pc -> Allocation, of reads and of the allocs)."""
    if not any(i.pc in renamed for i in block.instrs):
        return block
    instrs = []
    for instr in block.instrs:
        site = renamed.get(instr.pc)
        if site is not None:
            instr = Instr(instr.pc, instr.next_pc, instr.op, _rename(instr, site.ref, site.buffer))
        instrs.append(instr)
    return replace(block, instrs=instrs, successors=list(block.successors))


def _rename(instr, ref: int, buffer: int) -> tuple:
    """`instr`'s operands with ref register `ref` read as `buffer` (its flag bits kept)."""
    args = []
    for f, value in zip(instr.op.fields, instr.args):
        if f.is_register and f.bank == "ref" and value & isa.REF_MASK == ref:
            value = value & ~isa.REF_MASK | buffer
        elif f.kind.startswith("list<"):
            value = type(value)(r & ~isa.REF_MASK | buffer if r & isa.REF_BIT and r & isa.REF_MASK == ref else r
                                for r in value)
        args.append(value)
    return tuple(args)
