"""Compiles an export whole (host_plan.py, entry_ir.py) and makes its calls: one
crossing into native code per call, results made by numpy in one call each (and
copied out of a guarded arena when small: host/arenas.py).

`HostRoute` sits in front of the interpreter's path of one export: it compiles
the export at its second call (most exports of a model run once; one with VMVX
dispatches whose entry functions are not compiled yet queues their compiles then on a
worker if it is small or calls no microkernel, EAGER_ENTRIES, else waits until the tier
has compiled them, and
takes the interpreter's path meanwhile); off with the load
option `host_functions=False` (default: VMVXJIT_HOST_FUNCTIONS=0 or 1, else on),
in the `interp` tier, under an allocation cap (the native code's
allocations are not charged to it) and with a call deadline (its loops check
none: such calls take the interpreter's path, whose regions do). Why an export stays on the
interpreter's path is in `--trace` (`JitStats.host_functions`). A call whose
arguments are not aligned C-contiguous arrays of the declared dtype and shape,
or whose code faults, takes the interpreter's path, which gives the same
results and raises the same errors as without this route.
"""

from __future__ import annotations

import ctypes
import hashlib
import math
import os
import threading
import time

import numpy as np

from vmvxjit.declaration import parse_declaration
from vmvxjit.host import buffer_view_calls, entry_ir, host_chunks, host_plan
from vmvxjit.hal_inline.buffer import ALLOCATION_ALIGNMENT, wrap_alignment
from vmvxjit.hal_inline.memory_pool import POOLED_BYTES, MemoryPool
from vmvxjit.host.arenas import AlignedCopies, Arenas
from vmvxjit.loaders import native_dispatch
from vmvxjit.loaders.library_abi import DispatchStateV0, WorkgroupStateV0
from vmvxjit.loaders.vmvx_executable import NOT_COMPILED_YET, VmvxExecutable
from vmvxjit.native import fastcall, llvm_engine, memory_parts, native_workers, trap, workers
from vmvxjit.vm import isa
from vmvxjit.vm.decoder import Instr
from vmvxjit.vm.jit import background, codegen, llvm_backend, parallel_loops, switches, vmvx_entry_runner
from vmvxjit.vm.jit.llvm_types import Unsupported as LoweringUnsupported
from vmvxjit.vm.jit.regions import Block, Region, find_regions, function_facts

TAKE_SLOW_PATH = object()     # what a HostRoute returns when the interpreter's path must run

_EXIT_BLOCK = Block(host_plan.EXIT_PC, [Instr(host_plan.EXIT_PC, host_plan.EXIT_PC,
                                              isa.BY_MNEMONIC["vm.return"], ((),))], [])


def region_code(plan: host_plan.HostPlan, parallel: bool = False) -> codegen.RegionCode:
    """The whole function's region code: entered at its first block, left at its return;
    with `parallel`, its loops that may run in chunks leave at their headers when MODE
    says so (host_chunks.py), and are entered there."""
    blocks = plan.blocks + [_EXIT_BLOCK]
    facts = function_facts(blocks)
    members, loops = plan.blocks, []
    if parallel:
        live, consts, _ = facts
        members, loops, _ = parallel_loops.find(plan.blocks, live, consts)
    region = Region(members, [plan.blocks[0].pc, *(loop.header for loop in loops)]).know(blocks, facts)
    region.parallel = loops
    region.buffer_registers = list(range(len(plan.spans)))
    return codegen.generate(region, "host")


def host_loops(plan: host_plan.HostPlan, code: codegen.RegionCode, threads: int, base: int):
    """The HostLoops of `code` (whose ctx words start at `base`), or None: one thread, no
    loop that may run in chunks, or one that leaves the function when it ends."""
    parts = native_workers.parts(threads)
    if parts == 1 or not code.parallel:
        return None
    if any(loop.exit_block is None or loop.exit not in code.exits or loop.header not in code.exits
           for loop in code.parallel):
        return None
    return host_chunks.HostLoops(code, plan.spans, parts, base)


