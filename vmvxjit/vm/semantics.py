"""What every pure VM op computes and how the JIT writes it: one row per mnemonic.

`OP_TABLE` holds, per pure op, its reference semantics, the JIT's code template
and its fault condition (see `Op`); the interpreter's `PURE_OPS` and
`PURE_EXPRESSIONS` and the JIT's templates (vm/jit/ops.py) are derived from it.

Register values are Python numbers: i32 as a signed int in [-2**31, 2**31),
i64 as a signed int in [-2**63, 2**63), f32 as a float holding an exactly
float32-representable value, f64 as a float. Each semantics maps operand
values to the result value. These follow IREE 3.13's C runtime (vm/ops.h,
compiled for x86-64): non-fused fma, IEEE remainder, C rounding casts, libm
math. The interpreter calls them; the JIT's translations are tested against them.
"""

from __future__ import annotations

import array
import ctypes
import math
import re
from typing import NamedTuple

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


class Op(NamedTuple):
    """One pure op: what it computes, how the JIT writes it, when it faults.

    `semantics`: a function of the operand values, or one Python expression over
    operands `a`, `b`, `c` (names from EXPRESSION_NAMES) that the interpreter
    evaluates and fused code writes inline. `template`: the JIT's Python/Numba
    expression over the operand locals `{0}`, `{1}`, `{2}` in field order (integer
    locals are int64, f32 locals float32, f64 locals float64; names from
    vm/jit/helpers.py); the LLVM back end lowers the same text. `fault`: for an op
    that can fault (integer division), the condition over the same locals under
    which compiled code must not run it but hand its operands to `semantics`,
    which raises the ArithmeticFault.
    """

    semantics: object
    template: str
    fault: str | None = None


def _int_ops(width: int, wrap, minimum: int, mask: int) -> dict:
    """The integer ops shared by i32 and i64, keyed by mnemonic stem; the simple
    ones as expressions (see _expression). `{w}` in a template is the JIT's wrap
    of a result (int64 locals: i32 results wrap to 32 bits, i64 ones by themselves)."""
    shift_mask = width - 1
    w = _WRAP_EXPRESSIONS[width]

    def by_width(i32: str, i64: str) -> str:
        return i32 if width == 32 else i64

    signed_fault = by_width("{1} == 0 or ({0} == -2147483648 and {1} == -1)",
                            "{1} == 0 or ({0} == INT64_MIN and {1} == -1)")
    unsigned_fault = by_width("({1} & 0xFFFFFFFF) == 0", "{1} == 0")
    return {
        "add": Op(w.format("a + b"), "{w}({0} + {1})"),
        "sub": Op(w.format("a - b"), "{w}({0} - {1})"),
        "mul": Op(w.format("a * b"), "{w}({0} * {1})"),
        "div.s": Op(lambda a, b: wrap(_div_s(a, b, minimum)), "{w}(tdiv({0}, {1}))", signed_fault),
        "div.u": Op(lambda a, b: wrap(_div_u(a, b, mask)),
                    by_width("w32(({0} & 0xFFFFFFFF) // ({1} & 0xFFFFFFFF))", "s64(u64({0}) // u64({1}))"),
                    unsigned_fault),
        "rem.s": Op(lambda a, b: _rem_s(a, b, minimum), "trem({0}, {1})", signed_fault),
        "rem.u": Op(lambda a, b: wrap(_rem_u(a, b, mask)),
                    by_width("w32(({0} & 0xFFFFFFFF) % ({1} & 0xFFFFFFFF))", "s64(u64({0}) % u64({1}))"),
                    unsigned_fault),
        "fma": Op(w.format("a * b + c"), "{w}({0} * {1} + {2})"),
        "abs": Op(lambda a: wrap(abs(a)), by_width("w32(abs({0}))", "({0} if {0} >= 0 else -{0})")),
        "not": Op("~a", "(~{0})"),
        "and": Op("a & b", "({0} & {1})"),
        "or": Op("a | b", "({0} | {1})"),
        "xor": Op("a ^ b", "({0} ^ {1})"),
        "shl": Op(w.format(f"a << (b & {shift_mask})"),
                  by_width("w32({0} << ({1} & 31))", "({0} << ({1} & 63))")),
        "shr.s": Op(f"a >> (b & {shift_mask})", by_width("({0} >> ({1} & 31))", "({0} >> ({1} & 63))")),
        "shr.u": Op(w.format(f"(a & {mask:#x}) >> (b & {shift_mask})"),
                    by_width("w32(({0} & 0xFFFFFFFF) >> ({1} & 31))", "s64(u64({0}) >> u64({1} & 63))")),
        "ctlz": Op(lambda a: width - (a & mask).bit_length(), by_width("ctlz_i32({0})", "ctlz_i64({0})")),
        "min.s": Op("b if b < a else a", "({1} if {1} < {0} else {0})"),
        "min.u": Op(f"b if (b & {mask:#x}) < (a & {mask:#x}) else a",
                    by_width("({1} if ({1} & 0xFFFFFFFF) < ({0} & 0xFFFFFFFF) else {0})",
                             "({1} if u64({1}) < u64({0}) else {0})")),
        "max.s": Op("b if a < b else a", "({1} if {0} < {1} else {0})"),
        "max.u": Op(f"b if (a & {mask:#x}) < (b & {mask:#x}) else a",
                    by_width("({1} if ({0} & 0xFFFFFFFF) < ({1} & 0xFFFFFFFF) else {0})",
                             "({1} if u64({0}) < u64({1}) else {0})")),
        "cmp.eq": Op("1 if a == b else 0", "b2i({0} == {1})"),
        "cmp.ne": Op("1 if a != b else 0", "b2i({0} != {1})"),
        "cmp.lt.s": Op("1 if a < b else 0", "b2i({0} < {1})"),
        "cmp.lt.u": Op(f"1 if (a & {mask:#x}) < (b & {mask:#x}) else 0",
                       by_width("b2i(({0} & 0xFFFFFFFF) < ({1} & 0xFFFFFFFF))", "b2i(u64({0}) < u64({1}))")),
        "cmp.nz": Op("1 if a != 0 else 0", "b2i({0} != 0)"),
        "select": Op("b if a else c", "({1} if {0} != 0 else {2})"),
    }


