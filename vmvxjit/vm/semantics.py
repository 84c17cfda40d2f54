"""What every pure VM op computes: the reference semantics, one function per mnemonic.

Register values are Python numbers: i32 as a signed int in [-2**31, 2**31),
i64 as a signed int in [-2**63, 2**63), f32 as a float holding an exactly
float32-representable value, f64 as a float. Each function maps operand
values to the result value (or a tuple of results). These follow IREE 3.13's
C runtime (vm/ops.h, compiled for x86-64): non-fused fma, IEEE remainder,
C rounding casts, libm math. The interpreter calls them; the JIT's
translations are tested against them.
"""

from __future__ import annotations

import array
import ctypes
import math
import re

import numpy as np

from vmvxjit.errors import ArithmeticFault
from vmvxjit.native.libm import LIBM

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF
INT32_MIN = -(1 << 31)
INT64_MIN = -(1 << 63)


def wrap32(x: int) -> int:
    """Two's-complement wrap of an integer to signed 32 bits."""
    return ((x + 0x80000000) & M32) - 0x80000000


def wrap64(x: int) -> int:
    """Two's-complement wrap of an integer to signed 64 bits."""
    return ((x + 0x8000000000000000) & M64) - 0x8000000000000000


_F32_CELL = array.array("f", [0.0])


def f32(x: float) -> float:
    """Rounds a double to the nearest float32 (C's `(float)x`)."""
    _F32_CELL[0] = x
    return _F32_CELL[0]


# -- libm: the C functions IREE calls, so results match to the last bit ------

def _libm(name: str, arity: int, ctype):
    fn = getattr(LIBM, name)
    fn.argtypes = [ctype] * arity
    fn.restype = ctype
    return fn


_MATH_NAMES = ("atan", "cos", "sin", "exp", "exp2", "expm1", "log", "log10", "log1p",
               "log2", "tanh", "erf", "sqrt", "atan2", "pow", "remainder")
_BINARY_MATH = {"atan2", "pow", "remainder"}
LIBM_F32 = {n: _libm(n + "f", 2 if n in _BINARY_MATH else 1, ctypes.c_float) for n in _MATH_NAMES}
LIBM_F64 = {n: _libm(n, 2 if n in _BINARY_MATH else 1, ctypes.c_double) for n in _MATH_NAMES}
_LLROUNDF = _libm("llroundf", 1, ctypes.c_float)
_LLROUNDF.restype = ctypes.c_longlong
_LLROUND = _libm("llround", 1, ctypes.c_double)
_LLROUND.restype = ctypes.c_longlong
_ROUNDF = _libm("roundf", 1, ctypes.c_float)
_ROUND = _libm("round", 1, ctypes.c_double)


# -- integer helpers ----------------------------------------------------------

def _div_s(a: int, b: int, minimum: int) -> int:
    if b == 0 or (a == minimum and b == -1):
        raise ArithmeticFault(f"integer division overflow or division by zero ({a} / {b})")
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _rem_s(a: int, b: int, minimum: int) -> int:
    return a - b * _div_s(a, b, minimum)


def _div_u(a: int, b: int, mask: int) -> int:
    if b & mask == 0:
        raise ArithmeticFault(f"integer division by zero ({a & mask} / 0)")
    return (a & mask) // (b & mask)


def _rem_u(a: int, b: int, mask: int) -> int:
    if b & mask == 0:
        raise ArithmeticFault(f"integer remainder by zero ({a & mask} % 0)")
    return (a & mask) % (b & mask)


def _sext(x: int, bits: int) -> int:
    sign = 1 << (bits - 1)
    return ((x & ((1 << bits) - 1)) ^ sign) - sign


def _x86_f2u64(x: float) -> int:
    """C `(uint64_t)x` as x86-64 clang emits it (two cvttss2si + merge)."""
    def cvt(v):
        if v != v or v >= 9.223372036854775808e18 or v < -9.223372036854775808e18:
            return INT64_MIN
        return int(v)
    a = cvt(x)
    b = cvt(x - 9.223372036854775808e18)
    return wrap64(a | (b & (a >> 63)))


# -- float helpers -------------------------------------------------------------

def _round_even(x: float) -> float:
    """IREE's pre-C23 roundeven: roundf, then step a .5 tie toward zero if odd.

    Note -0.5 gives +0.0 (the step adds 1.0 to -1.0), as IREE does.
    """
    rounded = _ROUND(x)
    if abs(x - rounded) == 0.5 and math.fmod(rounded, 2.0) != 0:
        rounded = rounded - 1.0 if rounded > 0.0 else rounded + 1.0
    return rounded


def _ceil(x: float) -> float:
    return x if not math.isfinite(x) else math.copysign(float(math.ceil(x)), x)


def _floor(x: float) -> float:
    return x if not math.isfinite(x) else math.copysign(float(math.floor(x)), x)


def _unordered(a: float, b: float) -> bool:
    return a != a or b != b


def _bits_f32(x: float) -> int:
    return wrap32(int(np.array([x], dtype=np.float32).view(np.uint32)[0]))