def compile_entry(plan: host_plan.HostPlan, level: int, arenas: dict | None = None,
                  words: list | None = None, vmvx_entries: dict | None = None,
                  copied_results: bool = False, boxes: dict | None = None, wrapped: frozenset = frozenset(),
                  read_only: frozenset = frozenset(), code: codegen.RegionCode | None = None, loops=None,
                  memory_work: tuple | None = None, zeroed: tuple = ()):
    """The address of the native entry of `plan` as a builtin (native/fastcall.py: bind
    it to its ctx with `fastcall.builtin`; the entry itself: entry_ir.py), compiled at
    LLVM `level` once per machine (the object is kept in the disk cache); with
    dispatches, over the `arenas`, with each dispatch's ctx `words`, what its VMVX
    entries' tables hold, whether it copies the results out, the parts of the
    dispatches that run in parts, the arguments passed as they are, those VMVX
    dispatches may not write and where the words of its memory work in parts start
    (entry_ir.dispatch_entry_ir); without, over region
    code `code` (region_code's by default), running the host_chunks.HostLoops `loops` in
    chunks after zeroing the allocations numbered `zeroed` in as many parts."""
    if plan.dispatches:
        fields = {"binding_ptrs": DispatchStateV0.binding_ptrs.offset,
                  "max_concurrency": DispatchStateV0.max_concurrency.offset,
                  "local_memory": WorkgroupStateV0.local_memory.offset,
                  "processor_id": WorkgroupStateV0.processor_id.offset}
        body = entry_ir.dispatch_entry_ir("ENTRY", plan, arenas, words, fields, vmvx_entries, copied_results,
                                          boxes or {}, wrapped, read_only, memory_work)
        ir, lowered_prefix, source = body, None, ""
        objects, record = len(plan.arguments) + 2 + (len(plan.results) if copied_results else 0), True
    else:
        code = code or region_code(plan)
        sizes = {"ri": len(code.int_vars), "rf": len(code.float_vars), "tags": len(code.multi_slots),
                 "err": codegen.ERR_SIZE, "counts": 2 * len(code.sites)}
        text, lowered_prefix = llvm_backend.lowered_ir(code.source, code.name, codegen.ERR_SIZE)
        body = entry_ir.entry_ir("ENTRY", f"{lowered_prefix}_{code.name}", plan, sizes, loops, zeroed)
        if loops is not None and _MEMCPY not in text:
            body += _MEMCPY + "(ptr, ptr, i64, i1)\n"
        ir, source = text + "\n" + body, code.source
        objects, record = len(plan.arguments) + len(plan.allocations), False
    key = hashlib.sha256(f"{llvm_backend.compiler_digest()}\0{level}\0{body}\0{source}"
                         .encode()).hexdigest()[:32]
    prefix = f"h{key[:20]}"
    ir = ir.replace("ENTRY", f"{prefix}_entry") + fastcall.wrapper_ir(f"{prefix}_call", f"{prefix}_entry",
                                                                    objects, record, entry_ir.NOT_AS_DECLARED)
    llvm_engine.compile_ir(ir.replace(lowered_prefix, prefix) if lowered_prefix else ir, key, level)
    return llvm_engine.address(f"{prefix}_call")


_MEMCPY = "declare void @llvm.memcpy.p0.p0.i64"


# With threads allowed, an export compiled whole whose loops may run in chunks
# (regions.find_regions finds them parallel) first runs them on one thread; once a call
# took CHUNKS_ABOVE_S its entry with the loops in chunks (host_chunks.py) compiles on a
# worker and takes over. A shorter one loses to chunks (a 64^3 matmul: 6.4 us on one
# thread, 8.3 us in two chunks); conv2d 1x32x32x16 gains (79 -> 56 us). Where the entry
# cannot run them in chunks, calls of HAND_OVER_S take the interpreter's path, whose
# compiled regions run such loops in chunks (vm/jit/native_chunks.py) at ~75 us more per
# call (argument views, allocations, host code: a 256^3 matmul), which chunks on two
# threads win back from about this long (that matmul: 299-309 us compiled whole, 261-263
# us there).
CHUNKS_ABOVE_S = 0.00005
HAND_OVER_S = 0.0002
# The allocations of an export whose loops run in chunks are zeroed by its entry, in
# parts, from this many bytes: each core then holds the rows its chunks write. Zeroed
# on the calling thread, the other core's chunks fetched theirs from it first
# (conv2d 1x32x32x16, a 57.6 KiB result: 8 us of a 50 us call on two cores).
ZEROED_IN_PARTS_BYTES = 32 << 10


