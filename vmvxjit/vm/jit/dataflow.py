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
* `entry_constants(blocks)`: per block, the integer slots that hold one
  constant whenever control reaches its start; `region_constants` turns
  them into the constants of a region (a slot IREE reuses, a constant only
  between its writes, is a literal in the regions that only read it there).
"""

from __future__ import annotations

from functools import partial

from vmvxjit.vm import isa
from vmvxjit.vm.jit.branches import edge_pairs

_LISTS = ("list<i32>", "list<i64>", "list<f32>", "list<f64>", "list<any>")


def _numeric(raw: int) -> bool:
    return not raw & isa.REF_BIT


_REG, _LIST, _REMAP, _CASES = range(4)
_READ_FIELDS: dict = {}     # id(op) -> ((operand index, how), ...): the operands `reads` looks at
_WRITE_FIELDS: dict = {}    # id(op) -> the same for `writes` (ops are the ISA table's, never freed)


def _fields(op, table: dict, how) -> tuple:
    """The (operand index, how) pairs of `op`'s fields that `how(field)` names, made once per op."""
    found = table.get(id(op))
    if found is None:
        found = table[id(op)] = tuple((i, h) for i, f in enumerate(op.fields) if (h := how(f)) is not None)
    return found


def _read_how(f, refs: bool = False):
    """How `reads` (or, with `refs`, `ref_reads`) finds the registers field `f` names."""
    if f.is_register:
        return _REG if f.kind.startswith("R.") and (f.bank == "ref") == refs else None
    if f.kind in _LISTS or (refs and f.kind.startswith("list<")):
        return _LIST
    if f.kind == "remap":
        return _REMAP
    return _CASES if f.kind.startswith("cases") else None


def _write_how(f, refs: bool = False):
    if f.is_register:
        return _REG if f.kind.startswith("W.") and (f.bank == "ref") == refs else None
    return _LIST if f.kind == "rlist<any>" else None


def reads(instr) -> list:
    """Numeric slots `instr` reads (branch remap sources included)."""
    found = []
    args = instr.args
    for i, how in _fields(instr.op, _READ_FIELDS, _read_how):
        value = args[i]
        if how == _REG:
            found.append(value)
        elif how == _LIST:
            found += [r for r in value if _numeric(r)]
        elif how == _REMAP:
            found += [s for s, _ in value if _numeric(s)]
        else:
            found += [s for _, pairs in value for s, _ in pairs if _numeric(s)]
    return found


def writes(instr) -> list:
    """Numeric slots `instr` certainly writes (remap destinations and call
    results included)."""
    found = []
    args = instr.args
    for i, how in _fields(instr.op, _WRITE_FIELDS, _write_how):
        if how == _REG:
            found.append(args[i])
        else:
            found += [r for r in args[i] if _numeric(r)]
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


def may_write(instr) -> list:
    """Slots `instr` writes on some path: its writes and its branch's remap destinations."""
    return writes(instr) + _edge_writes(instr)


def edge_live(terminator, target: int, live: dict) -> set:
    """Slots live on the edge from `terminator` to block `target`: what the
    target reads, through the remaps on that edge."""
    result = set(live.get(target, ()))
    for pairs in edge_pairs(terminator, target):
        result = (result - {d for _, d in pairs if _numeric(d)}) | {
            s for s, _ in pairs if _numeric(s)}
    return result


def live_in(blocks) -> dict:
    """Block marker pc -> set of numeric slots live at the block's start.

    Each block's upward-exposed reads and writes are summarized once, then a
    worklist revisits only the predecessors of blocks whose live set grew:
    near-linear in the function's size (models have thousands of blocks)."""
    return _live_in(blocks, reads, writes, _numeric_slot)


_REF_READ_FIELDS: dict = {}
_REF_WRITE_FIELDS: dict = {}
_REF_READ_HOW, _REF_WRITE_HOW = partial(_read_how, refs=True), partial(_write_how, refs=True)
_DISCARD = "vm.discard.refs"


