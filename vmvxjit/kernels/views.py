"""Typed views of VM buffer bytes inside kernels.

A `vm.buffer` reaches a kernel as its 1-D uint8 array. Offsets and strides
count elements, so element `k` of an `element_size`-byte type is bytes
`[k*element_size, (k+1)*element_size)`, exactly as IREE's pointer casts
address them. A trailing partial element is dropped (numpy views need a
whole number of elements); the region checks never let a kernel reach it.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(inline="always")
def typed_view(data, dtype, element_size):
    """`data` (uint8) seen as elements of `dtype`, `element_size` bytes each."""
    usable = data.shape[0] - data.shape[0] % element_size
    return data[:usable].view(dtype)


@njit(inline="always")
def ix(index):
    """`index` as uint64: Numba skips its negative-index wraparound for unsigned
    indices, which otherwise keeps LLVM from vectorizing loops. Callers
    guarantee `index >= 0` (the region checks do)."""
    return np.uint64(index)
