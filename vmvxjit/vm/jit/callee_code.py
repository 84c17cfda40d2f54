"""Generates the Numba function of each callee a compiled region calls (see callees.py).

    callee_<ordinal>(args..., err, counts) -> (status, results...)

A number arrives as a typed value, a buffer as (address, length, mutable).
The body is a region's (codegen.py: typed locals, a block-switch loop,
bounds-checked accesses, the loop optimizer) over the whole function, entered
at its first block, with `vm.return` returning status 0 and the results.
A fault returns status -1 with `err` filled in as a region fills it; each
caller up the chain adds the callee's (ordinal, pc) frame and puts its own
call's pc in `err[1]`. Its optimized loops count their entries in the
region's `counts` (counters.py), as sites after the region's own.
"""

from __future__ import annotations

from vmvxjit.vm.cconv import frame_layout
from vmvxjit.vm.jit import codegen
from vmvxjit.vm.jit.callees import CCONV_BANKS, Callee
from vmvxjit.vm.jit.regions import Region, split_blocks
from vmvxjit.vm.jit.spelling import CAST, local_bank, var


class CalleeEmitter(codegen.RegionEmitter):
    """Region code generation for a whole function with arguments and results:
    buffers are parameters, `vm.return` returns, a fault returns status -1."""

    def __init__(self, region: Region, callee: Callee):
        self.results = [CCONV_BANKS[ch] for ch in callee.cconv.results]
        self.fail_return = ("return (" + ", ".join(
            ["np.int64(-1)"] + [f"{CAST[bank]}(0)" for bank in self.results]) + ",)")
        super().__init__(region)

    def untyped(self, instr) -> list:
        if instr.op.mnemonic == "vm.return":
            return [(raw, bank, False) for raw, bank in zip(instr.args[0], self.results)]
        return super().untyped(instr)

    def instr(self, instr) -> list:
        if instr.op.mnemonic == "vm.discard.refs":
            return []
        return super().instr(instr)

    def addr_of(self, buf: int) -> str:
        return f"addr{buf}"

    def terminator(self, instr) -> list:
        if instr.op.mnemonic == "vm.return":
            values = [var(raw, bank) for raw, bank in zip(instr.args[0], self.results)]
            return ["return (" + ", ".join(["np.int64(0)"] + values) + ",)"]
        return super().terminator(instr)


def callee_source(callee: Callee, callees: dict, sites: list, tiles: bool = True) -> tuple[str, list, int]:
    """The callee's function (its callees named as `callee_<ordinal>`), the loop
    optimizer's notes on it and how many nests it left out of tiles (`tiles` False:
    RegionEmitter.tiles); its counted sites are appended to `sites`."""
    blocks = split_blocks(callee.function.instrs)
    region = Region(blocks, [blocks[0].pc]).know(blocks)
    slots = frame_layout(callee.cconv.args)[0]
    region.buffer_registers = [slot for ch, slot in slots if ch == "r"]
    region.callees = {o: callees[o] for o in callee.calls}
    gen = CalleeEmitter(region, callee)
    gen.tiles = tiles
    first = len(sites)
    gen.sites = sites
    body, notes = gen.block_switch(blocks)
    for s in range(first, len(sites)):
        sites[s] = f"callee @{callee.function.name}: {sites[s]}"
    body += ["else:", "    " + gen.fail_return]
    params = []
    for k, (ch, slot) in enumerate(slots):
        if ch == "r":
            buf = gen.buffer_index[slot]
            params += [f"addr{buf}", f"len{buf}", f"mut{buf}"]
        else:
            params.append(f"a{k}")
    lines = [f"def {callee.fn_name}({', '.join(params + ['err', 'counts'])}):"]
    lines += [f"    seen{s} = False" for s in range(first, len(sites))]
    for slot, banks in sorted(gen.variants.items()):
        for bank in banks:
            known = gen.constant(slot, bank)
            lines.append(f"    {var(slot, bank)} = {CAST[bank]}({known or 0})")
        if gen.multi_typed(slot):
            lines.append(f"    t{slot} = 0")
    for k, (ch, slot) in enumerate(slots):
        if ch != "r" and local_bank(CCONV_BANKS[ch]) in gen.variants.get(slot, ()):
            lines += ["    " + s for s in gen.assign(slot, CCONV_BANKS[ch], f"a{k}")]
    lines += ["    " + s for s in gen.buffer_views() + gen.fuel_prologue()]
    lines += ["    bb = 0", "    while True:"] + ["        " + s for s in body]
    return "\n".join(lines) + "\n", notes, gen.tiles_left_out


def prelude(callees: dict, sites: list, tiles: bool = True) -> tuple[str, list, int]:
    """The functions of `callees` (ordinal -> Callee, closed under their calls),
    each compiled by Numba as its own function, `--trace` notes, and how many
    nests they left out of tiles (`tiles` False); their counted sites are
    appended to the region's `sites`."""
    parts, notes, left_out = [], [], 0
    for ordinal in sorted(callees):
        source, callee_notes, left = callee_source(callees[ordinal], callees, sites, tiles)
        parts.append(codegen.NJIT + source)
        notes += [f"callee @{callees[ordinal].function.name}: {note}" for note in callee_notes]
        left_out += left
    return "".join(parts), notes, left_out
