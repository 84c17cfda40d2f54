"""`query_tile_sizes.2d`: the data-tiling tile sizes IREE's x86-64 ukernels choose.

flags & 0xFF is the operand role (1 LHS -> (M0, K0), 2 RHS -> (N0, K0),
3 RESULT -> (M0, N0)); flags & 0xFF00 the matmul type. f32 and i8 sizes
depend on the CPU level (cpu.py); the f16/bf16 types get IREE's generic
8x4x8. An unknown role or type answers (0, 0), as IREE's release build does.
The requested sizes (usually -1, dynamic) do not influence the answer.
"""

from __future__ import annotations

from numba import njit

from vmvxjit.kernels.cpu import AVX2_FMA, AVX512_BASE, AVX512_VNNI

ROLE_LHS, ROLE_RHS, ROLE_RESULT = 1, 2, 3
MATMUL_F32F32F32 = 0x100
MATMUL_I8I8I32 = 0x200
MATMUL_BF16BF16BF16 = 0x600  # last of the f16/bf16 types (0x300-0x600)


@njit(cache=True)
def matmul_tile_sizes(operation, cpu_level):
    """(M0, K0, N0) for a matmul type, or (0, 0, 0) if not a matmul type."""
    if operation == MATMUL_F32F32F32:
        if cpu_level >= AVX512_BASE:
            return 16, 1, 16
        if cpu_level >= AVX2_FMA:
            return 8, 1, 8
        return 8, 1, 4
    if operation == MATMUL_I8I8I32:
        if cpu_level >= AVX512_VNNI:
            return 16, 2, 16
        if cpu_level >= AVX2_FMA:
            return 8, 2, 8
        return 8, 2, 4
    if MATMUL_I8I8I32 < operation <= MATMUL_BF16BF16BF16:
        return 8, 4, 8
    return 0, 0, 0


@njit(cache=True)
def query_tile_sizes_2d(flags, cpu_level):
    """(tile_size0, tile_size1) for the operand role and matmul type in `flags`."""
    m0, k0, n0 = matmul_tile_sizes(flags & 0xFF00, cpu_level)
    role = flags & 0xFF
    if role == ROLE_LHS:
        return m0, k0
    if role == ROLE_RHS:
        return n0, k0
    if role == ROLE_RESULT:
        return m0, n0
    return 0, 0
