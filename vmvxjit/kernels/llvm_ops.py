"""Scalar operations Numba lacks, emitted as single LLVM instructions.

The x32 elementwise kernels move 32-bit patterns and reinterpret them as
f32 only inside an operation (as IREE's C does with pointer casts), and the
mmt4d tile functions IREE selects on AVX2/AVX-512 machines use fused
multiply-add. Both need exact LLVM semantics: `bitcast` and `llvm.fma.f32`
(always fused, whatever CPU the code runs on).
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def f32_from_bits(typingctx, bits):
    """The f32 whose bit pattern is the uint32 `bits`."""
    if bits != types.uint32:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())

    return types.float32(types.uint32), codegen


@intrinsic
def bits_from_f32(typingctx, value):
    """The bit pattern (uint32) of the f32 `value`."""
    if value != types.float32:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(32))

    return types.uint32(types.float32), codegen


@intrinsic
def fma_f32(typingctx, a, b, c):
    """`a * b + c` in f32 with a single rounding."""
    if not (a == b == c == types.float32):
        return None

    def codegen(context, builder, signature, args):
        f32 = ir.FloatType()
        fma = cgutils.get_or_insert_function(builder.module, ir.FunctionType(f32, [f32] * 3),
                                             "llvm.fma.f32")
        return builder.call(fma, args)

    return types.float32(types.float32, types.float32, types.float32), codegen
