"""The memory of an export compiled whole: guarded arenas reused across calls.

Its dispatches write their results and argument copies in two arenas
(entry_ir.dispatch_entry_ir). Each is a mapping between guard pages
(native/guarded_memory.py), so native code driven past its bindings by damaged
VM bytecode faults in the trap instead of damaging the heap; a new mapping costs
~9 us, so arenas are reused. Results smaller than POOLED_BYTES are copied by the
entry into new numpy arrays (many small results kept by a caller would otherwise
each hold a mapping, and a process has at most ~65,000), so both arenas go back
when the call returns (`pair`). Bigger results are views of their arena, which
stays out until nothing refers to it (`results`), as a pool's memory would.
Arguments read in place that come off a cache line are read from aligned copies
the export keeps for reuse (`AlignedCopies`).
"""

from __future__ import annotations

import ctypes
import sys

import numpy as np

from vmvxjit.hal_inline.buffer import ALLOCATION_ALIGNMENT, aligned_zeros
from vmvxjit.hal_inline.memory_pool import POOLED_BYTES
from vmvxjit.native.memory_parts import MEMCMP

KEPT_RESULTS = 4      # results arenas an export keeps for reuse
_MEMCMP = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)(MEMCMP)


class Arenas:
    """`results()` and `scratch()` arenas of the sizes entry_ir laid out."""

    def __init__(self, results_size: int, scratch_size: int):
        self.results_size = results_size
        self.scratch_size = scratch_size
        self.copies_results = results_size < POOLED_BYTES
        self._results: list[np.ndarray] = []
        self._scratch: list[np.ndarray] = []
        self._pairs: list[tuple[np.ndarray, np.ndarray]] = []

    def results(self) -> np.ndarray:
        """A results arena nothing refers to: a kept one (its only references are the
        list's, the loop's and getrefcount's) or a new one."""
        for arena in self._results:
            if sys.getrefcount(arena) == 3:
                return arena
        arena = aligned_zeros(self.results_size)
        if len(self._results) < KEPT_RESULTS:
            self._results.append(arena)
        return arena

    def scratch(self) -> np.ndarray:
        """A scratch arena no call is using (give it back with `give_back`)."""
        try:
            return self._scratch.pop()
        except IndexError:
            return aligned_zeros(self.scratch_size)

    def give_back(self, scratch: np.ndarray) -> None:
        self._scratch.append(scratch)

    def pair(self) -> tuple[np.ndarray, np.ndarray]:
        """A results and a scratch arena no call is using (give them back with
        `give_back_pair`)."""
        try:
            return self._pairs.pop()
        except IndexError:
            return aligned_zeros(self.results_size), aligned_zeros(self.scratch_size)

    def give_back_pair(self, pair: tuple[np.ndarray, np.ndarray]) -> None:
        self._pairs.append(pair)


class AlignedCopies:
    """Aligned arrays for the arguments (index, shape, dtype) an export reads in place,
    for calls that pass them off a cache line: a set per call, taken before the entry
    and given back after it (its results are never argument memory, so nothing refers
    to a set then). Reused: a copy from the memory pool cost ~3 us more per argument
    (a 256^3 matmul's two operands: 14 us of its 200). A set's copy is written only
    when it differs from the argument (libc's memcmp stops at the first difference): an
    argument passed again unchanged stays in both cores' caches as it was (that matmul
    on two threads with the same arrays each call: 182 -> 162 us). Addresses are asked
    once: numpy's `.ctypes.data` costs ~0.9 us (a conv's two operands: 11.2 -> 6.1-7.0 us
    a call for `take`)."""

    def __init__(self, arguments: list):
        self.arguments = arguments
        self._free: list[list[np.ndarray]] = []

    def take(self, args: tuple) -> tuple[tuple, list | None]:
        """`args` with each misaligned C-contiguous array of its argument's shape and
        dtype replaced by an aligned copy (others go on as they are: the entry checks
        them), and the set of copies to give back (None if none was used)."""
        copies = None
        for j, (k, shape, dtype) in enumerate(self.arguments):
            value = args[k]
            if value.__class__ is not np.ndarray:
                continue
            address = value.ctypes.data     # ~0.9 us each time it is asked
            if (address % ALLOCATION_ALIGNMENT and value.shape == shape and value.dtype == dtype
                    and value.flags.c_contiguous):
                if copies is None:
                    copies = self._free.pop() if self._free else self._new()
                copy, copy_address = copies[j]
                if _MEMCMP(copy_address, address, value.nbytes):
                    np.copyto(copy, value)
                args = (*args[:k], copy, *args[k + 1:])
        return args, copies

    def give_back(self, copies: list | None) -> None:
        if copies is not None:
            self._free.append(copies)

    def _new(self) -> list[tuple[np.ndarray, int]]:
        """A set: each argument's aligned copy and its address."""
        copies = [aligned_zeros(dtype.itemsize * int(np.prod(shape))).view(dtype).reshape(shape)
                  for _, shape, dtype in self.arguments]
        return [(copy, copy.ctypes.data) for copy in copies]