def ref_reads(instr) -> list:
    """Ref ordinals `instr` reads (call operands and remap sources included); a
    `vm.discard.refs` reads none."""
    if instr.op.mnemonic == _DISCARD:
        return []
    found = []
    args = instr.args
    for i, how in _fields(instr.op, _REF_READ_FIELDS, _REF_READ_HOW):
        value = args[i]
        if how == _REG:
            found.append(value & isa.REF_MASK)
        elif how == _LIST:
            found += [r & isa.REF_MASK for r in value if r & isa.REF_BIT]
        elif how == _REMAP:
            found += [s & isa.REF_MASK for s, _ in value if s & isa.REF_BIT]
        else:
            found += [s & isa.REF_MASK for _, pairs in value for s, _ in pairs if s & isa.REF_BIT]
    return found


def ref_writes(instr) -> list:
    """Ref ordinals `instr` certainly sets (a `vm.discard.refs` clears its refs)."""
    if instr.op.mnemonic == _DISCARD:
        return [r & isa.REF_MASK for r in instr.args[0] if r & isa.REF_BIT]
    args = instr.args
    found = []
    for i, how in _fields(instr.op, _REF_WRITE_FIELDS, _REF_WRITE_HOW):
        if how == _REG:
            found.append(args[i] & isa.REF_MASK)
        else:
            found += [r & isa.REF_MASK for r in args[i] if r & isa.REF_BIT]
    return found


def ref_live_in(blocks) -> dict:
    """Block marker pc -> set of ref ordinals whose value some path from the block's
    start reads before setting or discarding them (see live_in)."""
    return _live_in(blocks, ref_reads, ref_writes, _ref_slot)


def _numeric_slot(raw: int) -> int | None:
    return None if raw & isa.REF_BIT else raw


def _ref_slot(raw: int) -> int | None:
    return raw & isa.REF_MASK if raw & isa.REF_BIT else None


def _live_in(blocks, reads_of, writes_of, slot_of) -> dict:
    """live_in over the slots `reads_of`/`writes_of` name, and the remap operands
    `slot_of` names (None: another kind of register)."""
    summary, predecessors = {}, {b.pc: [] for b in blocks}
    for block in blocks:
        gen, kill = set(), set()
        for instr in reversed(block.instrs[:-1]):
            written = set(writes_of(instr))
            gen = (gen - written) | set(reads_of(instr))
            kill |= written
        term = block.terminator
        edges = [(t, edge_pairs(term, t)) for t in block.successors]
        summary[block.pc] = (gen, kill, set(reads_of(term)), edges)
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
                result = (result - {slot_of(d) for _, d in pairs}) | {slot_of(s) for s, _ in pairs}
                result.discard(None)
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
            value = const_write(instr)
            for slot in may_write(instr):
                if value is None or found.setdefault(slot, value) != value:
                    spoiled.add(slot)
    entry_written: set = set()
    for instr in blocks[0].instrs:
        spoiled |= set(reads(instr)) - entry_written
        entry_written |= set(writes(instr))
    return {slot: value for slot, value in found.items()
            if slot not in spoiled and slot in entry_written}


def const_write(instr):
    """(bank, value) an integer `vm.const` writes, else None."""
    m = instr.op.mnemonic
    if not m.startswith(("vm.const.i32", "vm.const.i64")):
        return None
    return instr.op.result_bank, instr.args[0] if len(instr.args) == 2 else 0


