"""`mmt4d`: matmul of data-tiled operands, f32 x f32 -> f32 and s8 x s8 -> s32.

For i < M, j < N the M0 x N0 row-major output tile at element
`out_offset + i*out_stride0 + j*M0*N0` becomes (the tile if accumulate,
else 0) plus, in (k, k0) order, `L[i,k,m0,k0] * R[j,k,n0,k0]`, where L's
tile (i, k) starts at `lhs_offset + i*lhs_stride0 + k*M0*K0` (row-major
M0 x K0) and R's tile (j, k) at `rhs_offset + j*rhs_stride0 + k*N0*K0`.

f32 rounding follows the tile function IREE selects: its x86-64 AVX2 and
AVX-512 tile functions (`has_arch_tile`) use fused multiply-add, the generic
one multiplies then adds. s8 products and sums wrap in 32 bits, so any
order gives IREE's result. The caller handles IREE's early exits (M or N = 0,
or K = 0 with accumulate) and the flag checks.

`mmt4d_kernel(type, n0, k0, fused)` picks a kernel, all with the signature
  (lhs, lhs_offset, lhs_stride0, rhs, rhs_offset, rhs_stride0, out, out_offset, out_stride0,
   m, n, k, m0, n0, k0, accumulate)   (offsets/strides in elements, regions already checked)
* for N0 <= 16 and K0 <= 4 (every shape IREE's compiler and tile query use), a
  kernel compiled for that N0 and K0 that keeps tile rows in vector registers
  across K (mmt4d_tile.py); its n0 and k0 arguments must equal the baked ones;
* otherwise a generic kernel: the RHS panels of a block of output columns are
  copied into a (K*K0) x width matrix, then each output row accumulates
  `x * rhs_row` over a whole block row, a long contiguous loop LLVM
  vectorizes (four depth steps per pass, same order per element).
"""

from __future__ import annotations

import functools

import numpy as np
from numba import njit

from vmvxjit.kernels.cpu import AVX2_FMA, AVX512_BASE
from vmvxjit.kernels.mmt4d_tile import FUSED, UNFUSED, WRAPPING, tile_rows
from vmvxjit.kernels.views import ix, typed_view
from vmvxjit.native.numba_intrinsics import fma_f32

TYPE_MASK = 0xFF
TYPE_F32F32F32 = 0x01
TYPE_S8S8S32 = 0x02
ACCUMULATE = 0x100
ALLOW_GENERIC_FALLBACK = 0x200

# Output elements of one block of tile rows kept hot by the generic kernel.
_BLOCK_ELEMENTS = 4096
# Tile shapes that get a register-tiled kernel.
_MAX_TILED_N0 = 16
_MAX_TILED_K0 = 4
# Element (dtype, size) of LHS/RHS and of the output, per mode.
_IN_TYPES = {FUSED: (np.float32, 4), UNFUSED: (np.float32, 4), WRAPPING: (np.int8, 1)}
_OUT_TYPES = {FUSED: (np.float32, 4), UNFUSED: (np.float32, 4), WRAPPING: (np.int32, 4)}


@njit(cache=True)
def has_arch_tile(mmt4d_type, m0, n0, k0, cpu_level):
    """Whether IREE's x86-64 ukernels have a tile function for this case.

    (ukernel/arch/x86_64/mmt4d_x86_64_tiles.inl; the tile functions use fused multiply-add.)
    """
    if mmt4d_type == TYPE_F32F32F32:
        arch_k0 = 1
    elif mmt4d_type == TYPE_S8S8S32:
        arch_k0 = 2
    else:
        return False
    if k0 != arch_k0 or m0 < 1 or (m0 & (m0 - 1)) != 0:
        return False
    if n0 == 8:
        return cpu_level >= AVX2_FMA and m0 <= 8
    if n0 == 16:
        return cpu_level >= AVX512_BASE and m0 <= 16
    return False


@njit(inline="always")
def _step(mode, acc, x, r):
    if mode == FUSED:
        return fma_f32(x, r, acc)
    return acc + x * r


@njit(inline="always")
def _lhs_element(lhs, lhs_row, d, a, m0, k0):
    """L[i, d // k0, a, d % k0] for the row of LHS tiles starting at `lhs_row`."""
    kk = d // k0
    return lhs[ix(lhs_row + kk * m0 * k0 + a * k0 + (d - kk * k0))]


@njit(inline="always")
def _accumulate(mode, acc, rows, lhs, lhs_row, m0, k0, depth, width):
    """acc[a, :width] (+)= sum over d of L[.., d, a] * rows[d, :width], d in order."""
    d = 0
    while d + 4 <= depth:
        r0, r1, r2, r3 = rows[d], rows[d + 1], rows[d + 2], rows[d + 3]
        for a in range(m0):
            x0 = _lhs_element(lhs, lhs_row, d, a, m0, k0)
            x1 = _lhs_element(lhs, lhs_row, d + 1, a, m0, k0)
            x2 = _lhs_element(lhs, lhs_row, d + 2, a, m0, k0)
            x3 = _lhs_element(lhs, lhs_row, d + 3, a, m0, k0)
            row = acc[a]
            for c in range(width):
                row[ix(c)] = _step(mode, _step(mode, _step(mode, _step(
                    mode, row[ix(c)], x0, r0[ix(c)]), x1, r1[ix(c)]), x2, r2[ix(c)]), x3,
                    r3[ix(c)])
        d += 4
    while d < depth:
        r0 = rows[d]
        for a in range(m0):
            x0 = _lhs_element(lhs, lhs_row, d, a, m0, k0)
            row = acc[a]
            for c in range(width):
                row[ix(c)] = _step(mode, row[ix(c)], x0, r0[ix(c)])
        d += 1


