"""The primitives region code calls, as LLVM IR: what helpers.py and
native/numba_intrinsics.py spell with Numba types and intrinsics, for llvm_lower.py.

Each is a single instruction, intrinsic or libm call in LLVM (a wrap, C division,
a bitcast, ctlz, a view of a buffer); helpers that are algorithms are lowered
from helpers.py's own text instead (helper_library.py). Each entry computes
exactly what the Numba helper of the same name computes (tests/vm/jit/test_ops.py
runs every op's template through both compilers);
libm functions are called through the aliases of native/libm.py, as the
Numba intrinsics call them. `BUILTINS[name](fn, args) -> Value`, where `fn`
is the function being lowered (its builder, module and entry-block allocas).
"""

from __future__ import annotations

from vmvxjit.vm.jit import llvm_text as ir

from vmvxjit.native import clock, libm
from vmvxjit.vm.jit.llvm_types import (BOOL, F32, F64, I32, I64, U64, Array, DType, Scalar,
                                       Unsupported, Value, arithmetic, convert)

_I1, _I32, _I64 = ir.IntType(1), ir.IntType(32), ir.IntType(64)
_LIBM_TYPES = {"f": F32, "d": F64, "q": I64}


def declare(module: ir.Module, name: str, result, params):
    """Function `name` of `module`, declared there the first time it is asked for."""
    fn = module.globals.get(name)
    if fn is None:
        fn = ir.Function(module, ir.FunctionType(result, params), name)
    return fn


def _int(fn, v: Value):
    return convert(fn.builder, v, I64)


def _libm_call(symbol: str):
    arg, arity, result = libm.SIGNATURES[symbol]
    arg_t, result_t = _LIBM_TYPES[arg], _LIBM_TYPES[result]

    def call(fn, args):
        if len(args) != arity:
            raise Unsupported(f"{symbol} takes {arity} arguments")
        return Value(result_t, _libm_value(fn.builder, symbol,
                                           *(convert(fn.builder, a, arg_t) for a in args)))
    return call


def _libm_value(b, symbol: str, *values):
    """`symbol`(values) through its libm alias (values already of its argument type)."""
    arg, arity, result = libm.SIGNATURES[symbol]
    callee = declare(b.module, libm.alias(symbol), _LIBM_TYPES[result].ir, [_LIBM_TYPES[arg].ir] * arity)
    return b.call(callee, list(values))


def _fabs(b, x, t: Scalar):
    name = f"llvm.fabs.{'f32' if t == F32 else 'f64'}"
    return b.call(declare(b.module, name, t.ir, [t.ir]), [x])


def _w32(builder, x):
    return builder.sext(builder.trunc(x, _I32), _I64)


def _unary_int(op):
    def call(fn, args):
        (a,) = args
        return Value(I64, op(fn.builder, _int(fn, a)))
    return call


def _sext(bits):
    return _unary_int(lambda b, x: b.sext(b.trunc(x, ir.IntType(bits)), _I64))


def _ctlz(bits):
    def op(b, x):
        narrow = b.trunc(x, ir.IntType(bits)) if bits < 64 else x
        count = b.call(declare(b.module, f"llvm.ctlz.i{bits}", ir.IntType(bits), [ir.IntType(bits), _I1]),
                       [narrow, ir.Constant(_I1, 0)])
        return b.zext(count, _I64) if bits < 64 else count
    return _unary_int(op)


def _b2i(fn, args):
    (flag,) = args
    return Value(I64, fn.builder.zext(convert(fn.builder, flag, BOOL), _I64))


def _retype(to: Scalar):
    def call(fn, args):
        (a,) = args
        return Value(to, convert(fn.builder, a, to) if a.type.kind == "f" else _int(fn, a))
    return call


def _tdiv(fn, args):
    a, b = (_int(fn, v) for v in args)
    return Value(I64, fn.builder.sdiv(a, b))


def _trem(fn, args):
    a, b = (_int(fn, v) for v in args)
    return Value(I64, fn.builder.srem(a, b))


def _bitcast(src: Scalar, dst: Scalar):
    def call(fn, args):
        b = fn.builder
        (a,) = args
        if src.kind == "i":
            x = _int(fn, a)
            if src.bits == 32:
                x = b.trunc(x, _I32)
            return Value(dst, b.bitcast(x, dst.ir))
        bits = b.bitcast(convert(b, a, src), ir.IntType(src.bits))
        return Value(I64, b.sext(bits, _I64) if src.bits == 32 else bits)
    return call


def _fma_f64(fn, args):
    """numba_intrinsics.fma_f64: a * b + c rounded once (llvm.fma)."""
    b = fn.builder
    x, y, z = (convert(b, a, F64) for a in args)
    return Value(F64, b.call(declare(b.module, "llvm.fma.f64", F64.ir, [F64.ir] * 3), [x, y, z]))


def _abs(fn, args):
    (a,) = args
    b = fn.builder
    if a.type.kind == "f":
        return Value(a.type, _fabs(b, a.value, a.type))
    x = _int(fn, a)
    return Value(I64, b.select(b.icmp_signed("<", x, ir.Constant(_I64, 0)), b.sub(ir.Constant(_I64, 0), x), x))


