"""Arrays placed where a test needs their bytes: relative to a cache line, in guarded memory."""

import numpy as np

from vmvxjit.hal_inline.buffer import aligned_zeros


def placed_at(array: np.ndarray, offset: int) -> np.ndarray:
    """A copy of `array` starting `offset` bytes past a 64-byte boundary, in memory like
    the HAL's allocations (zeros around it, guard pages beyond)."""
    memory = aligned_zeros(array.nbytes + 64)[offset:offset + array.nbytes]
    copy = memory.view(array.dtype)
    copy[:] = array
    return copy
