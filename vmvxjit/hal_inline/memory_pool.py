"""Host memory for a program's buffers, big allocations reused across calls.

Memory fresh from malloc costs more than its size suggests: above glibc's mmap
threshold every call may get newly mapped pages, and each page faults on its
first touch (a 4 MB buffer: ~1000 faults, more time than an elementwise pass
over it). The pool keeps allocations of `POOLED_BYTES` or more after their last
user lets go and hands them out again, already faulted, zeroed again when the
caller needs zeros. Memory native code may touch is kept whatever its size: each
allocation is a mapping between guard pages (native/guarded_memory.py), whose
system calls cost more than reuse. Other small ones come from numpy: malloc
reuses their pages.

An allocation is out of the pool for as long as anything refers to its memory:
the pool hands out `memory`, a uint8 array that every view of it (a buffer's
subspans, its vm.buffer, executables' bindings, a result array the caller
keeps) references, and takes the allocation back only when `memory` is
collected (a weak reference's callback: a third of what weakref.finalize costs
per allocation). A result handed to the caller is therefore never reused under it.

With `parts` above one (the threads a program may use), zeroing and copying a
region of PARALLEL_BYTES or more is split across the native workers
(native/memory_parts.py): on two cores a reused 4 MiB result zeroed 190 -> 95 us,
and each core then holds the half it zeroed in its cache.

Several threads call one program at once, and the collector runs finalizers in
any thread: a callback only pops `_out` and appends to `_returned` (both
atomic), and the free
lists, by size and in least-recently-used order, change under `_lock` alone.
"""

from __future__ import annotations

import threading
import weakref
from collections import deque

import numpy as np

from vmvxjit.hal_inline.buffer import aligned_zeros
from vmvxjit.vm.allocation_limit import UNLIMITED, AllocationLimit
from vmvxjit.vm.buffer import allocate_checked

PARALLEL_BYTES = 1 << 20     # zeroed or copied in parts from here (its job set-up in Python costs ~10 us)
POOLED_BYTES = 64 * 1024        # smaller allocations VM code alone uses come from numpy (malloc reuses them)
IDLE_BYTES = 256 * 1024 * 1024  # idle memory kept at most; the least recently used goes first
IDLE_REGIONS = 4096             # idle allocations kept at most (each guarded one holds three mappings)


class MemoryPool:
    """A program's host memory: `zeros` and `empty` charge `limit` while the memory
    is in use; `native_code` says whether executables' native code may touch it
    (then all of it is aligned, guarded and kept, see buffer.aligned_zeros)."""

    def __init__(self, limit: AllocationLimit = UNLIMITED, native_code: bool = True,
                 idle_bytes: int = IDLE_BYTES, idle_regions: int = IDLE_REGIONS, parts: int = 1):
        self.limit = limit
        self.parts = parts
        self.native_code = native_code
        self.idle_bytes = idle_bytes
        self.idle_regions = idle_regions
        self._pooled_from = 0 if native_code else POOLED_BYTES
        self._free: dict[int, list] = {}      # length -> idle aligned regions, by last use
        self._idle = 0
        self._idle_count = 0
        self._returned: deque = deque()        # regions whose memory was collected
        self._out: dict = {}                    # id of a weak reference to memory handed out -> (it, region)
        self._lock = threading.Lock()

    def zeros(self, length: int, what: str) -> np.ndarray:
        """`length` zeroed bytes for `what` (named in a RESOURCE_EXHAUSTED error)."""
        if length < self._pooled_from:
            return self.limit.allocate(length, _numpy_zeros, what)
        memory, reused = self._take(length, what)
        if reused and not self._in_parts(memory, None):
            memory.fill(0)
        return memory

    def empty(self, length: int, what: str) -> np.ndarray:
        """`length` bytes the caller overwrites entirely."""
        if length < self._pooled_from:
            return self.limit.allocate(length, _numpy_zeros, what)
        return self._take(length, what)[0]

    def copy(self, data: np.ndarray, what: str) -> np.ndarray:
        """Memory holding a copy of the uint8 array `data`."""
        memory = self.empty(data.size, what)
        if not (data.flags.c_contiguous and self._in_parts(memory, data)):
            memory[:] = data
        return memory

    def _in_parts(self, memory: np.ndarray, source: np.ndarray | None) -> bool:
        """Whether `memory` was zeroed (`source` None) or filled from `source` on the
        native workers (big enough, threads allowed and the workers free)."""
        if self.parts == 1 or memory.size < PARALLEL_BYTES:
            return False
        from vmvxjit.native import memory_parts, native_workers

        parts = native_workers.parts(self.parts)
        operation = (memory.ctypes.data, 0 if source is None else source.ctypes.data, memory.size)
        return parts > 1 and memory_parts.run([operation], parts)

    def idle(self) -> int:
        """Bytes held for reuse (after taking back what was collected)."""
        with self._lock:
            self._take_back()
            return self._idle

    def _take(self, length: int, what: str) -> tuple[np.ndarray, bool]:
        """(memory, whether it was used before) for `length` bytes, charged to the limit
        until `memory` is collected."""
        self.limit.charge(length, what)
        try:
            with self._lock:
                self._take_back()
                regions = self._free.pop(length, None)
                region = regions.pop() if regions else None
                if regions:
                    self._free[length] = regions      # most recently used size last
                if region is not None:
                    self._idle -= length
                    self._idle_count -= 1
            reused = region is not None
            if not reused:
                region = allocate_checked(length, aligned_zeros)
        except BaseException:
            self.limit.credit(length)
            raise
        memory = np.frombuffer(region.data, np.uint8)
        reference = weakref.ref(memory, self._collected)
        self._out[id(reference)] = reference, region
        return memory, reused

    def _collected(self, reference) -> None:
        region = self._out.pop(id(reference))[1]
        self.limit.credit(region.shape[0])
        self._returned.append(region)

    def _take_back(self) -> None:
        """Files collected regions under their sizes, dropping the least recently used
        sizes' regions past `idle_bytes` or `idle_regions` (called with the lock held)."""
        while self._returned:
            region = self._returned.popleft()
            length = region.shape[0]
            self._free.setdefault(length, []).append(region)
            self._idle += length
            self._idle_count += 1
        while self._idle > self.idle_bytes or self._idle_count > self.idle_regions:
            length = next(iter(self._free))
            regions = self._free[length]
            regions.pop(0)
            self._idle -= length
            self._idle_count -= 1
            if not regions:
                del self._free[length]


def _numpy_zeros(length: int) -> np.ndarray:
    return np.zeros(length, np.uint8)
