"""Raw 2-D strided copies (`copy.2d.x8` … `x64`) and the 32-bit fill (`fill.2d.x32`).

Copies move element bit patterns of 1, 2, 4 or 8 bytes, i-major and j-minor
like IREE's loops (which matters only when source and destination overlap).

Kernel signatures (offsets/strides in elements, regions already checked):
  copy: (src, src_offset, src_stride0, src_stride1, out, out_offset, out_stride0, out_stride1,
         size0, size1)
  fill_2d_x32: (value, out, out_offset, out_row_stride, size0, size1)
"""

from __future__ import annotations

import numpy as np
from numba import njit

from vmvxjit.kernels.views import ix, typed_view

_ELEMENT_TYPES = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


@njit(inline="always")
def copy_2d(dtype, element_size, src, src_offset, src_stride0, src_stride1, out, out_offset,
            out_stride0, out_stride1, size0, size1):
    """The copy loop for elements of `dtype` (`element_size` bytes)."""
    src_view = typed_view(src, dtype, element_size)
    out_view = typed_view(out, dtype, element_size)
    for i in range(size0):
        for j in range(size1):
            out_view[ix(out_offset + i * out_stride0 + j * out_stride1)] = src_view[
                ix(src_offset + i * src_stride0 + j * src_stride1)]


def copy_kernel(element_size: int):
    """The compiled copy kernel for elements of `element_size` bytes."""
    dtype = _ELEMENT_TYPES[element_size]

    @njit(cache=True)
    def kernel(src, src_offset, src_stride0, src_stride1, out, out_offset, out_stride0,
               out_stride1, size0, size1):
        copy_2d(dtype, element_size, src, src_offset, src_stride0, src_stride1, out,
                out_offset, out_stride0, out_stride1, size0, size1)

    return kernel


@njit(cache=True)
def fill_2d_x32(value, out, out_offset, out_row_stride, size0, size1):
    """Stores the low 32 bits of `value` at `out[offset + i*row_stride + j]`."""
    out32 = typed_view(out, np.uint32, 4)
    bits = np.uint32(value & 0xFFFFFFFF)
    for i in range(size0):
        row = out_offset + i * out_row_stride
        for j in range(size1):
            out32[ix(row + j)] = bits
