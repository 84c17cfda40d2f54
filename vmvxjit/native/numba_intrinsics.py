"""LLVM-level operations Numba lacks, for the JIT's generated code and the microkernels.

Raw pointers from integer addresses (buffers are passed as address +
length, so read-only and writable memory share one compiled signature),
bit casts, count-leading-zeros, fused multiply-add (always fused, whatever
CPU the code runs on), and direct calls of the C math library by
symbol name — the same `expf`/`remainderf`/`llroundf` the interpreter calls
through ctypes, so both tiers agree to the last bit — and the monotonic clock. Everything here is
resolvable by name, which keeps generated functions cachable on disk.

The x32 elementwise microkernels move 32-bit patterns as uint32 and
reinterpret them as f32 only inside an operation (as IREE's C does with
pointer casts): `f32_from_u32`/`u32_from_f32`; the JIT keeps registers
signed: `f32_from_bits`/`bits_from_f32`.
"""

from __future__ import annotations

import ctypes

from llvmlite import binding, ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from vmvxjit.native import clock
from vmvxjit.native.libm import LIBM

_F32, _F64, _I32, _I64 = ir.FloatType(), ir.DoubleType(), ir.IntType(32), ir.IntType(64)


@intrinsic
def voidptr(typingctx, address):
    """The untyped pointer at integer `address` (for numba.carray)."""
    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], ir.IntType(8).as_pointer())
    return types.voidptr(types.int64), codegen


def _bitcast(source, target, dst_ir):
    @intrinsic
    def cast(typingctx, value):
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], dst_ir)
        return target(source), codegen
    return cast


f32_from_bits = _bitcast(types.int32, types.float32, _F32)
bits_from_f32 = _bitcast(types.float32, types.int32, _I32)
f64_from_bits = _bitcast(types.int64, types.float64, _F64)
bits_from_f64 = _bitcast(types.float64, types.int64, _I64)
f32_from_u32 = _bitcast(types.uint32, types.float32, _F32)
u32_from_f32 = _bitcast(types.float32, types.uint32, _I32)


def _ctlz(width: int, numba_type):
    llvm_type = ir.IntType(width)

    @intrinsic
    def ctlz(typingctx, value):
        def codegen(context, builder, signature, args):
            fn = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(llvm_type, [llvm_type, ir.IntType(1)]),
                f"llvm.ctlz.i{width}")
            return builder.call(fn, [args[0], ir.Constant(ir.IntType(1), 0)])
        return numba_type(numba_type), codegen
    return ctlz


ctlz32 = _ctlz(32, types.int32)
ctlz64 = _ctlz(64, types.int64)


def _fma(numba_type, llvm_type, name: str):
    """a * b + c rounded once (llvm.fma: an FMA instruction where the CPU has one,
    else libm's exact `fma`), as C code built with -mfma computes a contracted a*b+c."""
    @intrinsic
    def fma(typingctx, a, b, c):
        def codegen(context, builder, signature, args):
            fn = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(llvm_type, [llvm_type] * 3), f"llvm.fma.{name}")
            return builder.call(fn, args)
        return numba_type(numba_type, numba_type, numba_type), codegen
    return fma


fma_f32 = _fma(types.float32, _F32, "f32")
fma_f64 = _fma(types.float64, _F64, "f64")


def _libm(symbol: str, arity: int, numba_type, llvm_type, result=None, result_ir=None):
    """An intrinsic calling libm's `symbol` under a private alias.

    The alias (`vmvxjit_expf`) is registered with LLVM's symbol table in each
    process, so cached code finds it by name, and LLVM cannot recognise the
    call as a library function it may fold or replace with its own.
    """
    result = result or numba_type
    result_ir = result_ir or llvm_type
    alias = f"vmvxjit_{symbol}"
    binding.add_symbol(alias, ctypes.cast(getattr(LIBM, symbol), ctypes.c_void_p).value)

    def codegen(context, builder, signature, values):
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(result_ir, [llvm_type] * arity), alias)
        return builder.call(fn, values)

    if arity == 1:
        @intrinsic
        def call(typingctx, a):
            return result(numba_type), codegen
    else:
        @intrinsic
        def call(typingctx, a, b):
            return result(numba_type, numba_type), codegen
    return call


_UNARY = ("atan", "cos", "sin", "exp", "exp2", "expm1", "log", "log10", "log1p", "log2",
          "tanh", "erf", "sqrt", "ceil", "floor", "round")
_BINARY = ("atan2", "pow", "remainder", "fmod")
LIBM_F32 = {name: _libm(name + "f", 2 if name in _BINARY else 1, types.float32, _F32)
            for name in _UNARY + _BINARY}
LIBM_F64 = {name: _libm(name, 2 if name in _BINARY else 1, types.float64, _F64)
            for name in _UNARY + _BINARY}
llroundf = _libm("llroundf", 1, types.float32, _F32, types.int64, _I64)
llround = _libm("llround", 1, types.float64, _F64, types.int64, _I64)

clock.register()     # at import, as the libm aliases: cached code is never typed again


@intrinsic
def monotonic_ns(typingctx):
    """Nanoseconds on CLOCK_MONOTONIC (time.monotonic_ns's clock), through native/clock.py's
    alias of `clock_gettime`: what compiled code compares with the call deadline."""
    def codegen(context, builder, signature, args):
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(_I32, [_I32, _I64.as_pointer()]), clock.ALIAS)
        pair = cgutils.alloca_once(builder, ir.ArrayType(_I64, 2))
        seconds = builder.bitcast(pair, _I64.as_pointer())
        builder.call(fn, [ir.Constant(_I32, clock.CLOCK_MONOTONIC), seconds])
        nanoseconds = builder.gep(seconds, [ir.Constant(_I32, 1)])
        return builder.add(builder.mul(builder.load(seconds), ir.Constant(_I64, 1_000_000_000)),
                           builder.load(nanoseconds))
    return types.int64(), codegen


# A loop of a literal count that region code wants vectorized at that width and not
# unrolled (the LLVM lowering attaches loop metadata); to Numba it is `range`.
vector_range = range


@intrinsic(prefer_literal=True)
def stack_array(typingctx, count, dtype):
    """A 1-d array of `count` (a literal) elements of `dtype` (an array's
    `.dtype`, or a numpy scalar type such as `np.float32`) in the function's
    stack frame. LLVM knows it aliases no buffer, so loops can keep its
    elements in registers."""
    given = dtype
    if isinstance(dtype, types.NumberClass):
        dtype = types.DType(dtype.instance_type)
    if not isinstance(count, types.IntegerLiteral) or not isinstance(dtype, types.DType):
        return None
    array_type = types.Array(dtype.dtype, 1, "C")

    def codegen(context, builder, signature, args):
        element = context.get_data_type(dtype.dtype)
        data = cgutils.alloca_once(builder, element, size=count.literal_value)
        array = context.make_array(array_type)(context, builder)
        itemsize = context.get_constant(types.intp, context.get_abi_sizeof(element))
        context.populate_array(
            array, data=data, itemsize=itemsize, meminfo=None,
            shape=cgutils.pack_array(builder, [context.get_constant(types.intp, count.literal_value)]),
            strides=cgutils.pack_array(builder, [itemsize]))
        return array._getvalue()
    return array_type(count, given), codegen