def _f32_from_bits(x: int) -> float:
    return float(np.array([x & M32], dtype=np.uint32).view(np.float32)[0])


def _bits_f64(x: float) -> int:
    return int(np.array([x], dtype=np.float64).view(np.int64)[0])


def _f64_from_bits(x: int) -> float:
    return float(np.array([x & M64], dtype=np.uint64).view(np.float64)[0])


def _int_ops(width: int, wrap, minimum: int, mask: int) -> dict:
    """The integer ops shared by i32 and i64, keyed by mnemonic stem; the simple
    ones as expressions (see _expression)."""
    shift_mask = width - 1
    w = _WRAP_EXPRESSIONS[width]
    return {
        "add": w.format("a + b"),
        "sub": w.format("a - b"),
        "mul": w.format("a * b"),
        "div.s": lambda a, b: wrap(_div_s(a, b, minimum)),
        "div.u": lambda a, b: wrap(_div_u(a, b, mask)),
        "rem.s": lambda a, b: _rem_s(a, b, minimum),
        "rem.u": lambda a, b: wrap(_rem_u(a, b, mask)),
        "fma": w.format("a * b + c"),
        "abs": lambda a: wrap(abs(a)),
        "not": "~a",
        "and": "a & b",
        "or": "a | b",
        "xor": "a ^ b",
        "shl": w.format(f"a << (b & {shift_mask})"),
        "shr.s": f"a >> (b & {shift_mask})",
        "shr.u": w.format(f"(a & {mask:#x}) >> (b & {shift_mask})"),
        "ctlz": lambda a: width - (a & mask).bit_length(),
        "min.s": "b if b < a else a",
        "min.u": f"b if (b & {mask:#x}) < (a & {mask:#x}) else a",
        "max.s": "b if a < b else a",
        "max.u": f"b if (a & {mask:#x}) < (b & {mask:#x}) else a",
        "cmp.eq": "1 if a == b else 0",
        "cmp.ne": "1 if a != b else 0",
        "cmp.lt.s": "1 if a < b else 0",
        "cmp.lt.u": f"1 if (a & {mask:#x}) < (b & {mask:#x}) else 0",
        "cmp.nz": "1 if a != 0 else 0",
        "select": "b if a else c",
    }


# wrap32/wrap64 as expression templates, so fused code wraps without a call
_WRAP_EXPRESSIONS = {32: "((({}) + 0x80000000) & 0xFFFFFFFF) - 0x80000000",
                     64: "((({}) + 0x8000000000000000) & 0xFFFFFFFFFFFFFFFF) - 0x8000000000000000"}


def _float_ops(rnd: str, libm: dict) -> dict:
    """The float ops shared by f32 and f64; `rnd` names the rounding to the type
    (`f32` or `float`); the simple ones as expressions (see _expression)."""
    round_to = EXPRESSION_NAMES[rnd]

    def rem(a, b):
        return round_to(libm["remainder"](a, b))

    def round_half_away(x):
        return x if not math.isfinite(x) else round_to(_ROUND(x))

    ops = {
        "add": f"{rnd}(a + b)",
        "sub": f"{rnd}(a - b)",
        "mul": f"{rnd}(a * b)",
        "div": f"{rnd}(_fdiv(a, b))",
        "rem": rem,
        "fma": f"{rnd}({rnd}(a * b) + c)",
        "abs": math.fabs,
        "neg": "-a",
        "ceil": _ceil,
        "floor": _floor,
        "round": round_half_away,
        "round.even": _round_even,
        "min": "b if b < a else a",
        "max": "b if a < b else a",
        "rsqrt": lambda a: round_to(_fdiv(1.0, round_to(libm["sqrt"](a)))),
        "cmp.eq.o": "1 if a == b else 0",
        "cmp.eq.u": "1 if a != a or b != b or a == b else 0",
        "cmp.ne.o": "1 if a != b else 0",
        "cmp.ne.u": "1 if a != a or b != b or a != b else 0",
        "cmp.lt.o": "1 if a < b else 0",
        "cmp.lt.u": "1 if a != a or b != b or a < b else 0",
        "cmp.lte.o": "1 if a <= b else 0",
        "cmp.lte.u": "1 if a != a or b != b or a <= b else 0",
        "cmp.nan": "1 if a != a else 0",
        "select": "b if a else c",
    }
    for name in ("atan", "cos", "sin", "exp", "exp2", "expm1", "log", "log10", "log1p",
                 "log2", "tanh", "erf", "sqrt"):
        ops[name] = libm[name]
    ops["atan2"] = libm["atan2"]
    ops["pow"] = libm["pow"]
    return ops


_DEFAULT_NAN = -math.nan  # x86's default NaN (0/0, inf-inf) has the sign bit set