class CompiledExport:
    """An export compiled whole without dispatches: `call(args)` gives its result (a
    tuple for several) or TAKE_SLOW_PATH. On several `threads` its loops that may run in
    chunks run so from the entry (host_chunks.py): the first call that reaches them
    gives their entry check its values, then TRIAL_WARMUP calls run in chunks and a trial
    of TRIAL_CALLS (in chunks, then on one thread: _PartsTrial) decides, whose outcome
    `on_trial(kept, fastest us)` hears. On
    one thread with `chunked` (see CHUNKS_ABOVE_S), a call that took CHUNKS_ABOVE_S calls
    `on_long_call(seconds)`."""

    def __init__(self, plan: host_plan.HostPlan, module, level: int, memory: MemoryPool, chunked: bool = False,
                 threads: int = 1):
        self.on_long_call = self.on_trial = None
        self.memory = memory
        rodata = [module.rodata[s.memory.index] for s in entry_ir.rodata_spans(plan)]
        self._keep = rodata      # the rodata arrays whose addresses ctx holds
        ctx = [id(np.ndarray)] + [id(dtype) for _, dtype in plan.arguments] + [b.address for b in rodata]
        code = region_code(plan, threads > 1 and switches.on("parallel"))
        self.loops = host_loops(plan, code, threads, len(ctx))
        if self.loops is not None:
            ctx += self.loops.words()
        else:       # nothing to decide or try: calls go straight to the entry (timed, `chunked`)
            self.call = self._timed_call if chunked else self.run
        self._undecided = self.loops is not None
        self._trial = None
        self.ctx = (ctypes.c_int64 * len(ctx))(*ctx)
        self.ctx_address = ctypes.addressof(self.ctx)
        self.arity = len(plan.arguments)
        self.aligned = _aligned_copies(plan, plan.read_only_arguments())
        # Each allocation as np.zeros makes it, or from POOLED_BYTES the program's pool
        # (memory already faulted: fresh pages from malloc cost a 256^3 matmul's call 30-50%
        # in some processes, as glibc trimmed its heap after each): the result array itself
        # when the allocation is all of one result, else bytes the results are views of.
        self.allocations = []
        for memory in plan.allocations:
            whole = plan.whole_result(memory)
            shape, dtype = (whole.shape, whole.dtype) if whole else ((memory.length,), np.dtype(np.uint8))
            self.allocations.append((shape, dtype, memory.length >= POOLED_BYTES))
        # With loops in chunks, the entry zeroes the allocations in as many parts
        # (entry_ir.entry_ir) when they come to ZEROED_IN_PARTS_BYTES.
        big = sum(memory.length for memory in plan.allocations) >= ZEROED_IN_PARTS_BYTES
        self.zeroed = tuple(range(len(plan.allocations))) if self.loops is not None and big else ()
        self.entry = fastcall.builtin(compile_entry(plan, level, code=code, loops=self.loops, zeroed=self.zeroed),
                                      self.ctx_address)
        index = {m: j for j, m in enumerate(plan.allocations)}
        self.results = [(index[r.memory], None if plan.whole_result(r.memory) else (r.offset, r.shape, r.dtype))
                        for r in plan.results]
        self.single = self.results[0][0] if len(self.results) == 1 and self.results[0][1] is None else None

    def _timed_call(self, args):
        start = time.perf_counter()
        result = self.run(args)
        seconds = time.perf_counter() - start
        if seconds >= CHUNKS_ABOVE_S and self.on_long_call is not None:
            self.on_long_call(seconds)
        return result

    def call(self, args):
        if self._undecided:
            return self._first_call(args)
        if self._trial is not None:
            return self._trial.call(args)
        return self.run(args)

    def _first_call(self, args):
        """A call before the loops' entry check: on one thread, noting what the loops see."""
        result = self.run(args)
        if result is not TAKE_SLOW_PATH and self._undecided:
            self._undecided = False
            if self.loops.decide(self.ctx):
                self._trial = _PartsTrial(self, [self.loops.base + host_chunks.POOL_WORD], self.loops.pool,
                                          TRIAL_WARMUP)
        return result

    def _allocation(self, j: int, shape: tuple, dtype, pooled: bool) -> np.ndarray:
        """Allocation `j`'s array for a call: zeroed, or for the entry to zero (`zeroed`)."""
        if not pooled:
            return np.empty(shape, dtype) if j in self.zeroed else np.zeros(shape, dtype)
        length = dtype.itemsize * math.prod(shape)
        memory = self.memory.empty(length, "an allocation") if j in self.zeroed else \
            self.memory.zeros(length, "an allocation")
        return memory.view(dtype).reshape(shape)

    def run(self, args):
        """A call on the entry as it is set."""
        if len(args) != self.arity:
            return TAKE_SLOW_PATH
        copies = None
        if self.aligned is not None:
            args, copies = self.aligned.take(args)
        memories = [self._allocation(j, shape, dtype, pooled) for j, (shape, dtype, pooled) in enumerate(self.allocations)]
        status = self.entry(*args, *memories)
        if copies is not None:
            self.aligned.give_back(copies)
        if status != entry_ir.DONE:
            return TAKE_SLOW_PATH
        if self.single is not None:
            return memories[self.single]
        results = tuple(memories[j] if view is None else
                        np.ndarray(view[1], view[2], memories[j], view[0]) for j, view in self.results)
        return results[0] if len(results) == 1 else results


# With threads allowed, VMVX dispatches binding more than this whose entries Numba compiled
# stay on the interpreter's path, which runs long dispatches' workgroups on several threads;
# the entry runs those on one (llvm_lower's run in parts on the native workers).
MAX_SERIAL_BINDING_BYTES = 4 << 20
# With threads allowed, a native dispatch binding this many bytes runs in parts on the
# native workers (native/native_workers.py); smaller ones gain less than the handoff.
PARALLEL_BINDING_BYTES = 256 << 10
# An export compiled whole whose VMVX dispatches' entry functions are not compiled yet
# queues their compiles at its second call when they are at most this many and either
# bind at most this many bytes or call no microkernel. A compile runs on a worker while
# the calls go on the interpreter's path: llvm_lower.py lowers an entry without
# microkernel calls in 0.04-0.3 s, which a few calls repay at any size (softmax 64x1024
# dyn-vmvx: 300 us per call on the interpreter's path, 223 us compiled whole, which the
# tier's threshold of interpreted time had not reached after 5 s of calls); Numba
# compiles one with them in seconds, which short calls repay over a few thousand. Others
# wait for the tier (vmvx_executable.ENTRY_JIT_SECONDS).
EAGER_ENTRIES = (4, 256 << 10)


