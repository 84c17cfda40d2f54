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
"""

from __future__ import annotations

import sys

import numpy as np

from vmvxjit.hal_inline.buffer import aligned_zeros
from vmvxjit.hal_inline.memory_pool import POOLED_BYTES

KEPT_RESULTS = 4      # results arenas an export keeps for reuse


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