def _fdiv(a: float, b: float) -> float:
    """IEEE division as x86 does it (Python raises on /0)."""
    if b == 0.0:
        if a != a:
            return a
        if a == 0.0:
            return _DEFAULT_NAN
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _fpowi(rnd):
    """vm.fpowi.f32/f64 as IREE 3.13 computes them: the exponent cut to its low 32
    bits (signed), square-and-multiply on its magnitude rounding each product to
    the type, then a reciprocal for a negative exponent (checked against
    iree-run-module)."""

    def fpowi(base: float, exponent: int) -> float:
        exponent = wrap32(exponent)
        result, power, n = 1.0, base, abs(exponent)
        while n:
            if n & 1:
                result = rnd(result * power)
            power = rnd(power * power)
            n >>= 1
        return rnd(_fdiv(1.0, result)) if exponent < 0 else result
    return fpowi


def _llroundf(x: float) -> int:
    return _LLROUNDF(x)


def _build_table() -> dict:
    """{mnemonic: function or expression text}."""
    table = {}
    for type_name, ops in (("i32", _int_ops(32, wrap32, INT32_MIN, M32)),
                           ("i64", _int_ops(64, wrap64, INT64_MIN, M64)),
                           ("f32", _float_ops("f32", LIBM_F32)),
                           ("f64", _float_ops("float", LIBM_F64))):
        for stem, op in ops.items():
            table[f"vm.{stem}.{type_name}" if "." not in stem else _insert_type(stem, type_name)] = op
    table.update({
        "vm.trunc.i32.i8": lambda a: a & 0xFF,
        "vm.trunc.i32.i16": lambda a: a & 0xFFFF,
        "vm.trunc.i64.i32": wrap32,
        "vm.ext.i8.i32.s": lambda a: _sext(a, 8),
        "vm.ext.i8.i32.u": lambda a: a & 0xFF,
        "vm.ext.i16.i32.s": lambda a: _sext(a, 16),
        "vm.ext.i16.i32.u": lambda a: a & 0xFFFF,
        "vm.ext.i32.i64.s": lambda a: a,
        "vm.ext.i32.i64.u": lambda a: a & M32,
        "vm.cast.si32.f32": lambda a: f32(float(a)),
        "vm.cast.ui32.f32": lambda a: f32(float(a & M32)),
        "vm.cast.si64.f32": lambda a: float(np.float32(np.int64(a))),
        "vm.cast.ui64.f32": lambda a: float(np.float32(np.uint64(a & M64))),
        "vm.cast.f32.si32": lambda x: wrap32(_llroundf(x)),
        "vm.cast.f32.ui32": lambda x: wrap32(_llroundf(x)),
        "vm.cast.f32.si64": _llroundf,
        "vm.cast.f32.ui64": lambda x: _x86_f2u64(_ROUNDF(x)),
        "vm.bitcast.i32.f32": _f32_from_bits,
        "vm.bitcast.f32.i32": _bits_f32,
        "vm.cast.si32.f64": float,
        "vm.cast.ui32.f64": lambda a: float(a & M32),
        "vm.cast.si64.f64": lambda a: float(np.float64(np.int64(a))),
        "vm.cast.ui64.f64": lambda a: float(np.float64(np.uint64(a & M64))),
        "vm.cast.f64.si32": lambda x: wrap32(_llroundf(x)),
        "vm.cast.f64.ui32": lambda x: wrap32(_llroundf(x)),
        "vm.cast.f64.si64": _LLROUND,
        "vm.cast.f64.ui64": _LLROUND,  # (uint64_t)llround(x): llround's bits
        "vm.bitcast.i64.f64": _f64_from_bits,
        "vm.bitcast.f64.i64": _bits_f64,
        "vm.trunc.f64.f32": f32,
        "vm.fpowi.f32": _fpowi(f32),
        "vm.fpowi.f64": _fpowi(float),
        "vm.ext.f32.f64": lambda x: x,
    })
    return table


def _insert_type(stem: str, type_name: str) -> str:
    """`cmp.lt.s` + `i32` → `vm.cmp.lt.i32.s` (the ISA's mnemonic order)."""
    head, _, rest = stem.partition(".")
    if head == "cmp" and rest in ("nz", "eq", "ne", "nan"):
        return f"vm.{stem}.{type_name}"
    if head == "cmp":
        parts = rest.split(".")
        return f"vm.cmp.{parts[0]}.{type_name}." + ".".join(parts[1:])
    if head == "round":
        return f"vm.round.{type_name}.{rest}"
    return f"vm.{head}.{type_name}.{rest}"


def _expression(text: str):
    """A function of (a[, b[, c]]) evaluating `text`: one source for the
    interpreter's op and the Python fused code writes inline for it."""
    arity = 3 if re.search(r"\bc\b", text) else 2 if re.search(r"\bb\b", text) else 1
    return eval(f"lambda {', '.join('abc'[:arity])}: {text}", dict(EXPRESSION_NAMES))


EXPRESSION_NAMES = {"f32": f32, "float": float, "_fdiv": _fdiv}
_TABLE = _build_table()

# Every pure op as a function of its operand values (what the interpreter calls).
PURE_OPS = {m: _expression(op) if isinstance(op, str) else op for m, op in _TABLE.items()}
# The ops that are one Python expression over operands `a`, `b`, `c` (using
# EXPRESSION_NAMES).
PURE_EXPRESSIONS = {m: op for m, op in _TABLE.items() if isinstance(op, str)}