class DispatchingExport:
    """An export whose code makes native or VMVX dispatches, compiled whole: `call(args)`
    as CompiledExport's. Each call takes two arenas, which the entry zeroes: one for its
    allocations, whose views the results are, one for argument copies and local
    memories, freed after the call (entry_ir.dispatch_entry_ir); with threads, copies
    and zeroing of 256 KiB or more run in `memory_parts` parts (_memory_parts). A VMVX
    dispatch calls its export's compiled entry function (_vmvx_entries). `in_place`: the
    arguments are the caller's buffer views' memory, which dispatches use as they are
    and may write, as IREE's do (else the caller's numpy arrays: copied unless no
    dispatch may write them)."""

    def __init__(self, plan: host_plan.HostPlan, module, level: int, memory: MemoryPool, context=None,
                 in_place: bool = False):
        self.context = context       # refuses calls once native code faulted (Context.damaged_by)
        self.memory = memory
        entries = _vmvx_entries(plan)
        serial = [plan.dispatches[d] for d, entry in entries.items() if entry.native is None]
        bound = sum(b.length for d in serial for b in d.bindings)
        if max(d.executable.threads for d in plan.dispatches) > 1 and bound > MAX_SERIAL_BINDING_BYTES:
            raise host_plan.Unsupported(f"VMVX dispatches bind {bound} bytes: their workgroups may run on threads")
        self.boxes = _parallel_boxes(plan, entries)
        # Argument copies first, in order (entry_ir zeroes around them); a local memory
        # of no bytes stays a null pointer, as on the interpreter's path.
        read_only = plan.read_only_arguments()
        self.wrapped = frozenset(range(len(plan.arguments))) if in_place else read_only
        scratch = [(("copy", k), dtype.itemsize * math.prod(shape)) for k, (shape, dtype) in enumerate(plan.arguments)
                   if k not in self.wrapped]
        scratch += [(("local", d, k), size) for d, dispatch in enumerate(plan.dispatches)
                    if (size := dispatch.executable.local_memory_size(dispatch.ordinal))
                    for k in range(len(self.boxes.get(d, [None])))]
        arenas = {"results": _arena([(("allocation", m.index), m.length) for m in plan.allocations]),
                  "scratch": _arena(scratch)}
        self.arenas = Arenas(arenas["results"][1], arenas["scratch"][1])
        layout = arenas["results"][0]
        rodata = [module.rodata[s.memory.index] for s in entry_ir.rodata_spans(plan)]
        self._keep = [rodata]
        ctx = [id(np.ndarray)] + [id(dtype) for _, dtype in plan.arguments] + [b.address for b in rodata]
        starts = []
        for d, dispatch in enumerate(plan.dispatches):
            starts.append(len(ctx))
            ctx += (self._vmvx_words(dispatch, entries[d], d in self.boxes) if d in entries
                    else self._library_words(dispatch, d in self.boxes))
        fields = {d: (e.counts.size, e.alloc_rows, [b.length for b in e.rodata], e.native is not None)
                  for d, e in entries.items()}
        memory_work, self.memory_parts = None, _memory_parts(plan, arenas["results"][1] + arenas["scratch"][1])
        if parts := self.memory_parts:
            pool = native_workers.pool()
            pool.start(parts - 1)
            memory_work = (len(ctx), parts)
            ctx += [pool.runner, pool.memory, memory_parts.part_address(), pool.syscall, *memory_parts.LIBC]
        self.ctx = (ctypes.c_int64 * len(ctx))(*ctx)
        self.ctx_address = ctypes.addressof(self.ctx)
        self.entry = fastcall.builtin(compile_entry(plan, level, arenas, starts, fields, self.arenas.copies_results,
                                                    self.boxes, self.wrapped, read_only, memory_work=memory_work),
                                      self.ctx_address)
        self.arity = len(plan.arguments)
        self.aligned = None if in_place else _aligned_copies(plan, self.wrapped)
        self.results = [(layout[("allocation", r.memory.index)] + r.offset, r.shape, r.dtype)
                        for r in plan.results]
        self.single = self.results[0] if len(self.results) == 1 else None
        self.pool_words = [starts[d] + (entry_ir.VMVX_POOL_WORD if d in entries else entry_ir.POOL_WORD)
                           for d in self.boxes]     # the trial's
        self._trial = _PartsTrial(self, self.pool_words, native_workers.pool(), TRIAL_WARMUP) if self.boxes else None
        self.on_trial = None      # on_trial(kept, fastest us in parts and in one) after the trial

    def _library_words(self, dispatch, in_parts: bool) -> list:
        """entry_ir.library_call's words: the workgroup loop, the export function and
        environment, the dispatch and workgroup state templates (kept alive here), and for
        a dispatch that runs `in_parts` the native workers' runner, pool and libc's
        syscall (else zeros: the entry never reads them, and no pool is made)."""
        executable, ordinal = dispatch.executable, dispatch.ordinal
        constants = np.array(dispatch.constants, np.uint32)
        lengths = (ctypes.c_uint64 * max(1, len(dispatch.bindings)))(*(b.length for b in dispatch.bindings))
        x, y, z = dispatch.counts
        state = DispatchStateV0(workgroup_size_x=1, workgroup_size_y=1, workgroup_size_z=1,
                                constant_count=constants.size, workgroup_count_x=x, workgroup_count_y=y,
                                workgroup_count_z=z, max_concurrency=1,
                                binding_count=len(dispatch.bindings),
                                constants=constants.ctypes.data, binding_ptrs=0,
                                binding_lengths=ctypes.addressof(lengths))
        workgroup = WorkgroupStateV0(processor_id=0, local_memory=0,
                                     local_memory_size=executable.local_memory_size(ordinal))
        self._keep += [executable, constants, lengths, state, workgroup]
        loop = native_dispatch.loop_address()
        pool = native_workers.pool() if in_parts else None
        return [loop, *executable.native_entry(ordinal), ctypes.addressof(state), ctypes.addressof(workgroup),
                *((pool.runner, pool.memory, pool.syscall) if pool else (0, 0, 0))]

    def _vmvx_words(self, dispatch, compiled, in_parts: bool) -> list:
        """entry_ir.vmvx_call's words: the compiled entry function, the constants, the
        entry's counts, for a dispatch that runs `in_parts` the native workers' runner,
        pool, the part loop and libc's syscall (else zeros), its rodata (kept alive here)."""
        constants = np.array(dispatch.constants, np.uint32)
        self._keep += [dispatch.executable, compiled, constants]
        pool = native_workers.pool() if in_parts else None
        return [compiled.address(), constants.ctypes.data, compiled.counts.ctypes.data,
                *((pool.runner, pool.memory, vmvx_entry_runner.part_address(), pool.syscall) if pool else (0,) * 4),
                *(buffer.address for buffer in compiled.rodata)]

    def call(self, args):
        if len(args) != self.arity or self.context.damaged_by is not None:
            return TAKE_SLOW_PATH
        copies = None
        if self.aligned is not None:
            args, copies = self.aligned.take(args)
        try:
            return self.run(args) if self._trial is None else self._trial.call(args)
        finally:
            if copies is not None:
                self.aligned.give_back(copies)

    def run(self, args):
        """A call (`call`'s checks passed)."""
        arenas = self.arenas
        if arenas.copies_results:
            return self._call_copying(args)
        arena = arenas.results()
        scratch = arenas.scratch()
        record = trap.record()
        status = self.entry(record, *args, arena, scratch)
        arenas.give_back(scratch)
        if status & 0xFF:
            trap.take_fault(record)
            return TAKE_SLOW_PATH
        base = status >> 8
        if self.single is not None:
            offset, shape, dtype = self.single
            return np.ndarray(shape, dtype, arena, base + offset)
        return tuple(np.ndarray(shape, dtype, arena, base + offset) for offset, shape, dtype in self.results)

    def _call_copying(self, args):
        """A call whose entry copies the results into new arrays: both arenas go back
        to the free list when it returns."""
        pair = self.arenas.pair()
        record = trap.record()
        if self.single is not None:
            _, shape, dtype = self.single
            result = np.empty(shape, dtype)
            status = self.entry(record, *args, *pair, result)
        else:
            result = tuple(np.empty(shape, dtype) for _, shape, dtype in self.results)
            status = self.entry(record, *args, *pair, *result)
        self.arenas.give_back_pair(pair)
        if status & 0xFF:
            trap.take_fault(record)
            return TAKE_SLOW_PATH
        return result