def _min_max(take_second_when: str):
    """Python's min/max of two: the second only when it is strictly smaller/larger."""
    def call(fn, args):
        a, c = args
        t = arithmetic(a.type, c.type)
        b = fn.builder
        x, y = convert(b, a, t), convert(b, c, t)
        if t.kind == "f":
            second = b.fcmp_ordered(take_second_when, y, x)
        elif t.kind == "i":
            second = b.icmp_signed(take_second_when, y, x)
        else:
            second = b.icmp_unsigned(take_second_when, y, x)
        return Value(t, b.select(second, y, x))
    return call


def _ix(fn, args):
    return args[0]


def _voidptr(fn, args):
    return Value("voidptr", _int(fn, args[0]))


def _carray(fn, args):
    address, count, dtype = args
    if address.type != "voidptr" or not isinstance(dtype.type, DType):
        raise Unsupported("carray takes voidptr(address), a count and a dtype")
    elem = dtype.type.elem
    pointer = fn.builder.inttoptr(address.value, elem.ir.as_pointer())
    return Value(Array(elem), (pointer, _int(fn, count)))


def _stack_array(fn, args):
    count, dtype = args
    if not count.literal or not isinstance(dtype.type, DType):
        raise Unsupported("stack_array takes a literal count and a dtype")
    elem = dtype.type.elem
    n = count.value.constant
    pointer = fn.entry_alloca(ir.ArrayType(elem.ir, n))
    first = fn.builder.gep(pointer, [ir.Constant(_I32, 0), ir.Constant(_I32, 0)])
    return Value(Array(elem), (first, ir.Constant(_I64, n)))


def _callee_frame(fn, args):
    """helpers.callee_frame: records (ordinal, err[1]) as the next callee frame in `err`."""
    err, ordinal = args
    b = fn.builder
    pointer, length = err.value

    def at(k):
        return b.gep(pointer, [k if isinstance(k, ir.Value) else ir.Constant(_I64, k)])
    n = b.load(at(6))
    slot = b.add(ir.Constant(_I64, 7), b.mul(ir.Constant(_I64, 2), n))
    fits = b.icmp_signed("<", b.add(slot, ir.Constant(_I64, 1)), length)
    with b.if_then(fits):
        b.store(_int(fn, ordinal), at(slot))
        b.store(b.load(at(1)), at(b.add(slot, ir.Constant(_I64, 1))))
    b.store(b.add(n, ir.Constant(_I64, 1)), at(6))
    return None


def _monotonic_ns(fn, args):
    """numba_intrinsics.monotonic_ns: clock_gettime(CLOCK_MONOTONIC) in nanoseconds."""
    if args:
        raise Unsupported("monotonic_ns takes no arguments")
    b = fn.builder
    pair = fn.entry_alloca(ir.ArrayType(_I64, 2))
    seconds = b.gep(pair, [ir.Constant(_I32, 0), ir.Constant(_I32, 0)])
    b.call(declare(b.module, clock.ALIAS, _I32, [_I64.as_pointer()]),
           [ir.Constant(_I32, clock.CLOCK_MONOTONIC), seconds])
    nanoseconds = b.gep(pair, [ir.Constant(_I32, 0), ir.Constant(_I32, 1)])
    return Value(I64, b.add(b.mul(b.load(seconds), ir.Constant(_I64, 1_000_000_000)),
                            b.load(nanoseconds)))


BUILTINS = {
    "w32": _unary_int(_w32), "u64": _retype(U64), "s64": _retype(I64),
    "tdiv": _tdiv, "trem": _trem, "b2i": _b2i, "sext8": _sext(8), "sext16": _sext(16),
    "ctlz_i32": _ctlz(32), "ctlz_i64": _ctlz(64),
    "bitcast_i32_f32": _bitcast(I32, F32), "bitcast_f32_i32": _bitcast(F32, I32),
    "bitcast_i64_f64": _bitcast(I64, F64), "bitcast_f64_i64": _bitcast(F64, I64),
    "bits_from_f32": _bitcast(F32, I32), "bits_from_f64": _bitcast(F64, I64),
    "f64_from_bits": _bitcast(I64, F64), "fma_f64": _fma_f64,
    "abs": _abs, "min": _min_max("<"), "max": _min_max(">"),
    "ix": _ix, "voidptr": _voidptr, "carray": _carray, "stack_array": _stack_array,
    "callee_frame": _callee_frame, "monotonic_ns": _monotonic_ns,
    "llroundf": _libm_call("llroundf"), "llround": _libm_call("llround"),
}
for _name in libm.UNARY + libm.BINARY:
    BUILTINS[f"libm_f32_{_name}"] = _libm_call(_name + "f")
    BUILTINS[f"libm_f64_{_name}"] = _libm_call(_name)

CONSTANTS = {"INT64_MIN": Value(I64, ir.Constant(_I64, -(1 << 63))),
             "INT32_MIN": Value(I64, ir.Constant(_I64, -(1 << 31)))}