@njit(inline="always")
def _mmt4d_rows(mode, lhs, lhs_offset, lhs_stride0, rhs, rhs_offset, rhs_stride0, out,
                out_offset, out_stride0, m, n, k, m0, n0, k0, accumulate, acc_dtype):
    depth = k * k0
    out_tile = m0 * n0
    block_tiles = max(1, _BLOCK_ELEMENTS // max(1, out_tile))
    rows = np.empty((depth, min(n, block_tiles) * n0), acc_dtype)
    acc = np.zeros((m0, min(n, block_tiles) * n0), acc_dtype)
    for j_start in range(0, n, block_tiles):
        tiles = min(block_tiles, n - j_start)
        width = tiles * n0
        # rows[kk*k0 + q, jj*n0 + b] = R[j_start + jj, kk, b, q]
        for jj in range(tiles):
            for kk in range(k):
                panel = rhs_offset + (j_start + jj) * rhs_stride0 + kk * n0 * k0
                for b in range(n0):
                    for q in range(k0):
                        rows[ix(kk * k0 + q), ix(jj * n0 + b)] = rhs[ix(panel + b * k0 + q)]
        for i in range(m):
            out_row = out_offset + i * out_stride0 + j_start * out_tile
            for a in range(m0):
                for jj in range(tiles):
                    for b in range(n0):
                        tile_element = out_row + jj * out_tile + a * n0 + b
                        acc[a, jj * n0 + b] = out[tile_element] if accumulate else 0
            _accumulate(mode, acc, rows, lhs, lhs_offset + i * lhs_stride0, m0, k0, depth, width)
            for a in range(m0):
                for jj in range(tiles):
                    for b in range(n0):
                        out[out_row + jj * out_tile + a * n0 + b] = acc[a, jj * n0 + b]


@functools.cache
def generic_kernel(mode: int):
    """The kernel for any tile shape, computing steps as `mode` says."""
    in_dtype, in_size = _IN_TYPES[mode]
    out_dtype, out_size = _OUT_TYPES[mode]

    @njit(cache=True, error_model="numpy")
    def kernel(lhs, lhs_offset, lhs_stride0, rhs, rhs_offset, rhs_stride0, out, out_offset,
               out_stride0, m, n, k, m0, n0, k0, accumulate):
        _mmt4d_rows(mode, typed_view(lhs, in_dtype, in_size), lhs_offset, lhs_stride0,
                    typed_view(rhs, in_dtype, in_size), rhs_offset, rhs_stride0,
                    typed_view(out, out_dtype, out_size), out_offset, out_stride0, m, n, k, m0,
                    n0, k0, accumulate, out_dtype)

    return kernel


@functools.cache
def tiled_kernel(mode: int, tile_n0: int, tile_k0: int):
    """The register-tiled kernel for N0 = tile_n0, K0 = tile_k0 (any M0)."""
    in_dtype, in_size = _IN_TYPES[mode]
    out_dtype, out_size = _OUT_TYPES[mode]

    @njit(cache=True, error_model="numpy")
    def kernel(lhs, lhs_offset, lhs_stride0, rhs, rhs_offset, rhs_stride0, out, out_offset,
               out_stride0, m, n, k, m0, n0, k0, accumulate):
        lhs_ = typed_view(lhs, in_dtype, in_size)
        rhs_ = typed_view(rhs, in_dtype, in_size)
        out_ = typed_view(out, out_dtype, out_size)
        lhs_k_stride = m0 * tile_k0
        for i in range(m):
            for j in range(n):
                tile = out_offset + i * out_stride0 + j * m0 * tile_n0
                lhs_tile = lhs_offset + i * lhs_stride0
                rhs_tile = rhs_offset + j * rhs_stride0
                # Rows in chunks of 16, 8, 4, 2, 1: each chunk's rows stay in registers.
                r = 0
                while m0 - r >= 16:
                    tile_rows(mode, 16, tile_n0, tile_k0, out_, tile + r * tile_n0, lhs_,
                              lhs_tile + r * tile_k0, lhs_k_stride, rhs_, rhs_tile, k, accumulate)
                    r += 16
                if m0 - r >= 8:
                    tile_rows(mode, 8, tile_n0, tile_k0, out_, tile + r * tile_n0, lhs_,
                              lhs_tile + r * tile_k0, lhs_k_stride, rhs_, rhs_tile, k, accumulate)
                    r += 8
                if m0 - r >= 4:
                    tile_rows(mode, 4, tile_n0, tile_k0, out_, tile + r * tile_n0, lhs_,
                              lhs_tile + r * tile_k0, lhs_k_stride, rhs_, rhs_tile, k, accumulate)
                    r += 4
                if m0 - r >= 2:
                    tile_rows(mode, 2, tile_n0, tile_k0, out_, tile + r * tile_n0, lhs_,
                              lhs_tile + r * tile_k0, lhs_k_stride, rhs_, rhs_tile, k, accumulate)
                    r += 2
                if m0 - r >= 1:
                    tile_rows(mode, 1, tile_n0, tile_k0, out_, tile + r * tile_n0, lhs_,
                              lhs_tile + r * tile_k0, lhs_k_stride, rhs_, rhs_tile, k, accumulate)

    return kernel


def mmt4d_kernel(mmt4d_type: int, n0: int, k0: int, fused: bool):
    """The kernel for this type and tile shape (see the module docstring)."""
    if mmt4d_type == TYPE_S8S8S32:
        mode = WRAPPING
    else:
        mode = FUSED if fused else UNFUSED
    if 1 <= n0 <= _MAX_TILED_N0 and 1 <= k0 <= _MAX_TILED_K0:
        return tiled_kernel(mode, n0, k0)
    return generic_kernel(mode)
