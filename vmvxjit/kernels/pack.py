"""`pack` and `unpack`: between a 2-D strided matrix and a 4-D data-tiled one.

The tiled side has outer dims (n0, n1) and T0 x T1 tiles, stored row-major
with an arbitrary outer stride: tile (p, q), element (u, v) is at
`offset + p*stride0 + q*T0*T1 + u*T1 + v` (IREE ignores the stride1
argument and uses T0*T1). Seen from the matrix, tile (a, b) element (u, v)
is matrix element (a*t0 + u, b*t1 + v), where the matrix-side tile shape
(t0, t1) is (T0, T1), or (T1, T0) with TRANSPOSE_INNER, which stores it at
(v, u); TRANSPOSE_OUTER stores tile (a, b) at (p, q) = (b, a).

`pack` writes every tiled element, using `padding` (its low element bytes)
outside the matrix; `unpack` writes only the matrix elements. Element sizes
are 4 (f32/i32) or 1 (i8, pack only). The caller checks the regions and
that the tiles cover the matrix (IREE's ukernels assume it).

Kernel signatures (offsets/strides in elements, regions already checked):
  pack:   (src, src_offset, src_stride0, src_stride1, out, out_offset, out_stride0,
           rows, cols, out_size0, out_size1, out_size2, out_size3, padding, element_size,
           transpose_inner, transpose_outer)
  unpack: (src, src_offset, src_stride0, out, out_offset, out_stride0, out_stride1,
           in_size0, in_size1, in_size2, in_size3, rows, cols, transpose_inner, transpose_outer)
"""

from __future__ import annotations

import numpy as np
from numba import njit

from vmvxjit.kernels.views import ix, typed_view

TYPE_MASK = 0xFF
TYPE_F32 = 0x01
TYPE_I8 = 0x02
TYPE_I32 = 0x03
TRANSPOSE_INNER = 0x100
TRANSPOSE_OUTER = 0x200


@njit(cache=True)
def tiled_layout(size0, size1, size2, size3, transpose_inner, transpose_outer):
    """(n0, n1, t0, t1): tile grid and tile shape of a tiled operand as the matrix sees them."""
    n0, n1 = (size1, size0) if transpose_outer else (size0, size1)
    t0, t1 = (size3, size2) if transpose_inner else (size2, size3)
    return n0, n1, t0, t1


@njit(inline="always")
def _tile_start(a, b, offset, stride0, tile_size, transpose_outer):
    """Element index where matrix-side tile (a, b) starts in the tiled operand."""
    return offset + (b * stride0 + a * tile_size if transpose_outer else
                     a * stride0 + b * tile_size)


@njit(inline="always")
def _move_tile(tiled, start, band, column, t0, t1, transpose_inner, to_tiles):
    """Copies tile element (u, v) between band[u, column + v] and the tiled operand.

    The tiled element is at `start + u*t1 + v`, or `start + v*t0 + u` when
    transposed; the longer tile dimension is the inner loop.
    """
    step_u, step_v = (1, t0) if transpose_inner else (t1, 1)
    if t1 >= t0:
        for u in range(t0):
            row = band[u]
            for v in range(t1):
                if to_tiles:
                    tiled[ix(start + u * step_u + v * step_v)] = row[ix(column + v)]
                else:
                    row[ix(column + v)] = tiled[ix(start + u * step_u + v * step_v)]
    else:
        for v in range(t1):
            for u in range(t0):
                if to_tiles:
                    tiled[ix(start + u * step_u + v * step_v)] = band[ix(u), ix(column + v)]
                else:
                    band[ix(u), ix(column + v)] = tiled[ix(start + u * step_u + v * step_v)]


@njit(inline="always")
def _pack(src, src_offset, src_stride0, src_stride1, out, out_offset, out_stride0, rows, cols,
          size0, size1, size2, size3, padding, transpose_inner, transpose_outer):
    n0, n1, t0, t1 = tiled_layout(size0, size1, size2, size3, transpose_inner, transpose_outer)
    width = n1 * t1
    band = np.empty((t0, width), out.dtype)  # one row of tiles, padded
    for a in range(n0):
        for u in range(t0):
            r = a * t0 + u
            row = band[u]
            valid = cols if r < rows else 0
            first = src_offset + r * src_stride0
            for c in range(valid):
                row[ix(c)] = src[ix(first + c * src_stride1)]
            for c in range(valid, width):
                row[ix(c)] = padding
        for b in range(n1):
            start = _tile_start(a, b, out_offset, out_stride0, size2 * size3, transpose_outer)
            _move_tile(out, start, band, b * t1, t0, t1, transpose_inner, True)


@njit(cache=True)
def pack(src, src_offset, src_stride0, src_stride1, out, out_offset, out_stride0, rows, cols,
         out_size0, out_size1, out_size2, out_size3, padding, element_size, transpose_inner,
         transpose_outer):
    """Tiles the rows x cols matrix `src` into `out`, padding partial tiles."""
    if element_size == 4:
        _pack(typed_view(src, np.uint32, 4), src_offset, src_stride0, src_stride1,
              typed_view(out, np.uint32, 4), out_offset, out_stride0, rows, cols, out_size0,
              out_size1, out_size2, out_size3, np.uint32(padding & 0xFFFFFFFF), transpose_inner,
              transpose_outer)
    else:
        _pack(src, src_offset, src_stride0, src_stride1, out, out_offset, out_stride0, rows,
              cols, out_size0, out_size1, out_size2, out_size3, np.uint8(padding & 0xFF),
              transpose_inner, transpose_outer)


@njit(cache=True)
def unpack(src, src_offset, src_stride0, out, out_offset, out_stride0, out_stride1, in_size0,
           in_size1, in_size2, in_size3, rows, cols, transpose_inner, transpose_outer):
    """Writes the rows x cols matrix `out` from the 32-bit tiled `src`."""
    src32 = typed_view(src, np.uint32, 4)
    out32 = typed_view(out, np.uint32, 4)
    n0, n1, t0, t1 = tiled_layout(in_size0, in_size1, in_size2, in_size3, transpose_inner,
                                  transpose_outer)
    band = np.empty((t0, n1 * t1), np.uint32)  # one row of tiles
    for a in range(min(n0, (rows + t0 - 1) // t0)):
        for b in range(n1):
            start = _tile_start(a, b, src_offset, src_stride0, in_size2 * in_size3,
                                transpose_outer)
            _move_tile(src32, start, band, b * t1, t0, t1, transpose_inner, False)
        for u in range(min(t0, rows - a * t0)):
            row = band[u]
            first = out_offset + (a * t0 + u) * out_stride0
            for c in range(cols):
                out32[ix(first + c * out_stride1)] = row[ix(c)]