def _aligned_copies(plan: host_plan.HostPlan, read_only: frozenset) -> AlignedCopies | None:
    """The aligned copies of arguments code reads in place, for calls that pass them
    off a cache line (buffer.ALIGNED_COPY_BYTES), as the interpreter's path makes:
    read-only ones from POOLED_BYTES (a small one's copy gains nothing) up to that;
    None when no argument qualifies."""
    arguments = [(k, tuple(shape), np.dtype(dtype)) for k in sorted(read_only)
                 for shape, dtype in [plan.arguments[k]]
                 if (length := np.dtype(dtype).itemsize * math.prod(shape)) >= POOLED_BYTES
                 and wrap_alignment(length) == ALLOCATION_ALIGNMENT]
    return AlignedCopies(arguments) if arguments else None


class _PartsTrial:
    """The calls that decide whether an export's dispatches or loops run in parts: the
    first `warmup` calls, in parts, are not timed: an export's first calls are slower
    either way (fresh result pages, workers just started), by more than the parts gain
    (a 256^3 matmul's loops compiled whole: 400-580 us against 189-313 us warm). Then
    TRIAL_CALLS timed ones, in parts first, then in one part (the runner's pool words
    pointed at the pool's `always_busy`): parts stay if their fastest call beat the
    fastest in one part. Blocks, not alternating calls: the first calls in parts after
    calls in one part are slow (a 256^3 matmul's loops: 644, 451, then 215-250 us), as
    the worker slept and its core idled; alternating charged that to the parts and lost
    one trial in three of a 256^3 matmul's dispatch (parts 280-300 us in the trial, 152 us
    warm, one part 205 us). On two cores a dispatch that streams through memory just
    written by this thread (argument copies, zeroed results) can be slower in parts:
    elementwise over 1M, 630 us in one part, 1.1 ms in two. A lost trial is tried again
    after RETRY_AFTER calls, four times as many after each further loss: one noisy
    moment does not keep a long-running program on one core. No call is timed while a
    compile runs on a worker: on two cores it takes the one the parts need."""

    def __init__(self, export, words: list, pool, warmup: int = 0):
        self.export, self.words, self.pool = export, words, pool
        self.warmup_calls, self.retry_after = warmup, RETRY_AFTER
        self._begin()

    def _begin(self) -> None:
        self.seconds = {True: [], False: []}
        self.warmup, self.waiting = self.warmup_calls, 0
        self._parts(True)

    def _parts(self, on: bool) -> None:
        for word in self.words:
            self.export.ctx[word] = self.pool.memory if on else self.pool.always_busy

    def call(self, args):
        if self.waiting:
            self.waiting -= 1
            result = self.export.run(args)
            if not self.waiting:
                self._begin()
            return result
        if self.warmup or not background.idle():
            self.warmup = max(0, self.warmup - 1)
            return self.export.run(args)
        on = len(self.seconds[True]) * 2 < TRIAL_CALLS
        self._parts(on)
        start = time.perf_counter()
        result = self.export.run(args)
        self.seconds[on].append(time.perf_counter() - start)
        if len(self.seconds[True]) + len(self.seconds[False]) >= TRIAL_CALLS:
            self._decide()
        return result

    def _decide(self) -> None:
        kept = min(self.seconds[True]) < min(self.seconds[False])
        self._parts(kept)
        if kept:
            self.export._trial = None
        else:
            self.waiting, self.retry_after = self.retry_after, self.retry_after * 4
        if self.export.on_trial is not None:
            self.export.on_trial(kept, {on: round(min(s) * 1e6) for on, s in self.seconds.items()})


