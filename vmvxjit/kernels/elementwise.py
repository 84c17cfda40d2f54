"""The x32 elementwise kernels: 32-bit binary and unary ops over 2-D strided regions.

Like IREE's elementwise.c, every operand is a uint32 bit pattern; float ops
reinterpret it as f32 (f32 arithmetic, `expf`/`logf`/`sqrtf` of the C
library, which is what Numba calls for float32 math) and integer ops wrap.
Shift counts use their low 5 bits, as x86 does for IREE's C shifts.

One driver per arity loops over the region; the operation is a constant
baked into each kernel (a closure over its opcode), so Numba prunes the
opcode tests and LLVM vectorizes the loop. Kernels return 0, or
`ARITHMETIC_FAULT` for integer division by zero or INT_MIN / -1 (where
IREE's process dies with SIGFPE); the caller raises the error.

Kernel signatures (offsets/strides in elements, regions already checked):
  binary: (lhs, lhs_offset, lhs_stride0, lhs_stride1, rhs, ..., out, ..., size0, size1) -> status
  unary:  (in, in_offset, in_stride0, in_stride1, out, ..., size0, size1) -> status
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import leading_zeros

from vmvxjit.kernels.views import ix, typed_view
from vmvxjit.native.numba_intrinsics import f32_from_u32, u32_from_f32

OK = 0
ARITHMETIC_FAULT = 1

# Binary opcodes.
(ADDF, SUBF, MULF, DIVF, ADDI, SUBI, MULI, DIVSI, DIVUI, ANDI, ORI, XORI, SHLI, SHRSI,
 SHRUI) = range(15)
# Unary opcodes.
ABSF, NEGF, CEILF, FLOORF, EXPF, LOGF, RSQRTF, CTLZ = range(8)

_INT32_MIN = -(1 << 31)


@njit(inline="always")
def _binary_op(op, a, b):
    """One element: (result bits, fault) for uint32 operand bits `a`, `b`."""
    if op == ADDF:
        return u32_from_f32(f32_from_u32(a) + f32_from_u32(b)), False
    if op == SUBF:
        return u32_from_f32(f32_from_u32(a) - f32_from_u32(b)), False
    if op == MULF:
        return u32_from_f32(f32_from_u32(a) * f32_from_u32(b)), False
    if op == DIVF:
        return u32_from_f32(f32_from_u32(a) / f32_from_u32(b)), False
    if op == ADDI:
        return np.uint32(a + b), False
    if op == SUBI:
        return np.uint32(a - b), False
    if op == MULI:
        return np.uint32(a * b), False
    if op == DIVSI:
        x = np.int64(np.int32(a))
        y = np.int64(np.int32(b))
        if y == 0 or (x == _INT32_MIN and y == -1):
            return np.uint32(0), True
        q = abs(x) // abs(y)
        return np.uint32(-q if (x < 0) != (y < 0) else q), False
    if op == DIVUI:
        if b == 0:
            return np.uint32(0), True
        return np.uint32(a // b), False
    if op == ANDI:
        return np.uint32(a & b), False
    if op == ORI:
        return np.uint32(a | b), False
    if op == XORI:
        return np.uint32(a ^ b), False
    if op == SHLI:
        return np.uint32(a << (b & 31)), False
    if op == SHRSI:
        return np.uint32(np.int32(a) >> (b & 31)), False
    if op == SHRUI:
        return np.uint32(a >> (b & 31)), False
    return np.uint32(0), True


@njit(inline="always")
def _unary_op(op, a):
    """One element: result bits for uint32 operand bits `a`."""
    if op == CTLZ:
        return np.uint32(leading_zeros(a))
    x = f32_from_u32(a)
    if op == ABSF:
        return u32_from_f32(abs(x))
    if op == NEGF:
        return u32_from_f32(-x)
    if op == CEILF:
        return u32_from_f32(np.ceil(x))
    if op == FLOORF:
        return u32_from_f32(np.floor(x))
    if op == EXPF:
        return u32_from_f32(math.exp(x))
    if op == LOGF:
        return u32_from_f32(math.log(x))
    return u32_from_f32(np.float32(1.0) / math.sqrt(x))  # RSQRTF


@njit(inline="always")
def _binary_2d(op, lhs, lhs_offset, lhs_stride0, lhs_stride1, rhs, rhs_offset, rhs_stride0,
               rhs_stride1, out, out_offset, out_stride0, out_stride1, size0, size1):
    lhs32 = typed_view(lhs, np.uint32, 4)
    rhs32 = typed_view(rhs, np.uint32, 4)
    out32 = typed_view(out, np.uint32, 4)
    for i in range(size0):
        for j in range(size1):
            value, fault = _binary_op(op, lhs32[ix(lhs_offset + i * lhs_stride0 + j * lhs_stride1)],
                                      rhs32[ix(rhs_offset + i * rhs_stride0 + j * rhs_stride1)])
            if fault:
                return ARITHMETIC_FAULT
            out32[ix(out_offset + i * out_stride0 + j * out_stride1)] = value
    return OK


@njit(inline="always")
def _unary_2d(op, src, src_offset, src_stride0, src_stride1, out, out_offset, out_stride0,
              out_stride1, size0, size1):
    src32 = typed_view(src, np.uint32, 4)
    out32 = typed_view(out, np.uint32, 4)
    for i in range(size0):
        for j in range(size1):
            out32[ix(out_offset + i * out_stride0 + j * out_stride1)] = _unary_op(
                op, src32[ix(src_offset + i * src_stride0 + j * src_stride1)])
    return OK


def binary_kernel(op: int):
    """The compiled binary kernel for opcode `op`."""

    @njit(cache=True, error_model="numpy")
    def kernel(lhs, lhs_offset, lhs_stride0, lhs_stride1, rhs, rhs_offset, rhs_stride0,
               rhs_stride1, out, out_offset, out_stride0, out_stride1, size0, size1):
        return _binary_2d(op, lhs, lhs_offset, lhs_stride0, lhs_stride1, rhs, rhs_offset,
                          rhs_stride0, rhs_stride1, out, out_offset, out_stride0, out_stride1,
                          size0, size1)

    return kernel


def unary_kernel(op: int):
    """The compiled unary kernel for opcode `op`."""

    @njit(cache=True, error_model="numpy")
    def kernel(src, src_offset, src_stride0, src_stride1, out, out_offset, out_stride0,
               out_stride1, size0, size1):
        return _unary_2d(op, src, src_offset, src_stride0, src_stride1, out, out_offset,
                         out_stride0, out_stride1, size0, size1)

    return kernel
