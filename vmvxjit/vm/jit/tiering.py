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

import ctypes
import os
import threading
import time

import numpy as np

from vmvxjit import compile_clock
from vmvxjit.errors import ArithmeticFault, ResourceExhaustedError
from vmvxjit.vm.buffer import VmBuffer, allocate_checked, out_of_bounds, read_only
from vmvxjit.vm.deadline import NEVER_NS, NO_DEADLINE, NO_FUEL_LIMIT, Deadline
from vmvxjit.vm.fused_blocks import fuse_region
from vmvxjit.vm.jit import codegen, cost, switches
from vmvxjit.vm.jit.allocations import SCRATCH
from vmvxjit.vm.jit.llvm_backend import (BALANCED, OPTIMIZED, QUICK, on_disk, optimized_wanted,
                                         want_optimized)
from vmvxjit.vm.jit.regions import split_blocks
from vmvxjit.vm.jit.ops import FAULT_OPS
from vmvxjit.vm.jit.stats import Compiled, JitStats
from vmvxjit.vm.semantics import PURE_OPS
from vmvxjit.vm.steps_memory import valid_alignment

AUTO_THRESHOLD = int(os.environ.get("VMVXJIT_JIT_THRESHOLD", "20000"))
MIN_VISITS_PER_FRAME = 32
TIER_UP_S = 0.02             # compiled run time after which `auto` recompiles a region optimized,
TIER_UP_AGAIN_S = 0.001      # or this much once a second call enters it: a function called again
                             # is a warm workload, whose regions of a few ms per call (a model's
                             # layers) would otherwise run their quick code, which has no loop
                             # vectorizer, for many calls (SqueezeNet: 54-111 ms warm against
                             # 18-21 ms with every region at O3)


class _Frame:
    """The arrays a compiled region reads and writes, made once per thread that runs
    it at a time: registers in and out, buffers as address/length/mutability, the
    fault record. Entering costs a few list copies and one foreign call (LLVM code)
    or Numba's dispatch on the same arrays as numpy views."""

    def __init__(self, n_int: int, n_float: int, n_multi: int, n_buffers: int, counts):
        self.sizes = (n_int, n_float, n_multi, n_buffers)
        self.counts = counts
        self.err = err = np.zeros(codegen.ERR_SIZE, dtype=np.int64)
        err[codegen.ERR_FUEL:] = NO_FUEL_LIMIT, NEVER_NS, NEVER_NS    # no deadline, no leaving (CompiledRegion.run)
        self.ri = (ctypes.c_int64 * max(1, n_int))()
        self.rf = (ctypes.c_double * max(1, n_float))()
        self.tags = (ctypes.c_int64 * max(1, n_multi))()
        self.addrs, self.lens, self.mut = ((ctypes.c_int64 * max(1, n_buffers))() for _ in range(3))
        arrays = (self.ri, self.rf, self.tags, self.addrs, self.lens, self.mut)
        addresses = [ctypes.addressof(a) for a in arrays] + [err.ctypes.data, counts.ctypes.data]
        self.table = (ctypes.c_int64 * len(addresses))(*addresses)   # for region calls and native_chunks.run
        self.table_address = ctypes.addressof(self.table)
        self.views = [np.ctypeslib.as_array(a) for a in arrays] + [err, counts]
        self.own: dict = {}       # buffer number -> this frame's own bytes for it (`scratch`)

    def fill(self, ints: list, floats: list, tags: list, buffers: list) -> None:
        n_int, n_float, n_multi, n_buffers = self.sizes
        self.ri[:n_int] = ints
        self.rf[:n_float] = floats
        self.tags[:n_multi] = tags
        self.addrs[:n_buffers] = [b.address for b in buffers]
        self.lens[:n_buffers] = [b.data.shape[0] for b in buffers]
        self.mut[:n_buffers] = [1 if b.mutable else 0 for b in buffers]

    def copy_inputs(self, other: "_Frame") -> None:
        """Takes `other`'s registers, buffers and deadline (a chunk of a parallel loop,
        parallel_run.py)."""
        for mine, theirs in zip((self.ri, self.rf, self.tags, self.addrs, self.lens, self.mut),
                                (other.ri, other.rf, other.tags, other.addrs, other.lens, other.mut)):
            ctypes.memmove(mine, theirs, ctypes.sizeof(theirs))
        self.err[codegen.ERR_FUEL:codegen.ERR_SWAP] = other.err[codegen.ERR_FUEL:codegen.ERR_SWAP]

    def scratch(self, buffer: int, length: int) -> int:
        """The address of this frame's own `length` bytes for region buffer `buffer`: a chunk's
        copy of a buffer each iteration allocates for itself (parallel_run.LoopRunner)."""
        array = self.own.get(buffer)
        if array is None or array.shape[0] != length:
            array = self.own[buffer] = np.empty(length, np.uint8)
        return array.ctypes.data

    def copy_outputs(self, other: "_Frame") -> None:
        """Takes the registers and fault record `other` left."""
        for mine, theirs in ((self.ri, other.ri), (self.rf, other.rf), (self.tags, other.tags)):
            ctypes.memmove(mine, theirs, ctypes.sizeof(theirs))
        self.err[:codegen.ERR_FUEL] = other.err[:codegen.ERR_FUEL]

    def run(self, fn, entry_id: int) -> int:
        call = getattr(fn, "call", None)
        if call is not None:
            return call(entry_id, self.table_address)
        return fn(entry_id, *self.views)

    def registers(self) -> tuple:
        n_int, n_float, n_multi, _ = self.sizes
        return self.ri[:n_int], self.rf[:n_float], self.tags[:n_multi]