# wrap32/wrap64 as expression templates, so fused code wraps without a call
_WRAP_EXPRESSIONS = {32: "((({}) + 0x80000000) & 0xFFFFFFFF) - 0x80000000",
                     64: "((({}) + 0x8000000000000000) & 0xFFFFFFFFFFFFFFFF) - 0x8000000000000000"}


def _float_ops(rnd: str, libm: dict) -> dict:
    """The float ops shared by f32 and f64; `rnd` names the rounding to the type
    (`f32` or `float`); the simple ones as expressions (see _expression). In a
    template `{t}` is the type, `{m}` the JIT's libm prefix for it and `{one}` its 1.0."""
    round_to = EXPRESSION_NAMES[rnd]

    def rem(a, b):
        return round_to(libm["remainder"](a, b))

    def round_half_away(x):
        return x if not math.isfinite(x) else round_to(_ROUND(x))

    ops = {
        "add": Op(f"{rnd}(a + b)", "({0} + {1})"),
        "sub": Op(f"{rnd}(a - b)", "({0} - {1})"),
        "mul": Op(f"{rnd}(a * b)", "({0} * {1})"),
        "div": Op(f"{rnd}(_fdiv(a, b))", "({0} / {1})"),
        "rem": Op(rem, "{m}_remainder({0}, {1})"),
        "fma": Op(f"{rnd}({rnd}(a * b) + c)", "({0} * {1} + {2})"),
        "abs": Op(math.fabs, "abs({0})"),
        "neg": Op("-a", "(-{0})"),
        "ceil": Op(_ceil, "{m}_ceil({0})"),
        "floor": Op(_floor, "{m}_floor({0})"),
        "round": Op(round_half_away, "{m}_round({0})"),
        "round.even": Op(_round_even, "round_even_{t}({0})"),
        "min": Op("b if b < a else a", "({1} if {1} < {0} else {0})"),
        "max": Op("b if a < b else a", "({1} if {0} < {1} else {0})"),
        "rsqrt": Op(lambda a: round_to(_fdiv(1.0, round_to(libm["sqrt"](a)))), "({one} / {m}_sqrt({0}))"),
        "cmp.eq.o": Op("1 if a == b else 0", "b2i({0} == {1})"),
        "cmp.eq.u": Op("1 if a != a or b != b or a == b else 0", "b2i({0} != {0} or {1} != {1} or {0} == {1})"),
        "cmp.ne.o": Op("1 if a != b else 0", "b2i({0} != {1})"),
        "cmp.ne.u": Op("1 if a != a or b != b or a != b else 0", "b2i({0} != {1})"),
        "cmp.lt.o": Op("1 if a < b else 0", "b2i({0} < {1})"),
        "cmp.lt.u": Op("1 if a != a or b != b or a < b else 0", "b2i({0} != {0} or {1} != {1} or {0} < {1})"),
        "cmp.lte.o": Op("1 if a <= b else 0", "b2i({0} <= {1})"),
        "cmp.lte.u": Op("1 if a != a or b != b or a <= b else 0",
                        "b2i({0} != {0} or {1} != {1} or {0} <= {1})"),
        "cmp.nan": Op("1 if a != a else 0", "b2i({0} != {0})"),
        "select": Op("b if a else c", "({1} if {0} != 0 else {2})"),
    }
    for name in ("atan", "cos", "sin", "exp", "exp2", "expm1", "log", "log10", "log1p",
                 "log2", "tanh", "erf", "sqrt"):
        ops[name] = Op(libm[name], "{m}_" + name + "({0})")
    for name in ("atan2", "pow"):
        ops[name] = Op(libm[name], "{m}_" + name + "({0}, {1})")
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
    """{mnemonic: Op}."""
    table = {}
    for type_name, ops, spelling in (
            ("i32", _int_ops(32, wrap32, INT32_MIN, M32), {"{w}": "w32"}),
            ("i64", _int_ops(64, wrap64, INT64_MIN, M64), {"{w}": ""}),
            ("f32", _float_ops("f32", LIBM_F32), {"{t}": "f32", "{m}": "libm_f32", "{one}": "np.float32(1.0)"}),
            ("f64", _float_ops("float", LIBM_F64), {"{t}": "f64", "{m}": "libm_f64", "{one}": "1.0"})):
        for stem, op in ops.items():
            template = op.template
            for placeholder, text in spelling.items():
                template = template.replace(placeholder, text)
            table[mnemonic(stem, type_name)] = op._replace(template=template)
    table.update({
        "vm.trunc.i32.i8": Op(lambda a: a & 0xFF, "({0} & 0xFF)"),
        "vm.trunc.i32.i16": Op(lambda a: a & 0xFFFF, "({0} & 0xFFFF)"),
        "vm.trunc.i64.i32": Op(wrap32, "w32({0})"),
        "vm.ext.i8.i32.s": Op(lambda a: _sext(a, 8), "sext8({0})"),
        "vm.ext.i8.i32.u": Op(lambda a: a & 0xFF, "({0} & 0xFF)"),
        "vm.ext.i16.i32.s": Op(lambda a: _sext(a, 16), "sext16({0})"),
        "vm.ext.i16.i32.u": Op(lambda a: a & 0xFFFF, "({0} & 0xFFFF)"),
        "vm.ext.i32.i64.s": Op(lambda a: a, "{0}"),
        "vm.ext.i32.i64.u": Op(lambda a: a & M32, "({0} & 0xFFFFFFFF)"),
        "vm.cast.si32.f32": Op(lambda a: f32(float(a)), "np.float32({0})"),
        "vm.cast.ui32.f32": Op(lambda a: f32(float(a & M32)), "np.float32({0} & 0xFFFFFFFF)"),
        "vm.cast.si64.f32": Op(lambda a: float(np.float32(np.int64(a))), "np.float32({0})"),
        "vm.cast.ui64.f32": Op(lambda a: float(np.float32(np.uint64(a & M64))), "np.float32(u64({0}))"),
        "vm.cast.f32.si32": Op(lambda x: wrap32(_llroundf(x)), "cast_f32_i32({0})"),
        "vm.cast.f32.ui32": Op(lambda x: wrap32(_llroundf(x)), "cast_f32_i32({0})"),
        "vm.cast.f32.si64": Op(_llroundf, "llroundf({0})"),
        "vm.cast.f32.ui64": Op(lambda x: _x86_f2u64(_ROUNDF(x)), "cast_f32_ui64({0})"),
        "vm.bitcast.i32.f32": Op(_f32_from_bits, "bitcast_i32_f32({0})"),
        "vm.bitcast.f32.i32": Op(_bits_f32, "bitcast_f32_i32({0})"),
        "vm.cast.si32.f64": Op(float, "np.float64({0})"),
        "vm.cast.ui32.f64": Op(lambda a: float(a & M32), "np.float64({0} & 0xFFFFFFFF)"),
        "vm.cast.si64.f64": Op(lambda a: float(np.float64(np.int64(a))), "np.float64({0})"),
        "vm.cast.ui64.f64": Op(lambda a: float(np.float64(np.uint64(a & M64))), "np.float64(u64({0}))"),
        "vm.cast.f64.si32": Op(lambda x: wrap32(_llroundf(x)), "cast_f64_i32({0})"),
        "vm.cast.f64.ui32": Op(lambda x: wrap32(_llroundf(x)), "cast_f64_i32({0})"),
        "vm.cast.f64.si64": Op(_LLROUND, "llround({0})"),
        "vm.cast.f64.ui64": Op(_LLROUND, "llround({0})"),  # (uint64_t)llround(x): llround's bits
        "vm.bitcast.i64.f64": Op(_f64_from_bits, "bitcast_i64_f64({0})"),
        "vm.bitcast.f64.i64": Op(_bits_f64, "bitcast_f64_i64({0})"),
        "vm.trunc.f64.f32": Op(f32, "np.float32({0})"),
        "vm.fpowi.f32": Op(_fpowi(f32), "fpowi_f32({0}, {1})"),
        "vm.fpowi.f64": Op(_fpowi(float), "fpowi_f64({0}, {1})"),
        "vm.ext.f32.f64": Op(lambda x: x, "np.float64({0})"),
    })
    return table