TRIAL_CALLS = 6
TRIAL_WARMUP = 6        # calls in parts before a trial's timed ones
RETRY_AFTER = 100       # calls in one part after a first lost trial before the next


class EntriesPending(Exception):
    """The export's VMVX dispatches' entry functions are not all compiled yet;
    `ready()` says when they are (or will never be)."""

    def __init__(self, ready):
        super().__init__("waiting for the entry functions of its VMVX dispatches to compile")
        self.ready = ready


def _vmvx_entries(plan: host_plan.HostPlan) -> dict:
    """The compiled entry function of each VMVX dispatch, by dispatch number; while one
    is not compiled yet, raises EntriesPending, having queued the compiles of the missing
    ones on a worker if the export is small or they call no microkernel (_eager), else
    leaving them to the tier;
    raises Unsupported for one that cannot be compiled or called (CompiledEntry.address)."""
    vmvx = _vmvx_dispatches(plan)
    found = {d: dispatch.executable.compiled_entry(dispatch.ordinal) for d, dispatch in vmvx.items()}
    missing = [d for d, entry in found.items() if entry is NOT_COMPILED_YET]
    for d in missing:
        if not vmvx[d].executable.entry_compilable(vmvx[d].ordinal):
            raise host_plan.Unsupported(f"{_entry_name(vmvx[d])} has ops the JIT cannot compile")
    if missing and _eager(plan, missing):
        from vmvxjit.vm.jit import background

        jobs = [background.submit(background.BACKGROUND_ONLY, vmvx[d].executable.compiled_entry,
                                  vmvx[d].ordinal, True) for d in missing]
        raise EntriesPending(lambda: all(job.done() for job in jobs))
    if missing:
        pending = [(dispatch.executable, dispatch.ordinal) for dispatch in vmvx.values()]
        raise EntriesPending(lambda: all(executable.compiled_entry(ordinal) is not NOT_COMPILED_YET
                                         for executable, ordinal in pending))
    for d, entry in found.items():
        if entry is None:
            raise host_plan.Unsupported(f"{_entry_name(vmvx[d])} is not compiled")
        if entry.address() is None:
            raise host_plan.Unsupported(f"Numba calls {_entry_name(vmvx[d])} another way than expected")
    return found


def _parallel_boxes(plan: host_plan.HostPlan, vmvx_entries: dict) -> dict:
    """The boxes (workers.split) of each dispatch that runs in parts on the native workers,
    by dispatch number: a library's or a VMVX one's whose entry llvm_lower.py made, with
    threads allowed, PARALLEL_BINDING_BYTES bound and several workgroups; the workers are
    started here."""
    boxes = {}
    for d, dispatch in enumerate(plan.dispatches):
        parts = native_workers.parts(dispatch.executable.threads)
        if ((d in vmvx_entries and vmvx_entries[d].native is None) or parts == 1
                or sum(b.length for b in dispatch.bindings) < PARALLEL_BINDING_BYTES):
            continue
        split = workers.split(dispatch.counts, parts)
        if len(split) > 1:
            boxes[d] = split
            native_workers.pool().start(len(split) - 1)
    return boxes


def _memory_parts(plan: host_plan.HostPlan, size: int) -> int:
    """In how many parts an export compiled whole does the copies and zeroing of its
    arenas of `size` bytes (memory_parts.py): 0 for on its own thread."""
    parts = native_workers.parts(max(d.executable.threads for d in plan.dispatches))
    return parts if parts > 1 and size >= memory_parts.PARALLEL_BYTES else 0


def _vmvx_dispatches(plan: host_plan.HostPlan) -> dict:
    return {d: dispatch for d, dispatch in enumerate(plan.dispatches)
            if isinstance(dispatch.executable, VmvxExecutable)}


def _eager(plan: host_plan.HostPlan, missing: list) -> bool:
    """Whether the entry functions of dispatches `missing` compile with the export (EAGER_ENTRIES)."""
    count, size = EAGER_ENTRIES
    if len(missing) > count:
        return False
    return (sum(b.length for d in missing for b in plan.dispatches[d].bindings) <= size
            or not any(plan.dispatches[d].executable.entry_calls_kernels(plan.dispatches[d].ordinal) for d in missing))


