"""Runs a compiled region's loops in chunks on the reused worker threads
(native/workers.py), where parallel_loops.py found their iterations independent and
the entry check agrees.

With threads to spare, a region enters its loops that may gain (never measured yet, or
their last run long enough: native_chunks.PARALLEL_ABOVE_S where the native workers take
its chunks, else workers.PARALLEL_ABOVE_S) through Python (parallel_code.py):
arriving at such a loop, it hands its registers back and the loop's LoopRunner takes
over. A first run is measured on one thread; after a long enough run, the entry check computes every iteration's byte ranges from the registers and
buffers: the per-iteration program with the interpreter's own op semantics (exact
integers), then each access's elements over its inner counters, as runs of contiguous
bytes. The loop goes parallel only if every access stays in its buffer and no byte one
iteration writes is touched by another. Each chunk is the region entered at the loop
header in mode CHUNK with its own frame, the counter at the chunk's first iteration and
the chunk register at its end; it runs the serial code on its iterations, without the
GIL (one call of LLVM code on a native worker, native_chunks.py, else ctypes on a Python
worker), and leaves where the loop exits. The last chunk leaves the registers as
the serial loop does (it writes no other live register); a fault is that of the first
faulting chunk, which met it after the same iterations as the serial loop did. Then the
region goes on from the loop's exit. Verdicts are kept per entry state (registers, and
buffer lengths and overlaps), so a warm loop pays a dictionary lookup.

Chunks can lose: iterations that write interleaved elements (a channel each, in NHWC)
make both cores write the same cache lines, and a short loop pays the handoff. So each
entry state's first run is on one thread, and once CHUNKED_TRIALS runs in chunks (after
a first, which may start the workers) were none faster than the fastest on one thread,
that state runs on one thread (runs beside a compile on a worker are not counted; ShuffleNet
static: of 47 loops over 0.1 ms, 16 ran 1.1-2.5x slower in two chunks). A loop whose
every state seen runs on one thread for good (or is not independent) is no longer
entered through Python.
"""

from __future__ import annotations

import math
import re
import time

from vmvxjit.native import workers
from vmvxjit.vm.jit import background, native_chunks
from vmvxjit.vm.jit.allocations import SCRATCH
from vmvxjit.vm.jit.parallel_code import CHUNK, enter
from vmvxjit.vm.jit.parallel_loops import CHUNK as CHUNK_REGISTER, MODE
from vmvxjit.vm.semantics import PURE_OPS

MAX_INTERVALS = 1 << 16     # byte runs the check may compare; more: run serially
CHUNKED_TRIALS = 4          # runs in chunks an entry state gets to beat its runs on one thread,
                            # after a first one that starts workers and loads code (~1-2 ms more)
_VERDICTS = 256             # entry states whose verdict is kept, per loop
_REGISTER = re.compile(r"r(\d+)_i64")


def _expression(expr):
    """A function of the register values `v` computing affine expression `expr` exactly."""
    if isinstance(expr, int):
        return lambda v, value=expr: value
    return eval("lambda v: " + _REGISTER.sub(r"v[\1]", expr))  # our own text: affine.py's expressions


class ParallelLoops:
    """The loops of one compiled region that may run in chunks, by where the region
    reaches them: entered at their header, or leaving for it (parallel_code.enter)."""

    def __init__(self, code, buffer_registers: list, label: str):
        runners = self.runners = [LoopRunner(code, loop, k, buffer_registers, label)
                                  for k, loop in enumerate(code.parallel)]
        self.mode_index = code.int_vars.index((MODE, "i64"))
        self.chunk_index = code.int_vars.index((CHUNK_REGISTER, "i64"))
        # Entries in such a loop (its header, or an inner loop's on-stack replacement) need
        # the chunk register set to its bound: the region's own entries, and a loop's header
        # where the region goes on after the chunks of a loop that exits there.
        self.inside = {entry: r for pc, entry in code.entry_ids.items() for r in runners if pc in r.loop.blocks}
        self.inside.update((r.entry, r) for r in runners)
        self.by_exit = {code.exits.index(r.loop.header): r for r in runners if r.loop.header in code.exits}
        self.bound = runners[0].loop.bound

    def serial_slots(self, int_slots: list) -> None:
        """Makes a frame's fill give the chunk and mode registers a valid register's value
        (`run` sets both before they are read)."""
        int_slots[self.mode_index] = int_slots[self.chunk_index] = self.bound

    def run(self, compiled, frame, entry_id: int, buffers: list, threads: int) -> int:
        """Runs the region from block `entry_id` on `frame`; its exit status. On a worker
        (a part of a split VMVX dispatch) its loops run in place."""
        threads = 1 if workers.on_worker() else threads
        native = native_chunks.available(compiled.fn)
        above_s = native_chunks.PARALLEL_ABOVE_S if native else workers.PARALLEL_ABOVE_S
        for runner in self.runners:
            runner.above_s = above_s
        mode = sum(r.bit for r in self.runners if r.may_gain(threads))
        frame.ri[self.mode_index] = mode
        while True:
            runner = self.inside.get(entry_id)
            if runner is not None:
                frame.ri[self.chunk_index] = frame.ri[runner.bound_index]
            if runner is None or entry_id != runner.entry or not mode & runner.bit:
                status = compiled.run_code(frame, entry_id)
                runner = self.by_exit.get(status)
                if runner is None or not mode & runner.bit:    # not a handoff: a loop that allocates left
                    return status
            status = runner.run(compiled, frame, buffers, threads)
            if status != runner.exit_status or runner.exit_block is None:
                return status
            entry_id = runner.exit_block