_NO_BUFFER = VmBuffer.over(np.empty(0, np.uint8))    # an allocation's buffer code cannot reach


def _uninitialized(length: int) -> np.ndarray:
    return np.empty(length, np.uint8)     # the code zeroes it where the op runs


class CompiledRegion:
    """A region's compiled function plus the glue to run it on a frame."""

    def __init__(self, code: codegen.RegionCode, fn, block_targets: dict, stats: JitStats,
                 location, buffer_registers: list = (), label: str = "",
                 deadline: Deadline = NO_DEADLINE, scratch: bool = True):
        self.code = code
        # Entries that make the buffers of the region's allocations (allocations.py); none
        # under an allocation cap, whose charges follow the interpreter's allocations. The
        # code names such a buffer by an ordinal of its own: an entry first takes the
        # allocated register's value there.
        self.scratch = bool(code.allocations) and scratch
        own = {k: ref for k, _, _, ref in code.allocations}
        self.sources = [own.get(k, r) for k, r in enumerate(buffer_registers)]
        self.deadline = deadline if deadline.enabled else None
        self.location = location      # (function ordinal, pc) -> frame text, for callee frames
        self.fn = fn
        self.stats = stats
        self.exit_steps = [block_targets[pc] for pc in code.exits]
        # Lean code's exits at its own loop headers, and the entry there of its full code.
        self.deopt_entries = {k: code.entry_ids[code.exits[k]] for k in code.deopts}
        self.full = None                 # () -> the full code's compiled function (lean code)
        self.int_slots = [s for s, _ in code.int_vars]
        self.parallel = None          # parallel_run.ParallelLoops of its loops that may run in chunks
        if code.parallel:
            from vmvxjit.vm.jit.parallel_run import ParallelLoops

            self.parallel = ParallelLoops(code, list(buffer_registers), label)
            self.parallel.serial_slots(self.int_slots)
        self.float_slots = [s for s, _ in code.float_vars]
        self.written_int = [(i, s) for i, (s, _) in enumerate(code.int_vars) if s in code.written]
        self.written_float = [(i, s) for i, (s, _) in enumerate(code.float_vars) if s in code.written]
        # Shared by every entry, as statistics: entries on several threads at once may
        # lose a count.
        self.counts = np.zeros(2 * len(code.sites), dtype=np.int64)
        self.idle_frames = []            # _Frames no entry is using: each running entry owns one
        self.entry_frames = []           # every _Frame made for entries (_ready)
        self.chunk_frames = []           # those for chunks of parallel loops (take_chunk_frame)
        self.run_time = [0.0, 0, 0]      # seconds in this region's code, entries, LLVM speed level
        self.first_frame = None          # the register file of the first call that entered (held:
                                         # a freed one's id could be the next call's)
        self.tier_up = None              # starts the optimized compile, once the region runs hot
        self.upgrade = None              # that compile's future

    def run(self, entry_id: int, regs: list, refs: list):
        """Runs from block `entry_id`; returns the step index to continue at, or
        None when the frame cannot enter compiled code (the interpreter goes on)."""
        upgrade = self.upgrade
        if upgrade is not None and upgrade.done():
            self._swap(upgrade)
        buffers = [refs[r] for r in self.sources]
        made = self.code.allocations and self._allocate(entry_id, regs, buffers)
        if any(b.__class__ is not VmBuffer for b in buffers) and not self._dead_ones(entry_id, buffers):
            return None
        frame = self.take_frame(len(buffers))
        if self.code.swaps:
            frame.err[codegen.ERR_SWAP] = self._leave_at()
        if self.deadline is not None:
            frame.err[codegen.ERR_FUEL:codegen.ERR_SWAP] = self.deadline.fuel(), self.deadline.expires_ns()
        frame.fill([v if v.__class__ is int else 0 for v in (regs[s] for s in self.int_slots)],
                   [v if v.__class__ is float else 0.0 for v in (regs[s] for s in self.float_slots)],
                   [self._tag(regs[s], s) for s in self.code.multi_slots], buffers)
        if made:
            for k, *_ in self.code.allocations:
                frame.mut[k] = SCRATCH
        start = time.perf_counter()
        try:
            if self.parallel is None:
                status = self.run_code(frame, entry_id)
            else:
                status = self.parallel.run(self, frame, entry_id, buffers, self.stats.threads)
        except BaseException:      # a worker's exception (run_parts): the frame is free again
            self.idle_frames.append(frame)
            raise
        seconds = time.perf_counter() - start
        self.stats.compiled_seconds += seconds
        self.stats.entries += 1
        self.run_time[0] += seconds
        self.run_time[1] += 1
        if self.tier_up is not None and self._long_enough(regs):
            self._start_upgrade()
        try:
            if status < 0:
                raise self._fault(frame.err)
            self._write_back(regs, *frame.registers())
            for r, k in self.code.given[status]:
                if k is None:
                    refs[r] = None
                elif made:
                    refs[r] = buffers[k]
        finally:
            self.idle_frames.append(frame)
        return self.exit_steps[status]

    def _dead_ones(self, entry_id: int, buffers: list) -> bool:
        """Whether every entry of `buffers` that is not a buffer is one code entered at
        `entry_id` never reads (discarded before it, allocations.py); those become empty."""
        dead = self.code.dead.get(entry_id, ())
        for k, buffer in enumerate(buffers):
            if buffer.__class__ is not VmBuffer:
                if k not in dead:
                    return False
                buffers[k] = _NO_BUFFER
        return True

    def _allocate(self, entry_id: int, regs: list, buffers: list) -> bool:
        """Puts the buffers of the region's allocations in `buffers`: made here (True) at an
        entry where none of their registers is live, if their lengths and alignments are
        valid; else (False) the interpreter's where it holds them live, and an empty one for
        the others, which code entered there never reaches: it leaves at the first
        allocating block (codegen.RegionEmitter.allocation_checks)."""
        allocations = self.code.allocations
        held = self.code.held.get(entry_id)
        if held is None and self.scratch and all(regs[n].__class__ is int and regs[a].__class__ is int
                                                 and valid_alignment(regs[a]) for _, n, a, _ in allocations):
            try:        # as steps_memory.build_buffer_alloc allocates, but for the zeroing
                made = [VmBuffer.over(allocate_checked(regs[n], _uninitialized)) for _, n, _, _ in allocations]
            except ResourceExhaustedError:
                made = None
            if made is not None:
                for (k, *_), buffer in zip(allocations, made):
                    buffers[k] = buffer
                return True
        for k, *_ in allocations:
            if held is None or k not in held:
                buffers[k] = _NO_BUFFER
        return False

    def _leave_at(self) -> int:
        """When the loops that allocate should leave at their header (codegen.ERR_SWAP): one
        entry may run a whole model layer, which entries once per iteration of those loops
        did not. Once the quick code has run TIER_UP_S, so that the optimized compile starts
        (`_long_enough`); once that compile is ready (`_ready`), so that the next entry takes
        it (`_swap`)."""
        if self.tier_up is None:
            return NEVER_NS
        return time.monotonic_ns() + int(max(0.0, TIER_UP_S - self.run_time[0]) * 1e9)

    def _start_upgrade(self) -> None:
        """Starts the optimized compile."""
        tier_up, self.tier_up = self.tier_up, None
        self.upgrade = tier_up()
        if self.code.swaps:
            self.upgrade.add_done_callback(self._ready)

    def _ready(self, _) -> None:
        for frame in self.entry_frames:
            frame.err[codegen.ERR_SWAP] = 0

    def _long_enough(self, regs) -> bool:
        """Whether the region has run long enough in quick code to want its optimized
        compile: TIER_UP_S in all, or TIER_UP_AGAIN_S once a second call entered it (a
        call's frame has its own register file)."""
        if self.first_frame is None:
            self.first_frame = regs
        seconds = self.run_time[0]
        return seconds > TIER_UP_S or (seconds > TIER_UP_AGAIN_S and regs is not self.first_frame)

    def run_code(self, frame: _Frame, entry_id: int) -> int:
        """Runs the region's code on `frame` from block `entry_id`; its exit status. Where
        lean code leaves at a failed entry check, its full code goes on from that block
        on the same frame (the literal loop the lean code left out)."""
        return self.go_on(frame, frame.run(self.fn, entry_id))

    def go_on(self, frame: _Frame, status: int) -> int:
        """The exit status of code that left `frame` with `status`, after the full code
        went on where lean code left at a failed entry check (see run_code)."""
        while status in self.deopt_entries:
            status = frame.run(self.full(), self.deopt_entries[status])
        return status

    def take_frame(self, n_buffers: int) -> _Frame:
        """A frame no entry is using."""
        try:
            return self.idle_frames.pop()
        except IndexError:     # every frame made so far is in use, on other threads
            frame = self._new_frame(n_buffers, self.counts)
            self.entry_frames.append(frame)
            return frame

    def _new_frame(self, n_buffers: int, counts) -> _Frame:
        return _Frame(len(self.int_slots), len(self.float_slots), len(self.code.multi_slots),
                      n_buffers, counts)

    def take_chunk_frame(self, n_buffers: int) -> _Frame:
        """A frame for a chunk of a parallel loop on another thread, with counters of its own:
        threads adding to one array at once would fight over its cache lines (ResNet-50's
        loops ran no faster on two threads). `return_chunk_frame` adds them up."""
        try:
            return self.chunk_frames.pop()
        except IndexError:
            return self._new_frame(n_buffers, np.zeros_like(self.counts))

    def return_chunk_frame(self, frame: _Frame) -> None:
        self.counts += frame.counts
        frame.counts[:] = 0
        self.chunk_frames.append(frame)

    def _swap(self, upgrade) -> None:
        """Continues in the optimized compile `upgrade` of the same code (same layout and
        counters); threads entering at once may each swap, to the same function."""
        fn, _ = upgrade.result()
        self.upgrade = None
        if not isinstance(fn, Exception):
            self.fn = fn
            self.run_time[2] = OPTIMIZED

    def _tag(self, value, slot: int) -> int:
        banks = self.code.variants[slot]
        want_int = value.__class__ is int
        for i, bank in enumerate(banks):
            if (bank in codegen.INT_BANKS) == want_int:
                return i
        return 0

    def _write_back(self, regs, ints: list, floats: list, tags: list) -> None:
        multi = dict(zip(self.code.multi_slots, tags))
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

    def _fault(self, err):
        """The interpreter's error for the fault in `err`, with the frames of
        the compiled callees it happened in (the interpreter adds the rest)."""
        kind, site, *values = err[:codegen.ERR_FRAMES].tolist()
        pc = self.code.fault_pcs[site]
        depth = int(err[codegen.ERR_FRAMES])
        err[codegen.ERR_FRAMES] = 0
        error = self.deadline.exceeded() if kind == codegen.FAULT_DEADLINE else _FAULTS[kind](*values)
        frames = err[codegen.ERR_FRAMES + 1:codegen.ERR_FRAMES + 1 + 2 * depth].tolist()
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