def mnemonic(stem: str, type_name: str) -> str:
    """The ISA's mnemonic of op `stem` on `type_name`, which goes before the stem's
    qualifier: `add` + `i32` → `vm.add.i32`, `div.u` → `vm.div.i32.u`, `cmp.lt.s` →
    `vm.cmp.lt.i32.s`, `round.even` + `f32` → `vm.round.f32.even`; `cmp.nz`, `cmp.eq`,
    `cmp.ne` and `cmp.nan` take the type last."""
    head, _, rest = stem.partition(".")
    if not rest or (head == "cmp" and rest in ("nz", "eq", "ne", "nan")):
        return f"vm.{stem}.{type_name}"
    if head == "cmp":
        predicate, _, qualifier = rest.partition(".")
        return f"vm.cmp.{predicate}.{type_name}.{qualifier}"
    return f"vm.{head}.{type_name}.{rest}"


def _expression(text: str):
    """A function of (a[, b[, c]]) evaluating `text`: one source for the
    interpreter's op and the Python fused code writes inline for it."""
    arity = 3 if re.search(r"\bc\b", text) else 2 if re.search(r"\bb\b", text) else 1
    return eval(f"lambda {', '.join('abc'[:arity])}: {text}", dict(EXPRESSION_NAMES))


EXPRESSION_NAMES = {"f32": f32, "float": float, "_fdiv": _fdiv}
# One row per pure op: the table every other per-op map is derived from.
OP_TABLE: dict[str, Op] = _build_table()

# Every pure op as a function of its operand values (what the interpreter calls).
PURE_OPS = {m: _expression(op.semantics) if isinstance(op.semantics, str) else op.semantics
            for m, op in OP_TABLE.items()}
# The ops that are one Python expression over operands `a`, `b`, `c` (using
# EXPRESSION_NAMES).
PURE_EXPRESSIONS = {m: op.semantics for m, op in OP_TABLE.items() if isinstance(op.semantics, str)}

# The switches whose chosen case value IREE 3.13 reads as its low 32 bits,
# sign-extended (wrap32): the interpreter and the JIT both do.
SWITCHES_WRAPPING_CASES = frozenset({"vm.switch.i64"})
