"""Load-time check that no register is read as an integer while it may hold a float, nor
read before anything writes it.

IREE's registers are untyped 32-bit cells, so its verifier leaves this alone. vmvxjit keeps
one Python int or float per register, so an integer op on a register holding a float raises
Python's TypeError; and a register nothing wrote is zero in vmvxjit but whatever IREE's stack
held, so a mutant's loop may end in one runtime and not the other. Compilers emit neither (a
register holds one SSA value at a time, written before any use): only a corrupted module
does, and it is rejected here.

A forward dataflow over the function's blocks tracks, as one bitmask of registers per bank,
the banks each register may last have been written in, or that it may be unwritten (branch
remaps carry them along, in order); a read that may see a conflicting bank (`_CONFLICTS`)
is a VerificationError naming the register, the banks and the pc. Arguments have their
cconv's banks; results of an import without a signature match any bank.
"""

from __future__ import annotations

import heapq

from vmvxjit.errors import VerificationError
from vmvxjit.vm import isa
from vmvxjit.vm.cconv import frame_layout
from vmvxjit.vm.decoder import BLOCK_OP
from vmvxjit.vm.verifier import CCONV_BANKS, MISENCODED_F32_LOAD, VerifyContext, cconv_banks

# "high": the upper cell of a 64-bit value; "unset": never written on some path to here.
BANKS = ("i32", "f32", "i64", "f64", "high", "unset")
_INDEX = {bank: i for i, bank in enumerate(BANKS)}
_NAMES = {"i32": "i32", "f32": "f32", "i64": "i64", "f64": "f64",
          "high": "the upper half of an i64/f64", "unset": "nothing (never written)"}
_CALLS = ("vm.call", "vm.call.variadic", "vm.call.yieldable", "vm.call.variadic.yieldable")


def _call_effects(instr, ctx: VerifyContext) -> tuple[list, list]:
    callee = instr.arg("callee_ordinal")
    if callee & isa.IMPORT_BIT:
        cconv = ctx.import_cconv(callee & ~isa.IMPORT_BIT)
        if cconv is None:      # an import without a signature: its results are unknown
            return [], [(raw, None) for raw in instr.arg("results")]
    else:
        cconv = ctx.function_cconv(callee)
    segments = instr.arg("segment_sizes") if "variadic" in instr.op.mnemonic else None
    return (list(cconv_banks(cconv.args, instr.arg("operands"), segments)),
            list(cconv_banks(cconv.results, instr.arg("results"))))


_LAYOUTS: dict = {}


def _layout(op) -> tuple:
    """Where an op's numeric registers are: (field index, bank) of its reads, of its
    writes, and of its register lists (all read). Kept per mnemonic: hashing the op
    itself (a frozen dataclass of its fields) was a quarter of the check's time."""
    known = _LAYOUTS.get(op.mnemonic)
    if known is not None:
        return known
    reads, writes, lists = [], [], []
    for i, field in enumerate(op.fields):
        if field.is_register and field.bank in _INDEX:
            (reads if field.kind[0] == "R" else writes).append((i, field.bank))
        elif field.kind[:5] == "list<" and field.kind[5:8] in _INDEX:
            lists.append((i, field.kind[5:8]))
    known = _LAYOUTS[op.mnemonic] = (tuple(reads), tuple(writes), tuple(lists))
    return known


def _effects(instr, ctx: VerifyContext, results) -> tuple[list, list]:
    """The (register, bank) pairs `instr` reads and writes (bank None: unknown)."""
    mnemonic = instr.op.mnemonic
    if mnemonic in _CALLS:
        reads, writes = _call_effects(instr, ctx)
    elif mnemonic == "vm.return":
        reads, writes = list(cconv_banks(results, instr.arg("operands"))), []
    else:
        args = instr.args
        read_fields, write_fields, lists = _layout(instr.op)
        reads = [(args[i], bank) for i, bank in read_fields]
        reads += [(raw, bank) for i, bank in lists for raw in args[i]]
        writes = [(args[i], bank) for i, bank in write_fields]
        if writes and (mnemonic, instr.op.fields[write_fields[0][0]].name, args[write_fields[0][0]] & 1) \
                == MISENCODED_F32_LOAD:
            writes = [(writes[0][0], "f32"), (writes[0][0] + 1, "i32")]
        return reads, writes
    return _numeric(reads), _numeric(writes)