def _compile(function_name: str, code: codegen.RegionCode, source: str, stats: JitStats, speed: int):
    """The region's compiled function: by llvm_lower.py unless switched to Numba
    (switches.CODEGEN) or the text holds something only Numba translates."""
    if switches.CODEGEN == "llvm":
        from vmvxjit.vm.jit.llvm_backend import compile_region
        from vmvxjit.vm.jit.llvm_types import Unsupported

        try:
            fn, hit = compile_region(source, code.name, codegen.ERR_SIZE, speed)
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


class _RegionTier:
    """When and how a region's compiled code replaces its interpretation.

    `jit` compiles on first entry. `auto` first loads the region's code if the
    disk cache has it (a file read). A region whose one entry is expected to
    cost more interpreted than compiled (cost.py) is compiled ahead: queued for
    a worker thread (background.py) when its function is prepared, so that
    compiles overlap the interpretation of what comes before; at the region's
    first entry the interpreter waits for that compile, or makes it itself if
    no worker has started it. Other regions are interpreted until their entries
    (loop back-edges included) pass AUTO_THRESHOLD visits with at least
    MIN_VISITS_PER_FRAME per frame on average (a 4-iteration loop run on every
    call is cheaper interpreted than entered compiled), then compiled at once:
    interpreting on while a compile runs would gain little, as compiled code is
    ~100x faster."""

    def __init__(self, function_name: str, code: codegen.RegionCode, block_targets: dict,
                 state, tier: str, buffer_registers: list, full: codegen.RegionCode | None = None,
                 optimized: tuple | None = None):
        self.function_name, self.code, self.block_targets = function_name, code, block_targets
        self.buffer_registers = buffer_registers
        self.full = full              # the full code of lean `code` (plans.py), compiled when needed
        self.optimized = optimized    # (lean, full) codes of OPTIMIZED compiles, if other (plans.py)
        self.full_fn = None
        self.full_lock = threading.Lock()
        self.stats, self.location, self.tier = state.jit_stats, state.module.location, tier
        self.deadline = state.deadline
        self.uncapped = state.allocations.cap is None
        self.source = code.module_source
        self.visits = 0
        self.frames = 0
        self.last_frame = None
        self.compiled = None
        self.failed = False
        self.future = None            # a compile ahead, queued or running on a worker
        self.looked_on_disk = False
        self.speed = OPTIMIZED if tier == "jit" else QUICK
        self.python_seconds = 0.0      # time its entries ran it as generated Python
        self.deciding = threading.Lock()
        state.jit_stats.regions.append(self)

    def why_python(self) -> str:
        """Why the region ran (or runs) as Python: the trace's words."""
        if self.failed:
            return "its compile failed"
        if self.compiled is not None:
            return "before its compiled code was ready"
        if self.future is not None:
            return "its compile was queued"
        return (f"not hot: {self.visits} visits over {self.frames} frames, compiled at "
                f"{AUTO_THRESHOLD} and {MIN_VISITS_PER_FRAME} per frame")

    def compile_ahead(self, interpreted: float, order: int) -> bool:
        """Queues a compile now if one entry is expected to cost more interpreted
        (`interpreted` seconds, cost.interpreted_seconds) than compiled; `order`
        ranks it among compiles ahead (earlier first). A region whose code is on disk
        loads it now. Returns whether it then wants its OPTIMIZED compile started at
        once (its code on disk is not, and it ran long in an earlier process): `install`
        starts those after loading every region, so that no compile competes with the
        loads for LLVM's lock (llvm_parallel.py: creating and loading objects still
        take it)."""
        if self.tier != "auto":
            return False
        if switches.CODEGEN == "llvm":
            speed = self._on_disk()
            if speed is not None:
                self.looked_on_disk, self.speed = True, speed
                self._finish(self._build)
                return self.compiled is not None and speed != OPTIMIZED and optimized_wanted(self.source)
        if interpreted > cost.AHEAD_FRACTION * cost.compile_seconds(self.source):
            from vmvxjit.vm.jit import background

            if self.code.reordered_nests:
                if cost.optimized_first(interpreted, self.source):
                    self.speed = OPTIMIZED
            elif interpreted > cost.BALANCED_ABOVE_S:
                self.speed = BALANCED
            self.future = background.submit(order, self._build)
            self.stats.progress.started()
        return False

    def upgrade_now(self) -> None:
        """Starts the OPTIMIZED compile of the (loaded) region now."""
        self.compiled.tier_up = None
        self.compiled.upgrade = self._compile_optimized()

    def hot(self, regs) -> bool:
        self.visits += 1
        if regs is not self.last_frame:
            self.last_frame = regs
            self.frames += 1
        return (self.visits >= AUTO_THRESHOLD
                and self.visits >= MIN_VISITS_PER_FRAME * self.frames)

    def advance(self, regs):
        """The compiled region if it is (now) available, else None: interpret. One thread
        at a time decides and compiles; the others wait for it (a region compiles once)."""
        if self.failed:
            return None
        with self.deciding:
            if self.compiled is not None or self.failed:
                return self.compiled
            return self._advance(regs)

    def _advance(self, regs):
        if self.future is not None:
            future, self.future = self.future, None
            from vmvxjit.vm.jit import background

            return self._finish(lambda: self._build() if future.cancel() else background.result(future))
        if self.tier == "jit":
            return self._finish(self._build)
        if not self.looked_on_disk:
            self.looked_on_disk = True
            speed = self._on_disk() if switches.CODEGEN == "llvm" else None
            if speed is not None:
                self.speed = speed
                return self._finish(self._build)
        return self._finish(self._build) if self.hot(regs) else None

    def _build(self, speed: int | None = None):
        """(compiled function or the exception, seconds): on a worker thread or the caller's.
        The seconds are the compiling thread's CPU time: a compile that waits for LLVM's
        process-wide lock (llvm_engine.py) or the GIL while another runs is not charged
        twice (wall time summed over ShuffleNet's regions was 8.2 s for 4.9 s of work)."""
        start = time.thread_time()
        speed = speed or self.speed
        code = self._codes(speed)[0]
        try:
            return _compile(self.function_name, code, code.module_source, self.stats, speed), \
                time.thread_time() - start
        except Exception as exc:  # a compiler failure: keep interpreting, report it in the trace
            return exc, time.thread_time() - start

    def _finish(self, build):
        """Installs what `build()` (a compile, or the wait for one) gives; its time is
        compile time, not interpretation (compile_clock.py)."""
        start = time.perf_counter()
        fn, seconds = build()
        compile_clock.add(time.perf_counter() - start)
        self.stats.progress.finished(seconds)
        if isinstance(fn, Exception):
            self.failed = True
            self.stats.failed.append((self.function_name,
                                      f"{type(fn).__name__}: {str(fn).splitlines()[0][:200]}"))
            return None
        self.compiled = CompiledRegion(self.code, fn, self.block_targets, self.stats, self.location,
                                       self.buffer_registers, self.function_name, self.deadline,
                                       self.uncapped)
        self.compiled.run_time[2] = self.speed
        if self.full is not None:
            self.compiled.full = self._full_function
        if self.speed != OPTIMIZED and switches.CODEGEN == "llvm":
            self.compiled.tier_up = self._tier_up
        self.stats.compiled.append(Compiled(self.function_name, sorted(self.code.entry_ids), seconds,
                                            self._codes(self.speed)[0].notes, self.code.sites,
                                            self.compiled.counts,
                                            self.compiled.run_time))
        return self.compiled

    def _full_function(self):
        """The compiled full code, compiled the first time lean code leaves at a failed
        entry check (on the thread that needs it; others wait for it). Its frame layout
        is the lean code's: both come from one pass of the emitter."""
        with self.full_lock:
            if self.full_fn is None:
                start = time.thread_time()
                full = self._codes(self.speed)[1]
                self.full_fn = _compile(self.function_name, full, full.module_source, self.stats, self.speed)
                self.stats.full_compiles.append((self.function_name, time.thread_time() - start))
            return self.full_fn

    def _codes(self, speed: int) -> tuple:
        """The (lean, full) codes a compile at `speed` builds: they share one frame layout."""
        return self.optimized if speed == OPTIMIZED and self.optimized else (self.code, self.full)

    def _on_disk(self) -> int | None:
        """The best speed at which the region's machine code is on disk: its OPTIMIZED code's
        where that is another text."""
        if self.optimized and on_disk(self.optimized[0].module_source) == OPTIMIZED:
            return OPTIMIZED
        return on_disk(self.source)

    def _tier_up(self):
        """Starts the OPTIMIZED compile of a region that runs long, and notes on disk that
        it does (compile_ahead)."""
        want_optimized(self.source)
        return self._compile_optimized()

    def _compile_optimized(self):
        """The OPTIMIZED compile, queued for a worker behind every compile a run waits for."""
        from vmvxjit.vm.jit import background

        return background.submit(background.BACKGROUND_ONLY, self._build, OPTIMIZED)