def entry_constants(blocks, skip=()) -> dict:
    """Block marker pc -> {slot: (bank, value)} for the integer slots but
    `skip` (the function-wide constants) that hold one constant on every path
    to the block's start.

    One pass in reverse postorder: a block's state is the meet of its forward
    predecessors' (the entry block knows none), and a loop header's (the
    target of an edge back from a block later in the order) forgets the
    slots its loops write. A final pass checks that
    every edge, back edges too, carries what its target claims; if one does
    not (an irreducible loop), nothing is claimed."""
    if not blocks:
        return {}
    by_pc = {b.pc: b for b in blocks}
    summary = {}
    for block in blocks:
        kill, gen = set(), {}
        for instr in block.instrs:
            value = const_write(instr)
            for slot in writes(instr):
                kill.add(slot)
                gen.pop(slot, None)
                if value is not None and slot not in skip:
                    gen[slot] = value
        edges = [(t, [p for ps in edge_pairs(block.terminator, t) for p in ps if _numeric(p[0]) and _numeric(p[1])])
                 for t in dict.fromkeys(block.successors) if t in by_pc]
        summary[block.pc] = (kill | set(_edge_writes(block.terminator)), gen, edges)
    order = _reverse_postorder(blocks[0].pc, summary)
    rank = {pc: n for n, pc in enumerate(order)}
    looped = _loop_writes(order, rank, summary)
    state = {blocks[0].pc: {}}
    for n, pc in enumerate(order):
        if pc in looped:
            state[pc] = {k: v for k, v in state[pc].items() if k not in looped[pc]}
        for target, out in _outs(summary[pc], state[pc]):
            if rank[target] > n:
                old = state.get(target)
                state[target] = out if old is None else {k: v for k, v in old.items() if out.get(k) == v}
    for pc in order:
        for target, out in _outs(summary[pc], state[pc]):
            if any(out.get(k) != v for k, v in state[target].items()):
                return {}
    return state


def _loop_writes(order: list, rank: dict, summary: dict) -> dict:
    """Loop header pc -> the slots written in its loops: the blocks that reach
    an edge back to it without passing through it."""
    predecessors = {pc: [] for pc in order}
    for pc in order:
        for target, _ in summary[pc][2]:
            predecessors[target].append(pc)
    found = {}
    for pc in order:
        for header, _ in summary[pc][2]:
            if rank[header] > rank[pc]:
                continue
            body, stack = {header, pc}, [pc]
            while stack:
                for p in predecessors[stack.pop()]:
                    if p not in body:
                        body.add(p)
                        stack.append(p)
            found[header] = found.get(header, set()).union(*(summary[b][0] for b in body))
    return found


def _outs(summary: tuple, known: dict):
    """(target, what it receives) for each edge out of a block that starts with `known`."""
    kill, gen, edges = summary
    known = {k: v for k, v in known.items() if k not in kill}
    known.update(gen)
    for target, pairs in edges:
        out = known
        if pairs:
            out = {k: v for k, v in known.items() if k not in {d for _, d in pairs}}
            out.update({d: known[s] for s, d in pairs if s in known})
        yield target, out


def _reverse_postorder(entry: int, summary: dict) -> list:
    """Block pcs reachable from `entry`, in reverse postorder."""
    seen, post = {entry}, []
    stack = [(entry, iter([t for t, _ in summary[entry][2]]))]
    while stack:
        pc, targets = stack[-1]
        target = next(targets, None)
        if target is None:
            post.append(pc)
            stack.pop()
        elif target not in seen:
            seen.add(target)
            stack.append((target, iter([t for t, _ in summary[target][2]])))
    return post[::-1]


def region_constants(region_blocks, entries, at_entry: dict) -> dict:
    """Slot -> (bank, value) for the slots that hold the same constant at every
    entry of a region (`at_entry`: entry_constants of its function) and that
    no instruction or branch in the region writes."""
    if not entries or any(pc not in at_entry for pc in entries):
        return {}
    common = dict(at_entry[entries[0]])
    for pc in entries[1:]:
        common = {k: v for k, v in common.items() if at_entry[pc].get(k) == v}
    for block in region_blocks:
        for instr in block.instrs:
            for slot in may_write(instr):
                common.pop(slot, None)
    return common
