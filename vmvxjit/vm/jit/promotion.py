"""Register promotion of loop-invariant load/store pairs in innermost loops.

The VM keeps a reduction's accumulator in memory: IREE's matmul loads
`C[i, j]`, adds `A[i, k] * B[k, j]` and stores `C[i, j]` on every k step. In
compiled code LLVM must assume the buffers alias, so it cannot keep the
value in a register. This pass finds, in an innermost loop of simple shape
(a header ending in `cond_br` to a single body block that branches back),
a load and a store of the same buffer register at the same loop-invariant
element index with no other access to that buffer in the loop. The loop is
then emitted as a tight `while` loop that keeps the element in a local:
loaded once before the loop, stored once after it (only if the loop stored).

It runs only when safe at run time (loop versioning): the element index is
in bounds and the promoted buffer's bytes do not overlap any other buffer the
loop touches; otherwise the literal translation runs. The sequence of float
operations on every element is unchanged, so results are bit-identical.
`VMVXJIT_PROMOTE=0` turns the pass off.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from vmvxjit.vm import isa

ENABLED = os.environ.get("VMVXJIT_PROMOTE", "1") != "0"


@dataclass(frozen=True)
class Promotion:
    header: int          # marker pc of the loop header
    body: int            # marker pc of the body block
    exit_pc: int         # where the loop exits
    buffer: int          # ref ordinal of the promoted buffer
    index: int           # register holding the element index
    code: str            # element code (f32, i32, ...)
    load_pc: int
    store_pc: int
    others: tuple        # ref ordinals of the other buffers the loop touches


def _written(instrs) -> set:
    out = set()
    for instr in instrs:
        for f, v in zip(instr.op.fields, instr.args):
            if f.kind.startswith("W.") and f.bank != "ref":
                out.add(v)
                if f.bank in ("i64", "f64"):
                    out.add(v + 1)
    return out


def _buffer_access(instr):
    m = instr.op.mnemonic
    if m.startswith(("vm.buffer.load.", "vm.buffer.store.", "vm.buffer.fill.")) or m == "vm.buffer.length":
        return instr.args[0] & isa.REF_MASK
    return None


def find_promotions(region) -> list[Promotion]:
    """Innermost loops of the region whose accumulator can live in a register."""
    if not ENABLED:
        return []
    by_pc = {b.pc: b for b in region.blocks}
    found = []
    for header in region.blocks:
        term = header.terminator
        if term.op.mnemonic != "vm.cond_br":
            continue
        _, body_pc, body_pairs, exit_pc, _ = term.args
        body = by_pc.get(body_pc)
        if body is None or body_pairs or body is header:
            continue
        back = body.terminator
        if back.op.mnemonic != "vm.br" or back.args[0] != header.pc:
            continue
        loop_instrs = header.instrs[:-1] + body.instrs[:-1]
        if any(i.op.mnemonic.startswith("vm.buffer.fill.") for i in loop_instrs):
            continue
        written = _written(header.instrs + body.instrs)
        written |= {d for s, d in back.args[1]}
        accesses = {}
        for instr in loop_instrs:
            buf = _buffer_access(instr)
            if buf is not None:
                accesses.setdefault(buf, []).append(instr)
        for buf, instrs in accesses.items():
            if len(instrs) != 2:
                continue
            load, store = instrs
            if not (load.op.mnemonic.startswith("vm.buffer.load.")
                    and store.op.mnemonic.startswith("vm.buffer.store.")):
                continue
            load_code = load.op.mnemonic.split(".", 3)[3]
            store_code = store.op.mnemonic.split(".", 3)[3]
            if load_code not in ("f32", "f64", "i32", "i64") or load_code != store_code:
                continue
            index = load.args[1]
            if store.args[1] != index or index in written or index + 1 in written:
                continue
            if load not in body.instrs or store not in body.instrs:
                continue
            others = tuple(sorted(b for b in accesses if b != buf))
            found.append(Promotion(header.pc, body.pc, exit_pc, buf, index, load_code,
                                   load.pc, store.pc, others))
            break
    return found