def install(state, function, planned, count: int, steps: list, block_targets: dict, tier: str,
            unfused: list, env) -> None:
    """Wraps the entry steps of `function`'s `count` planned regions (plans.py: an
    iterator, which may generate each region's code as it goes) so they can run
    compiled.

    Until a region is compiled (or when it cannot be) its entries run it as
    one generated Python loop (fused_blocks.fuse_region over the `unfused`
    steps, built on first use) or, if it has none, the fused step already at
    the entry."""
    state.jit_stats.progress.regions += count
    blocks: dict = {}
    deadline = state.deadline

    def blocks_of(plan) -> list:
        if not blocks:
            blocks.update((b.pc, b) for b in split_blocks(function.instrs))
        return [blocks[pc] for pc in plan.block_pcs]

    upgrades = []
    for order, plan in enumerate(planned):
        code = plan.code
        policy = _RegionTier(function.name, code, block_targets, state, tier, plan.buffer_registers,
                             plan.full, plan.optimized)
        if policy.compile_ahead(plan.interpreted_seconds, order):
            upgrades.append(policy)
        python_loop: list = []

        def make_entry(original, index, entry_id, plan=plan, policy=policy, python_loop=python_loop):
            def interpreted(regs, refs):
                if not python_loop:
                    python_loop.append(fuse_region(blocks_of(plan), block_targets, unfused, env))
                if python_loop[0] is None:
                    return original(regs, refs)
                start = time.perf_counter()
                try:
                    target, back_edges = python_loop[0](regs, refs, index)
                finally:
                    policy.python_seconds += time.perf_counter() - start
                policy.visits += back_edges
                if deadline.enabled:      # the loop may go on: its back-edges checked nothing
                    deadline.poll()
                return target

            def step(regs, refs):
                compiled = policy.compiled or policy.advance(regs)
                if compiled is None:
                    return interpreted(regs, refs)
                target = compiled.run(entry_id, regs, refs)
                return interpreted(regs, refs) if target is None else target
            return step

        for pc, entry_id in code.entry_ids.items():
            index = block_targets[pc]
            steps[index] = make_entry(steps[index], index, entry_id)
    for policy in upgrades:
        policy.upgrade_now()
