"""Function-wide register facts the loop optimizer relies on: liveness and constants.

Registers are numeric slots as the interpreter stores them (an i64 register
is the value in its first slot). Both analyses run over every block of the
function, so a region knows what the code outside it reads.

* `live_in(blocks)`: slot sets live at each block's start. A register not
  live where a loop nest exits may be left holding any value, which lets a
  reordered nest skip reproducing the last iteration's temporaries.
* `constants(blocks)`: integer slots whose every write is the same `vm.const` and
  whose first write in the entry block comes before any read there (the
  entry block is never a branch target): everywhere after the entry block
  they hold that value, so generated code can use the literal.
"""

from __future__ import annotations

from vmvxjit.vm import isa
from vmvxjit.vm.jit.branches import edge_pairs

_LISTS = ("list<i32>", "list<i64>", "list<f32>", "list<f64>", "list<any>")


def _numeric(raw: int) -> bool:
    return not raw & isa.REF_BIT


def reads(instr) -> list:
    """Numeric slots `instr` reads (branch remap sources included)."""
    found = []
    for f, value in zip(instr.op.fields, instr.args):
        if f.is_register:
            if f.kind.startswith("R.") and f.bank != "ref":
                found.append(value)
        elif f.kind in _LISTS:
            found += [r for r in value if _numeric(r)]
        elif f.kind == "remap":
            found += [s for s, _ in value if _numeric(s)]
        elif f.kind.startswith("cases"):
            found += [s for _, pairs in value for s, _ in pairs if _numeric(s)]
    return found


def writes(instr) -> list:
    """Numeric slots `instr` certainly writes (remap destinations and call
    results included)."""
    found = []
    for f, value in zip(instr.op.fields, instr.args):
        if f.is_register:
            if f.kind.startswith("W.") and f.bank != "ref":
                found.append(value)
        elif f.kind == "rlist<any>":
            found += [r for r in value if _numeric(r)]
    return found


def _edge_writes(instr) -> list:
    """Slots a branch may write on some edge (remap destinations)."""
    found = []
    for f, value in zip(instr.op.fields, instr.args):
        if f.kind == "remap":
            found += [d for _, d in value if _numeric(d)]
        elif f.kind.startswith("cases"):
            found += [d for _, pairs in value for _, d in pairs if _numeric(d)]
    return found


def edge_live(terminator, target: int, live: dict) -> set:
    """Slots live on the edge from `terminator` to block `target`: what the
    target reads, through the remaps on that edge."""
    result = set(live.get(target, ()))
    for pairs in edge_pairs(terminator, target):
        result = (result - {d for _, d in pairs if _numeric(d)}) | {
            s for s, _ in pairs if _numeric(s)}
    return result


def live_in(blocks) -> dict:
    """Block marker pc -> set of slots live at the block's start.

    Each block's upward-exposed reads and writes are summarized once, then a
    worklist revisits only the predecessors of blocks whose live set grew:
    near-linear in the function's size (models have thousands of blocks)."""
    summary, predecessors = {}, {b.pc: [] for b in blocks}
    for block in blocks:
        gen, kill = set(), set()
        for instr in reversed(block.instrs[:-1]):
            written = set(writes(instr))
            gen = (gen - written) | set(reads(instr))
            kill |= written
        term = block.terminator
        edges = [(t, edge_pairs(term, t)) for t in block.successors]
        summary[block.pc] = (gen, kill, set(reads(term)), edges)
        for target in block.successors:
            if target in predecessors:
                predecessors[target].append(block.pc)
    live = {b.pc: set() for b in blocks}
    pending = [b.pc for b in blocks]
    queued = set(pending)
    while pending:
        pc = pending.pop()
        queued.discard(pc)
        gen, kill, current, edges = summary[pc]
        current = set(current)
        for target, pair_lists in edges:
            result = set(live.get(target, ()))
            for pairs in pair_lists:
                result = (result - {d for _, d in pairs if _numeric(d)}) | {
                    s for s, _ in pairs if _numeric(s)}
            current |= result
        current = gen | (current - kill)
        if current != live[pc]:
            live[pc] = current
            for p in predecessors[pc]:
                if p not in queued:
                    queued.add(p)
                    pending.append(p)
    return live


def constants(blocks) -> dict:
    """Slot -> (bank, value) for registers that hold one constant after the entry block."""
    if not blocks or any(blocks[0].pc in b.successors for b in blocks):
        return {}
    found: dict = {}
    spoiled: set = set()
    for block in blocks:
        for instr in block.instrs:
            m = instr.op.mnemonic
            is_const = m.startswith(("vm.const.i32", "vm.const.i64"))
            for slot in writes(instr) + _edge_writes(instr):
                if not is_const:
                    spoiled.add(slot)
                    continue
                value = (instr.op.result_bank, instr.args[0] if len(instr.args) == 2 else 0)
                if found.setdefault(slot, value) != value:
                    spoiled.add(slot)
    entry_written: set = set()
    for instr in blocks[0].instrs:
        spoiled |= set(reads(instr)) - entry_written
        entry_written |= set(writes(instr))
    return {slot: value for slot, value in found.items()
            if slot not in spoiled and slot in entry_written}