def _numeric(pairs: list) -> list:
    return [(raw, bank) for raw, bank in pairs if not raw & isa.REF_BIT and bank != "ref"]


def _write(state: list, raw: int, bank) -> None:
    bit = 1 << raw
    for i in range(len(state)):
        state[i] &= ~bit
    if bank is not None:
        state[_INDEX[bank]] |= bit
        if bank in ("i64", "f64"):
            _write(state, raw + 1, "high")


def _remapped(state: tuple, pairs) -> tuple:
    """`state` after a branch's remap: the moves happen in order (as in IREE and the
    interpreter: a later move may read what an earlier one wrote), each destination
    taking its source's banks."""
    moves = [(s, d) for s, d in pairs if not s & isa.REF_BIT]
    if not moves:
        return state
    result = list(state)
    for s, d in moves:
        for i, mask in enumerate(result):
            result[i] = (mask & ~(1 << d)) | (((mask >> s) & 1) << d)
    return tuple(result)


# What a read of each bank must not see. Reading an i64 as i32 (or the upper cell of a 64-bit
# value) is left alone: iree-compile 3.13 emits it (a remap list that overwrites a register
# before copying it), and the interpreter reads the value as IREE does. An integer op on a
# float raises in Python; a register nothing wrote is zero here and garbage in IREE.
_CONFLICTS = {"i32": ("f32", "f64", "unset"), "i64": ("f32", "f64", "unset"),
              "f32": ("unset",), "f64": ("unset",)}
_OTHERS = {bank: tuple(_INDEX[other] for other in conflicts) for bank, conflicts in _CONFLICTS.items()}


def _check_read(state: list, pc: int, raw: int, bank: str) -> None:
    bit = 1 << raw
    if any(state[i] & bit for i in _OTHERS[bank]):
        seen = [BANKS[i] for i in _OTHERS[bank] if state[i] & bit]
        raise VerificationError(
            f"register %i{raw} is read as {bank} at pc {pc:08X} but may hold "
            f"{' or '.join(_NAMES[other] for other in seen)}")


def _run_block(ops: list, state: tuple) -> tuple:
    """The state after a block's ops, checking each read on the way."""
    current = list(state)
    for pc, reads, writes in ops:
        for raw, bank in reads:
            _check_read(current, pc, raw, bank)
        for raw, bank in writes:
            _write(current, raw, bank)
    return tuple(current)


def _blocks(instrs: list, results, ctx: VerifyContext) -> dict:
    """Block marker pc -> (ops as (pc, reads, writes), branch edges of its terminator)."""
    blocks, ops, terminator = {}, None, {}
    for instr in instrs:
        if instr.op is BLOCK_OP:
            ops = blocks[instr.pc] = []
            start = instr.pc
        else:
            ops.append((instr.pc, *_effects(instr, ctx, results)))
            terminator[start] = instr
    return {pc: (ops, terminator[pc].edges() if pc in terminator else []) for pc, ops in blocks.items()}


def _entry_state(cconv, register_count: int) -> tuple:
    state = [0] * len(BANKS)
    state[_INDEX["unset"]] = (1 << register_count) - 1
    for ch, slot in frame_layout(cconv.args)[0]:
        if ch != "r":
            _write(state, slot, CCONV_BANKS[ch])
    return tuple(state)


def check_register_banks(instrs: list, cconv, ctx: VerifyContext, register_count: int) -> None:
    """Raises VerificationError if some read may see a register written in another bank, or
    never written (`register_count`: the function's i32 registers)."""
    blocks = _blocks(instrs, cconv.results, ctx)
    first = instrs[0].pc
    states = {first: _entry_state(cconv, register_count)}
    queue, queued = [first], {first}     # blocks to (re)visit, lowest pc first
    while queue:
        pc = heapq.heappop(queue)
        queued.discard(pc)
        ops, edges = blocks[pc]
        out = _run_block(ops, states[pc])
        for target, pairs in edges:
            incoming = _remapped(out, pairs)
            old = states.get(target)
            merged = incoming if old is None else tuple(a | b for a, b in zip(old, incoming))
            if merged != old:
                states[target] = merged
                if target not in queued:
                    queued.add(target)
                    heapq.heappush(queue, target)
