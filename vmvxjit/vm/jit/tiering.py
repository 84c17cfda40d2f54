"""Tiering: when the interpreter hands a loop region to compiled code.

`install` wraps the first step of every region entry block. In `interp`
tier nothing is wrapped; in `jit` tier a region is compiled on first entry;
in `auto` tier the interpreter keeps running it until its entries (loop
back-edges included) pass a threshold, then compiles it and continues in
compiled code from the current block with the current registers (on-stack
replacement at a block boundary). Numba is imported only then. A region's
compiled module holds the functions of the callees it calls natively
(callee_code.py), so the disk cache covers them with the region.
"""

from __future__ import annotations

import os
import time

import numpy as np

from vmvxjit.errors import ArithmeticFault
from vmvxjit.vm.buffer import VmBuffer, out_of_bounds, read_only
from vmvxjit.vm.fused_blocks import fuse_region
from vmvxjit.vm.jit import codegen, switches
from vmvxjit.vm.jit.ops import FAULT_OPS
from vmvxjit.vm.jit.stats import JitStats
from vmvxjit.vm.semantics import PURE_OPS

AUTO_THRESHOLD = int(os.environ.get("VMVXJIT_JIT_THRESHOLD", "20000"))
MIN_VISITS_PER_FRAME = 32


class CompiledRegion:
    """A region's compiled function plus the glue to run it on a frame."""

    def __init__(self, code: codegen.RegionCode, fn, block_targets: dict, stats: JitStats,
                 location):
        self.code = code
        self.location = location      # (function ordinal, pc) -> frame text, for callee frames
        self.fn = fn
        self.stats = stats
        self.exit_steps = [block_targets[pc] for pc in code.exits]
        self.int_slots = [s for s, _ in code.int_vars]
        self.float_slots = [s for s, _ in code.float_vars]
        self.written_int = [(i, s) for i, (s, _) in enumerate(code.int_vars) if s in code.written]
        self.written_float = [(i, s) for i, (s, _) in enumerate(code.float_vars) if s in code.written]
        self.err = np.zeros(codegen.ERR_SIZE, dtype=np.int64)
        self.counts = np.zeros(2 * len(code.sites), dtype=np.int64)

    def run(self, entry_id: int, regs: list, refs: list, buffer_registers: list):
        """Runs from block `entry_id`; returns the step index to continue at, or
        None when the frame cannot enter compiled code (the interpreter goes on)."""
        buffers = [refs[r] for r in buffer_registers]
        if any(b.__class__ is not VmBuffer for b in buffers):
            return None
        ri = np.array([v if v.__class__ is int else 0 for v in (regs[s] for s in self.int_slots)],
                      dtype=np.int64)
        rf = np.array([v if v.__class__ is float else 0.0 for v in (regs[s] for s in self.float_slots)],
                      dtype=np.float64)
        tags = np.array([self._tag(regs[s], s) for s in self.code.multi_slots], dtype=np.int64)
        addrs = np.array([b.data.ctypes.data for b in buffers], dtype=np.int64)
        lens = np.array([b.data.shape[0] for b in buffers], dtype=np.int64)
        mut = np.array([b.mutable for b in buffers], dtype=np.int64)
        start = time.perf_counter()
        status = self.fn(entry_id, ri, rf, tags, addrs, lens, mut, self.err, self.counts)
        self.stats.compiled_seconds += time.perf_counter() - start
        self.stats.entries += 1
        if status < 0:
            raise self._fault()
        self._write_back(regs, ri, rf, tags)
        return self.exit_steps[status]

    def _tag(self, value, slot: int) -> int:
        banks = self.code.variants[slot]
        want_int = value.__class__ is int
        for i, bank in enumerate(banks):
            if (bank in codegen.INT_BANKS) == want_int:
                return i
        return 0

    def _write_back(self, regs, ri, rf, tags) -> None:
        ints, floats = ri.tolist(), rf.tolist()
        multi = dict(zip(self.code.multi_slots, tags.tolist()))
        for i, slot in self.written_int:
            if slot not in multi or self.code.variants[slot][multi[slot]] in codegen.INT_BANKS:
                regs[slot] = ints[i]
        for i, slot in self.written_float:
            if slot not in multi or self.code.variants[slot][multi[slot]] not in codegen.INT_BANKS:
                regs[slot] = floats[i]
        for slot, tag in multi.items():
            bank = self.code.variants[slot][tag]
            table, values = ((self.code.int_vars, ints) if bank in codegen.INT_BANKS
                             else (self.code.float_vars, floats))
            if slot in self.code.written:
                regs[slot] = values[table.index((slot, bank))]

    def _fault(self):
        """The interpreter's error for the fault in `err`, with the frames of
        the compiled callees it happened in (the interpreter adds the rest)."""
        kind, pc, *values = self.err[:codegen.ERR_FRAMES].tolist()
        depth = int(self.err[codegen.ERR_FRAMES])
        self.err[codegen.ERR_FRAMES] = 0
        error = _FAULTS[kind](*values)
        frames = self.err[codegen.ERR_FRAMES + 1:codegen.ERR_FRAMES + 1 + 2 * depth].tolist()
        for ordinal, frame_pc in zip(frames[::2], frames[1::2]):
            error.add_frame(self.location(ordinal, frame_pc))
        error.vm_pc = pc
        return error