class LoopRunner:
    """Runs one ParallelLoop: in chunks when it may, else on one thread."""

    def __init__(self, code, loop, k: int, buffer_registers: list, label: str):
        self.loop = loop
        self.bit = enter(k)
        self.label = f"{label} loop at {loop.header:08X}"
        self.entry, self.exit_block = loop.header_block, loop.exit_block
        index = {slot: i for i, (slot, _) in enumerate(code.int_vars)}
        self.iv_index, self.bound_index, self.step_index = (index[r] for r in (loop.iv, loop.bound, loop.step))
        self.chunk_index, self.mode_index = index[CHUNK_REGISTER], index[MODE]
        # An input whose local may hold another type than an integer is never checked. One
        # without a local (an i64 register's second slot, copied with it) holds nothing
        # the region reads as a value.
        usable = not set(loop.inputs) & set(code.multi_slots)
        self.inputs = [(r, index[r]) for r in loop.inputs if r in index] if usable else None
        self.unused = {r: 0 for r in loop.inputs if r not in index}
        self.exit_status = code.exits.index(loop.exit) if loop.exit in code.exits else None
        self.counters = [(c.iv, _expression(c.init), _expression(c.bound), _expression(c.step))
                         for c in loop.counters]
        self.accesses = [(a.raw, int(a.code[1:].split(".")[0]) // 8, a.write, _expression(a.form.offset),
                          [(k, _expression(a.form.coef(loop.counters[k].iv))) for k in a.loops], a.private)
                         for a in loop.accesses]
        self.buffer_index = {r: i for i, r in enumerate(buffer_registers)}
        # Buffers each iteration allocates for itself: each chunk runs on its own copy,
        # which only an entry that made the region's buffers has (allocations.py).
        self.private = [self.buffer_index[r] for r in loop.private]
        self.verdicts: dict = {}      # entry state -> _Verdict
        self.settled = False          # every entry state seen runs on one thread for good
        self.last_seconds = None      # of its last run as on one thread; a first run measures it
        self.above_s = workers.PARALLEL_ABOVE_S     # a last run this long runs in chunks (ParallelLoops.run)

    def may_gain(self, threads: int) -> bool:
        """Whether the loop should be entered through `run`: threads to spare, an entry check
        it can make, and no last run too short to gain from chunks."""
        return (threads > 1 and self.inputs is not None and not self.settled
                and (self.last_seconds is None or self.last_seconds >= self.above_s))

    def run(self, compiled, frame, buffers: list, threads: int) -> int:
        """Runs the loop from `frame` (the region stopped at its header, or entered
        there); the exit status of its last chunk (`exit_status` where it ended)."""
        ri = frame.ri
        mode = ri[self.mode_index]
        start, bound, step = ri[self.iv_index], ri[self.bound_index], ri[self.step_index]
        ri[self.chunk_index] = bound
        verdict = None
        if any(frame.mut[b] != SCRATCH for b in self.private):   # no buffers of its own to copy
            parts = 1
        else:
            parts, verdict = self._parts(ri, buffers, start, bound, step, threads)
        n = -(-(bound - start) // step) if parts > 1 else 1
        frames = [frame] + [compiled.take_chunk_frame(len(buffers)) for _ in range(parts - 1)]
        began = time.perf_counter()
        try:
            for k, chunk in enumerate(frames):
                if chunk is not frame:
                    chunk.copy_inputs(frame)
                    for b in self.private:
                        chunk.addrs[b] = chunk.scratch(b, frame.lens[b])
                chunk.ri[self.mode_index] = CHUNK
                chunk.ri[self.iv_index] = start + step * (n * k // parts)
                chunk.ri[self.chunk_index] = bound if k == parts - 1 else start + step * (n * (k + 1) // parts)
            native = False
            if parts == 1:
                statuses = [compiled.run_code(frame, self.entry)]
            else:
                native, statuses = self._chunks(compiled, frames)
            failed = next((k for k, s in enumerate(statuses) if s < 0), None)
            last = len(frames) - 1 if failed is None else failed
            if frames[last] is not frame:
                frame.copy_outputs(frames[last])
        finally:
            for chunk in frames[1:]:
                compiled.return_chunk_frame(chunk)
        seconds = time.perf_counter() - began
        self.last_seconds = seconds * parts
        if verdict is not None and background.idle():     # a compile beside it takes a core
            verdict.ran(parts > 1, seconds)
            self.settled = all(v.settled() for v in self.verdicts.values())
        if parts > 1:
            compiled.stats.ran_parallel_loop(self.label, parts, native)
        ri[self.mode_index] = mode
        return statuses[last]

    def _chunks(self, compiled, frames: list) -> tuple[bool, list]:
        """Whether the native workers ran the loop's chunks on `frames` (at once; else the
        Python workers did, where the native ones cannot take them), and their exit statuses."""
        fn = compiled.fn
        statuses = native_chunks.run(fn, frames, self.entry) if native_chunks.available(fn) else None
        if statuses is None:
            return False, workers.run_parts([lambda c=c: compiled.run_code(c, self.entry) for c in frames])
        return True, [compiled.go_on(frame, status) for frame, status in zip(frames, statuses)]

    def _parts(self, ri, buffers: list, start: int, bound: int, step: int, threads: int) -> tuple:
        """How many chunks to run the loop in, and the entry state's _Verdict (None when
        not looked up): one chunk unless threads are allowed, it ran long enough (a
        first run is measured, unless any run is), it has several iterations, the entry
        check finds them independent and chunks have not lost to one thread there."""
        unmeasured = self.last_seconds is None and self.above_s > 0
        if unmeasured or not self.may_gain(threads) or step <= 0 or bound - start <= step:
            return 1, None
        n = -(-(bound - start) // step)
        values = {r: ri[i] for r, i in self.inputs}
        key = (tuple(values.values()), _layout(buffers))
        values.update(self.unused)
        verdict = self.verdicts.get(key)
        if verdict is None:
            if len(self.verdicts) >= _VERDICTS:
                self.verdicts.clear()
            verdict = self.verdicts[key] = _Verdict(self.independent(values, buffers, start, step, n),
                                                    always=self.above_s == 0)
        return (min(threads, n) if verdict.in_chunks() else 1), verdict

    # the entry check ------------------------------------------------------------------

    def independent(self, values: dict, buffers: list, start: int, step: int, n: int) -> bool:
        """Whether no byte an iteration writes is touched by another, every access in
        its buffer (else the serial loop runs, and faults as it should)."""
        if n * len(self.accesses) > MAX_INTERVALS:   # too long to check in Python
            return False
        footprints = []
        try:
            for t in range(n):
                if not self._iteration(values, buffers, start + step * t, t, footprints):
                    return False
        except Exception:  # an op the program evaluates faults: the serial run reports it
            return False
        return _disjoint(footprints)

    def _iteration(self, values: dict, buffers: list, j: int, t: int, footprints: list) -> bool:
        """Adds iteration `t`'s footprints (buffer, bytes per element, write, iteration,
        first element, [(element stride, count), ...]); False if one leaves its buffer."""
        loop = self.loop
        v = dict(values)
        v[loop.iv] = j
        for step in loop.program:
            kind = step[0]
            if kind == "op":
                _, mnemonic, reads, write, const = step
                v[write] = const if const is not None else PURE_OPS[mnemonic](*[v[r] for r in reads])
            elif kind == "copy":
                values = [v[s] for s, _ in step[1]]
                for (_, d), value in zip(step[1], values):
                    v[d] = value
            else:
                ranges = {}
                for raw, size, write, offset, dims, private in self.accesses[step[1]:step[2]]:
                    base, strides = offset(v), []
                    for k, coef in dims:
                        if k not in ranges:
                            iv, init, bound, by = self.counters[k]
                            first, by = init(v), by(v)
                            if by <= 0:
                                return False
                            ranges[k] = (first, by, max(0, -(-(bound(v) - first) // by)))
                        first, by, count = ranges[k]
                        c = coef(v)
                        base += c * first
                        strides.append((c * by, count))
                    if any(count == 0 for _, count in strides):
                        continue
                    lo = base + sum(min(0, d * (c - 1)) for d, c in strides)
                    hi = base + sum(max(0, d * (c - 1)) for d, c in strides)
                    buffer = buffers[self.buffer_index[raw]]
                    if lo < 0 or (hi + 1) * size > buffer.length:
                        return False
                    if not private:
                        footprints.append((buffer.address, size, write, t, base, strides, lo, hi))
        return True


class _Verdict:
    """What one entry state of a loop does: whether its iterations are independent, and
    its fastest runs on one thread and in chunks. A loop that runs in chunks however
    short (`always`: PARALLEL_ABOVE_S 0) keeps them whatever they take."""

    def __init__(self, independent: bool, always: bool = False):
        self.independent, self.always = independent, always
        self.serial = self.chunked = math.inf
        self.trials = 0

    def in_chunks(self) -> bool:
        """Independent, measured on one thread, and not yet beaten there by chunks."""
        if not self.independent or self.always:
            return self.independent
        return self.serial < math.inf and (self.trials <= CHUNKED_TRIALS or self.chunked < self.serial)

    def settled(self) -> bool:
        """Whether this state runs on one thread from now on."""
        return not self.independent or (not self.always and self.trials > CHUNKED_TRIALS
                                        and self.chunked >= self.serial)

    def ran(self, chunked: bool, seconds: float) -> None:
        if chunked:
            if self.trials:
                self.chunked = min(self.chunked, seconds)
            self.trials += 1
        else:
            self.serial = min(self.serial, seconds)


def _layout(buffers: list) -> tuple:
    """What of the buffers' placement a verdict depends on: their lengths, and where two
    overlap, how far apart they start (new allocations per call keep their verdict)."""
    spans = [(b.address, b.length) for b in buffers]
    overlaps = tuple((i, k, a - b) for i, (a, n) in enumerate(spans) for k, (b, m) in enumerate(spans)
                     if i < k and a < b + m and b < a + n)
    return tuple(n for _, n in spans), overlaps


def _disjoint(footprints: list) -> bool:
    """Whether no written byte of one iteration is a byte another iteration touches:
    first by each access's bytes over all iterations, then by the contiguous runs of
    those that may meet a write."""
    envelopes = [(addr + lo * size, addr + (hi + 1) * size) for addr, size, _, _, _, _, lo, hi in footprints]
    writes = [e for e, f in zip(envelopes, footprints) if f[2]]
    if not writes:
        return True
    low, high = min(s for s, _ in writes), max(e for _, e in writes)
    intervals = []
    for (s, e), (addr, size, write, t, base, strides, _, _) in zip(envelopes, footprints):
        if not write and (e <= low or high <= s):
            continue
        if not _runs(intervals, addr, size, write, t, base, strides):
            return False
    intervals.sort()
    top_writes: list = []
    top_all: list = []
    for s, e, write, t in intervals:
        if any(end > s and u != t for end, u in top_writes):
            return False
        if write and any(end > s and u != t for end, u in top_all):
            return False
        if write:
            _keep(top_writes, e, t)
        _keep(top_all, e, t)
    return True


def _runs(intervals: list, addr: int, size: int, write: bool, t: int, base: int, strides: list) -> bool:
    """Adds the byte runs of one footprint to `intervals`; False past MAX_INTERVALS."""
    run, rest = 1, []
    for d, count in sorted(strides, key=lambda s: abs(s[0])):
        if d == 0:
            continue
        if not rest and abs(d) == run:
            if d < 0:
                base += d * (count - 1)
            run *= count
        else:
            rest.append((d, count))
    starts = [base]
    for d, count in rest:
        if len(starts) * count + len(intervals) > MAX_INTERVALS:
            return False
        starts = [s + d * i for s in starts for i in range(count)]
    intervals += [(addr + s * size, addr + (s + run) * size, write, t) for s in starts]
    return True


def _keep(top: list, end: int, t: int) -> None:
    """`top`: the two largest run ends of distinct iterations, with theirs."""
    for item in top:
        if item[1] == t:
            item[0] = max(item[0], end)
            break
    else:
        top.append([end, t])
    top.sort(reverse=True)
    del top[2:]