def _entry_name(dispatch) -> str:
    return f"the entry function of VMVX export '{dispatch.executable.export_names[dispatch.ordinal]}'"


def _arena(pieces: list) -> tuple[dict, int]:
    """(offset of each (key, length) piece, the arena's size): see entry_ir.dispatch_entry_ir."""
    layout, offset = {}, 0
    for key, length in pieces:
        layout[key] = offset
        offset += _aligned(length + entry_ir.ARENA_GUARD)
    return layout, entry_ir.ARENA_GUARD + entry_ir.ARENA_ALIGNMENT + offset


def _aligned(length: int) -> int:
    return -(-length // entry_ir.ARENA_ALIGNMENT) * entry_ir.ARENA_ALIGNMENT


def limited_by(context) -> str | None:
    """Why the limits of a program (a vm.context.Context) keep its exports off this
    route: compiled entries charge nothing to an allocation cap and check no deadline."""
    if context.allocations.cap is not None:
        return "an allocation cap is set"
    if context.deadline.enabled:
        return "a call deadline is set"
    return None


class HostRoute:
    """The compiled route of one export, compiled on demand (see the module docstring)."""

    def __init__(self, name: str, module, ordinal: int, declaration, tier: str, stats, limited: str | None,
                 memory: MemoryPool, enabled: bool | None = None, global_refs=(), context=None):
        self.name, self.module, self.ordinal, self.declaration = name, module, ordinal, declaration
        self.global_refs, self.context, self.memory = global_refs, context, memory
        self.stats = stats
        self.level = llvm_backend.OPTIMIZED
        self.calls_before_compile = 1
        self.waiting = None          # EntriesPending.ready of the last attempt to compile
        self.compiled: CompiledExport | None = None
        self.plan = self.argument_types = None
        self.in_place: DispatchingExport | None = None    # for calls with buffer views (call_views)
        self.in_place_failed = False
        self.handed_over = False     # calls take the interpreter's path for good (_hand_over)
        self.chunked = None          # the compile of the entry that runs its loops in chunks (_long_call)
        self.lock = threading.Lock()
        self.why_not = self._why_not(tier, limited, enabled)
        if self.why_not:
            self._record(f"not compiled whole ({self.why_not})")

    @staticmethod
    def _why_not(tier: str, limited: str | None, enabled: bool | None) -> str | None:
        if enabled is None:
            enabled = os.environ.get("VMVXJIT_HOST_FUNCTIONS", "1") != "0"
        if not enabled:
            return "host_functions off"
        if tier == "interp":
            return "interp tier"
        return limited or entry_ir.layout_problem()

    def _record(self, text: str) -> None:
        self.stats.host_functions[self.name] = text

    def call(self, args):
        """The call's result through compiled code, or TAKE_SLOW_PATH (once compiled,
        this attribute is the compiled export's `call` itself)."""
        return self.compiled.call(args) if self._ready() else TAKE_SLOW_PATH

    def call_views(self, views) -> list | None:
        """The results, as buffer views, of a call with buffer views `views` through
        compiled code (buffer_view_calls.py), or None for the interpreter's path. An export whose
        dispatches get copies of the caller's numpy arrays is compiled a second time
        for these, with the arguments in place (DispatchingExport's `in_place`)."""
        if self.handed_over or not self._ready():
            return None
        compiled = self.compiled
        wrapped = getattr(compiled, "wrapped", None)
        if wrapped is not None and len(wrapped) < compiled.arity:
            compiled = self.in_place or self._compile_in_place()
            if compiled is None:
                return None
        arrays = buffer_view_calls.arrays(views, self.argument_types, compiled is self.in_place)
        if arrays is None:
            return None
        result = compiled.call(arrays)
        return None if result is TAKE_SLOW_PATH else buffer_view_calls.buffer_views(result, self.plan)

    def _ready(self) -> bool:
        """Whether the export is compiled whole, compiling it at the second call."""
        if self.compiled is not None:
            return True
        if self.why_not:
            return False
        if self.calls_before_compile:
            self.calls_before_compile -= 1
            return False
        if self.waiting is not None and not self.waiting():
            return False
        with self.lock:
            if self.compiled is None and not self.why_not:
                self._compile()
        return self.compiled is not None

    def _compile_in_place(self):
        """The DispatchingExport for calls with buffer views, compiled at the first
        (None, and calls take the interpreter's path, if it fails to)."""
        with self.lock:
            if self.in_place is None and not self.in_place_failed:
                try:
                    self.in_place = DispatchingExport(self.plan, self.module, self.level, self.memory,
                                                      self.context, in_place=True)
                except Exception:     # as _compile's: a module no test foresaw keeps the old path
                    self.in_place_failed = True
        return self.in_place

    def _compile(self) -> None:
        start = time.process_time()
        try:
            plan = host_plan.plan(self.module, self.ordinal, self.declaration, self.global_refs)
            chunked = False
            if plan.dispatches:
                compiled = DispatchingExport(plan, self.module, self.level, self.memory, self.context)
            else:
                chunked = self._loops_in_chunks()
                compiled = CompiledExport(plan, self.module, self.level, self.memory, chunked)
        except EntriesPending as pending:
            self.waiting = pending.ready
            self._record(f"not compiled whole yet ({pending})")
            return
        except host_plan.Unsupported as reason:
            self.why_not = str(reason)
        except LoweringUnsupported as reason:
            self.why_not = f"region code not lowered to LLVM: {reason}"
        except Exception as error:     # a module no test foresaw: its calls keep the old path
            self.why_not = f"failed to compile: {type(error).__name__}: {error}"
        if self.why_not:
            self._record(f"not compiled whole ({self.why_not})")
            return
        text = f"compiled whole, host code included, in {(time.process_time() - start) * 1e3:.0f} ms"
        if getattr(compiled, "memory_parts", 0):
            text += f", copies and zeroing in {compiled.memory_parts} parts on native workers"
        parts = getattr(compiled, "boxes", None)
        if parts:
            names = ", ".join(f"{plan.dispatches[d].executable.export_names[plan.dispatches[d].ordinal]} "
                              f"in {len(boxes)}" for d, boxes in parts.items())
            self._record(f"{text}; dispatches in parts on native workers if faster: {names}")
            compiled.on_trial = lambda kept, fastest: self._record(
                f"{text}; dispatches {'in parts' if kept else 'in one part'} ({names}; fastest "
                f"{fastest[True]} us in parts, {fastest[False]} us in one)")
        else:
            self._record(text)
        if chunked:
            compiled.on_long_call = lambda seconds: self._long_call(plan, text, seconds)
        self.plan, self.argument_types = plan, buffer_view_calls.argument_types(plan)
        self.compiled = compiled
        self.call = compiled.call

    def _loops_in_chunks(self) -> bool:
        """Whether the interpreter's path may run some loop of the export in chunks on
        several threads (CompiledExport's `chunked`)."""
        if self.stats.threads == 1 or not switches.on("parallel"):
            return False
        return any(region.parallel for region in find_regions(self.module.functions[self.ordinal].instrs, {}))

    def _long_call(self, plan: host_plan.HostPlan, text: str, seconds: float) -> None:
        """A call of the entry that runs its loops on one thread took CHUNKS_ABOVE_S: the
        first queues the compile of the entry that runs them in chunks, a later one after
        it finished puts that entry in its place, or, where it has no such loops, hands
        calls of HAND_OVER_S to the interpreter's path."""
        if self.chunked is None:
            self.chunked = background.submit(background.BACKGROUND_ONLY, _chunked_export, plan, self.module,
                                             self.level, self.stats.threads, self.memory)
            return
        if not self.chunked.done():
            return
        compiled = self.chunked.result()
        if compiled is None:
            if seconds >= HAND_OVER_S:
                self._hand_over(text, seconds)
            return
        names = compiled.loops.names()
        self._record(f"{text}; loops in chunks on native workers if their check and a trial agree: {names}")
        compiled.on_trial = lambda kept, fastest: self._record(
            f"{text}; loops {'in chunks' if kept else 'on one thread'} ({names}; fastest "
            f"{fastest[True]} us in chunks, {fastest[False]} us on one thread)")
        self.compiled = compiled
        self.call = compiled.call

    def _hand_over(self, text: str, seconds: float) -> None:
        self.call, self.handed_over = _take_slow_path, True
        self._record(f"{text}; calls take the interpreter's path, whose loops run in chunks on "
                     f"{self.stats.threads} threads, since one took {seconds * 1e6:.0f} us")


def _chunked_export(plan: host_plan.HostPlan, module, level: int, threads: int,
                    memory: MemoryPool) -> CompiledExport | None:
    """The export compiled whole with its loops in chunks on `threads`, or None where it
    has none the entry can run so (or fails to compile: the calls go on as they were)."""
    try:
        compiled = CompiledExport(plan, module, level, memory, threads=threads)
    except Exception:        # as HostRoute._compile's: a module no test foresaw keeps its entry
        return None
    return compiled if compiled.loops is not None else None


def _take_slow_path(args):
    return TAKE_SLOW_PATH


def verdict(program, name: str) -> str:
    """What `--trace` says of export `name` of `program` (a runtime.Program), which the
    command line calls once with buffer views: whether library calls with numpy
    arrays would run it compiled whole (planned here, not compiled), or why not."""
    context = program.context
    why = HostRoute._why_not(context.tier, limited_by(context), program.host_functions)
    if why is None:
        function = program.signature(name)
        declaration = parse_declaration(function.attrs.get("iree.abi.declaration"), name)
        try:
            plan = host_plan.plan(program.module, program.module.exports[name], declaration,
                                  program.state.global_refs)
        except host_plan.Unsupported as reason:
            why = str(reason)
    if why:
        return f"not compiled whole ({why})"
    vmvx = _vmvx_dispatches(plan)
    for dispatch in vmvx.values():
        if not dispatch.executable.entry_compilable(dispatch.ordinal):
            return f"not compiled whole ({_entry_name(dispatch)} has ops the JIT cannot compile)"
    if vmvx and not _eager(plan, list(vmvx)):
        return "compiled whole with numpy arrays once the tier has compiled its VMVX entry functions"
    return "compiled whole from its second library call with numpy arrays or third call with buffer views"
