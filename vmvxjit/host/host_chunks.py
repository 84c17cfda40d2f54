"""The loops of an export compiled whole that run their iterations in chunks on the
native workers, from the entry itself (entry_ir.py): no Python between the chunks.

On the interpreter's path a region hands such a loop to Python (parallel_run.py), which
checks at entry that its iterations touch disjoint bytes and runs the chunks. An
export compiled whole has the same loops (parallel_loops.find over its blocks) and
runs them in the same way, with the check made once in Python:

* Arriving at a loop's header from before it (its MODE bit set, parallel_code.py), the
  region leaves; the entry notes the registers the check reads (the loop's inputs,
  its counter, bound and step) in `ctx`'s words for the loop.
* After the call that saw them first, `decide` runs parallel_run's entry check on
  those values over the export's spans, placed apart as their memories are (the
  arguments are read-only and every allocation is new, so a verdict does not depend
  on where a call's arrays are). An independent loop keeps those values as its guard.
* The entry runs the loop in chunks only when its registers equal the guard, and the
  workers are free: the region's function entered at the header in mode CHUNK on
  frames of its own, the counter at the chunk's first iteration and the chunk
  register at its end, one job each; else on one thread, as one chunk. The last
  chunk's registers are the loop's; a chunk that faults makes the call take the
  interpreter's path, which raises the serial run's error.
"""

from __future__ import annotations

from vmvxjit.native import memory_parts, native_workers
from vmvxjit.vm.jit import native_chunks, parallel_code
from vmvxjit.vm.jit.parallel_loops import CHUNK as CHUNK_REGISTER, MODE
from vmvxjit.vm.jit.parallel_run import LoopRunner

UNDECIDED, GUARDED, SERIAL = 0, 1, 2      # a loop's state word
# ctx's first words of the loops, by offset: the native workers' runner, its pool's
# memory, the chunk loop (each job's), libc's syscall; then the MODE value.
RUNNER_WORD, POOL_WORD, LOOP_WORD, SYSCALL_WORD, MODE_WORD = range(5)


class _Placed:
    """A span as the entry check sees a buffer: its address in a layout that keeps
    each memory apart, and its length."""

    def __init__(self, address: int, length: int):
        self.address, self.length = address, length


class HostLoop:
    """One loop of the export's region code that may run in chunks, and its ctx words:
    the state, the guard (one word per checked register), the values a call saw."""

    def __init__(self, code, loop, k: int, spans: int, base: int):
        self.loop, self.k = loop, k
        self.runner = LoopRunner(code, loop, k, list(range(spans)), f"loop at {loop.header:08X}")
        index = {slot: i for i, (slot, _) in enumerate(code.int_vars)}
        self.checked = [loop.iv, loop.bound, loop.step, *(r for r in loop.inputs if r in index)]
        self.slots = [index[r] for r in self.checked]
        self.iv = self.slots[0]
        self.state, self.guard, self.seen = base, base + 1, base + 1 + len(self.checked)
        self.words = 1 + 2 * len(self.checked)
        self.header_status = code.exits.index(loop.header)
        self.exit_status = code.exits.index(loop.exit)


class HostLoops:
    """The chunked loops of one export compiled whole (see the module docstring)."""

    def __init__(self, code, spans: list, parts: int, base: int):
        self.parts = parts
        self.mode_index = code.int_vars.index((MODE, "i64"))
        self.chunk_index = code.int_vars.index((CHUNK_REGISTER, "i64"))
        self.base = base
        self.loops, at = [], base + MODE_WORD + 1
        for k, loop in enumerate(code.parallel):
            found = HostLoop(code, loop, k, len(spans), at)
            self.loops.append(found)
            at += found.words
        self.mode_word = base + MODE_WORD
        self.memory_at = at         # the memory parts' loop, libc's memcpy, memset, memcmp (memory_words)
        memories = {}
        for span in spans:
            memories.setdefault(span.memory, (len(memories) + 1) << 44)
        self.buffers = [_Placed(memories[s.memory] + s.offset, s.length) for s in spans]
        self.pool = native_workers.pool()
        self.pool.start(parts - 1)

    def runner_words(self) -> list:
        """The ctx indices of the runner and its pool, chunk loop and syscall words."""
        return [self.base + word for word in (RUNNER_WORD, POOL_WORD, LOOP_WORD, SYSCALL_WORD)]

    def memory_words(self) -> list:
        """The ctx indices of the words entry_ir._memory_in_parts takes: the runner, its
        pool (which a trial's calls in one part point at a pool always busy, so the
        memory work then runs in one part too), the memory parts' loop, libc's syscall,
        memcpy, memset and memcmp."""
        runner, pool, _, syscall = self.runner_words()
        libc = range(self.memory_at + 1, self.memory_at + 1 + len(memory_parts.LIBC))
        return [runner, pool, self.memory_at, syscall, *libc]

    def words(self) -> list:
        """ctx's words from `base`: the runner's, the MODE value (every loop's bit), then
        each loop's (undecided, no guard), then the memory parts'."""
        mode = sum(parallel_code.enter(h.k) for h in self.loops)
        words = [self.pool.runner, self.pool.memory, native_chunks.loop_address(), self.pool.syscall, mode]
        for h in self.loops:
            words += [UNDECIDED] + [0] * (h.words - 1)
        return words + [memory_parts.part_address(), *memory_parts.LIBC]

    def decide(self, ctx) -> bool:
        """Checks each undecided loop on the values the last call saw; whether any runs
        in chunks now."""
        for h in self.loops:
            if ctx[h.state] != UNDECIDED:
                continue
            seen = [ctx[h.seen + j] for j in range(len(h.checked))]
            start, bound, step = seen[:3]
            values = dict(zip(h.checked, seen))
            values.update(h.runner.unused)
            n = -(-(bound - start) // step) if step > 0 else 0
            independent = (h.runner.inputs is not None and step > 0 and n >= self.parts
                           and h.runner.independent(values, self.buffers, start, step, n))
            if independent:
                for j, value in enumerate(seen):
                    ctx[h.guard + j] = value
            ctx[h.state] = GUARDED if independent else SERIAL
        if not any(ctx[h.state] == GUARDED for h in self.loops):
            ctx[self.mode_word] = 0       # no loop hands over: the region runs them in place
            return False
        return True

    def names(self) -> str:
        return ", ".join(f"loop at {h.loop.header:08X}" for h in self.loops)