def _arithmetic_fault(a: int, b: int, op: int, _) -> ArithmeticFault:
    """The interpreter's own function for the op raises the fault (message included)."""
    try:
        PURE_OPS[FAULT_OPS[op]](a, b)
    except ArithmeticFault as fault:
        return fault
    raise AssertionError(f"{FAULT_OPS[op]}({a}, {b}) did not fault")


_FAULTS = {codegen.FAULT_BOUNDS: out_of_bounds,
           codegen.FAULT_READ_ONLY: lambda *_: read_only(),
           codegen.FAULT_ARITHMETIC: _arithmetic_fault}


def compile_function(fn, signature, stats: JitStats):
    """Compiles (or loads from the disk cache) `fn` for `signature`, with
    LLVM's SLP vectorizer on (Numba leaves it off): a reordered nest whose
    short inner loop LLVM unrolls completely is vectorized by SLP. SLP never
    reassociates float operations (no fast-math), so results do not change."""
    from numba.core import config

    saved = config.SLP_VECTORIZE
    config.SLP_VECTORIZE = 1
    try:
        fn.compile(signature)
    finally:
        config.SLP_VECTORIZE = saved
    stats.cache_hits += sum(fn.stats.cache_hits.values())
    return fn


def _compile(function_name: str, code: codegen.RegionCode, stats: JitStats):
    """The region's compiled function: by llvm_lower.py unless switched to Numba
    (switches.CODEGEN) or the text holds something only Numba translates."""
    source = codegen.MODULE_HEADER + code.prelude + codegen.NJIT + code.source
    if switches.CODEGEN == "llvm":
        from vmvxjit.vm.jit.llvm_backend import compile_region
        from vmvxjit.vm.jit.llvm_types import Unsupported

        try:
            fn, hit = compile_region(source, code.name, codegen.ERR_SIZE)
        except Unsupported as why:
            stats.fallbacks.append((function_name, str(why)))
        else:
            stats.cache_hits += hit
            return fn
    return _compile_numba(code, source, stats)


def _compile_numba(code: codegen.RegionCode, source: str, stats: JitStats):
    from vmvxjit.vm.jit.cache import load_source

    from numba import types

    module = load_source(source, "region")
    fn = getattr(module, code.name)
    array = types.Array(types.int64, 1, "C")
    return compile_function(fn, (types.int64, array, types.Array(types.float64, 1, "C"), array,
                                 array, array, array, array, array), stats)


class _EntryPolicy:
    """When `auto` compiles a region: after AUTO_THRESHOLD visits of its entry
    blocks (loop back-edges included: ~10 ms of interpretation, against ~1 s
    to compile), and only if a frame stays in it for at
    least MIN_VISITS_PER_FRAME visits on average — a 4-iteration loop run on
    every call is cheaper interpreted than entered compiled."""

    __slots__ = ("visits", "frames", "last_frame", "compiled", "failed")

    def __init__(self):
        self.visits = 0
        self.frames = 0
        self.last_frame = None
        self.compiled = None
        self.failed = False

    def hot(self, regs) -> bool:
        self.visits += 1
        if regs is not self.last_frame:
            self.last_frame = regs
            self.frames += 1
        return (self.visits >= AUTO_THRESHOLD
                and self.visits >= MIN_VISITS_PER_FRAME * self.frames)


def install(state, function, regions: list, steps: list, block_targets: dict, tier: str,
            unfused: list, env) -> None:
    """Wraps the entry steps of `function`'s `regions` (regions.find_regions)
    so they can run compiled.

    Until a region is compiled (or when it cannot be) its entries run it as
    one generated Python loop (fused_blocks.fuse_region over the `unfused`
    steps) or, if it has none, the fused step already at the entry."""
    if tier == "interp":
        return
    from vmvxjit.vm.jit.callee_code import prelude
    from vmvxjit.vm.jit.callees import call_notes

    stats = state.jit_stats
    for region in regions:
        policy = _EntryPolicy()
        code = codegen.generate(region, "region")
        code.prelude, callee_notes = prelude(region.callees, code.sites)
        code.notes += call_notes(region) + callee_notes
        in_python = fuse_region(region.blocks, block_targets, unfused, env)

        def make_entry(original, index, entry_id, region=region, code=code, policy=policy,
                       in_python=in_python):
            def interpreted(regs, refs):
                if in_python is None:
                    return original(regs, refs)
                target, back_edges = in_python(regs, refs, index)
                policy.visits += back_edges
                return target

            def step(regs, refs):
                compiled = policy.compiled
                if compiled is None:
                    if policy.failed or (tier == "auto" and not policy.hot(regs)):
                        return interpreted(regs, refs)
                    compiled = _compile_region(function.name, code, block_targets, stats, policy,
                                               state.module.location)
                    if compiled is None:
                        return interpreted(regs, refs)
                target = compiled.run(entry_id, regs, refs, region.buffer_registers)
                return interpreted(regs, refs) if target is None else target
            return step

        for pc, entry_id in code.entry_ids.items():
            index = block_targets[pc]
            steps[index] = make_entry(steps[index], index, entry_id)


def _compile_region(name, code, block_targets, stats: JitStats, policy: _EntryPolicy, location):
    start = time.perf_counter()
    try:
        fn = _compile(name, code, stats)
    except Exception as exc:  # a Numba failure: keep interpreting, report it in the trace
        policy.failed = True
        stats.failed.append((name, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"))
        return None
    compiled = CompiledRegion(code, fn, block_targets, stats, location)
    policy.compiled = compiled
    stats.compiled.append((name, sorted(code.entry_ids), time.perf_counter() - start, code.notes,
                           code.sites, compiled.counts))
    return compiled
