"""Scalar helpers the generated code calls: the JIT's side of vm/semantics.py.

Numba compiles these functions; llvm_lower.py lowers the same text (read by
helper_library.py) for every helper that is not one of llvm_builtins.py's
primitives, so each algorithm here has one home in compiled code.

Integer registers are int64 locals (an i32 kept in signed 32-bit range),
f32 registers float32 locals, f64 registers float64 locals. Each helper
computes exactly what the interpreter's function of the same op computes;
tests/vm/jit/test_ops.py checks that on random and edge values.

Generated code imports by name what this module offers it (codegen.HELPER_NAMES,
read from this source): every public function and constant, the `libm_*`
functions, and what it re-exports as `import x as x`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from vmvxjit.native.numba_intrinsics import (
    LIBM_F32,
    LIBM_F64,
    bits_from_f32,
    bits_from_f64,
    ctlz32,
    ctlz64,
    f32_from_bits,
    f64_from_bits,
    llround as llround,
    llroundf as llroundf,
    monotonic_ns as monotonic_ns,
)
from vmvxjit.vm.jit.expf import inline_expf_fma as inline_expf_fma, inline_expf_sse2 as inline_expf_sse2

_INLINE = dict(cache=True, inline="always", error_model="numpy")

# Flat names for generated code (Numba cannot index a dict of functions):
# libm_f32_exp is `expf`, libm_f64_exp is `exp`, and so on (helpers below use them too).
for _name, _fn in LIBM_F32.items():
    globals()[f"libm_f32_{_name}"] = _fn
for _name, _fn in LIBM_F64.items():
    globals()[f"libm_f64_{_name}"] = _fn

INT32_MIN = -2147483648
INT64_MIN = np.int64(-9223372036854775808)


@njit(**_INLINE)
def w32(x):
    """Wraps an int64 to signed 32 bits."""
    return ((x + 0x80000000) & 0xFFFFFFFF) - 0x80000000


@njit(**_INLINE)
def u64(x):
    return np.uint64(x)


@njit(**_INLINE)
def s64(x):
    return np.int64(x)


@njit(**_INLINE)
def tdiv(a, b):
    """C (truncating) division of int64s; callers exclude b == 0 and MIN / -1."""
    q = a // b
    if (a % b != 0) and ((a < 0) != (b < 0)):
        q += 1
    return q


@njit(**_INLINE)
def trem(a, b):
    return a - b * tdiv(a, b)


@njit(**_INLINE)
def ctlz_i32(a):
    return np.int64(ctlz32(np.int32(w32(a))))


@njit(**_INLINE)
def ctlz_i64(a):
    return ctlz64(a)


@njit(**_INLINE)
def sext8(a):
    return ((a & 0xFF) ^ 0x80) - 0x80


@njit(**_INLINE)
def sext16(a):
    return ((a & 0xFFFF) ^ 0x8000) - 0x8000


@njit(**_INLINE)
def round_even_f32(x):
    """IREE's pre-C23 roundevenf (see semantics._round_even)."""
    r = libm_f32_round(x)
    if abs(x - r) == np.float32(0.5) and libm_f32_fmod(r, np.float32(2.0)) != np.float32(0.0):
        r = r - np.float32(1.0) if r > np.float32(0.0) else r + np.float32(1.0)
    return r


@njit(**_INLINE)
def round_even_f64(x):
    r = libm_f64_round(x)
    if abs(x - r) == 0.5 and libm_f64_fmod(r, 2.0) != 0.0:
        r = r - 1.0 if r > 0.0 else r + 1.0
    return r


@njit(**_INLINE)
def _cvt_i64(v):
    if v != v or v >= 9.223372036854775808e18 or v < -9.223372036854775808e18:
        return INT64_MIN
    return np.int64(v)


@njit(**_INLINE)
def x86_f2u64(x):
    """C `(uint64_t)x` as clang emits it for x86-64 (see semantics._x86_f2u64)."""
    v = np.float64(x)
    a = _cvt_i64(v)
    b = _cvt_i64(v - 9.223372036854775808e18)
    return a | (b & (a >> 63))


@njit(**_INLINE)
def cast_f32_ui64(x):
    return x86_f2u64(libm_f32_round(x))


@njit(**_INLINE)
def cast_f32_i32(x):
    return w32(llroundf(x))


@njit(**_INLINE)
def cast_f64_i32(x):
    return w32(llroundf(np.float32(x)))


@njit(**_INLINE)
def bitcast_i32_f32(a):
    return f32_from_bits(np.int32(w32(a)))


@njit(**_INLINE)
def bitcast_f32_i32(x):
    return np.int64(bits_from_f32(x))


@njit(**_INLINE)
def bitcast_i64_f64(a):
    return f64_from_bits(a)


@njit(**_INLINE)
def bitcast_f64_i64(x):
    return bits_from_f64(x)


@njit(**_INLINE)
def _fpowi(base, exponent, one):
    """See semantics._fpowi; `one` is 1 in the type of `base` (f32 or f64)."""
    e = w32(exponent)
    result = one
    power = base
    n = np.uint64(e) if e >= 0 else np.uint64(-e)
    while n:
        if n & np.uint64(1):
            result = result * power
        power = power * power
        n >>= np.uint64(1)
    return one / result if e < 0 else result


@njit(**_INLINE)
def fpowi_f32(base, exponent):
    return _fpowi(base, exponent, np.float32(1.0))


@njit(**_INLINE)
def fpowi_f64(base, exponent):
    return _fpowi(base, exponent, np.float64(1.0))


@njit(**_INLINE)
def entry_block(entry, blocks):
    """`entry` if it is one of a region's entry `blocks`, else -1 (no block: the block
    loop's `else`). The LLVM lowering reads the literal `blocks`: its block loop then
    switches on those only (llvm_lower.dispatch)."""
    for block in blocks:
        if block == entry:
            return entry
    return np.int64(-1)


@njit(**_INLINE)
def b2i(flag):
    return np.int64(1) if flag else np.int64(0)


@njit(**_INLINE)
def callee_frame(err, ordinal):
    """Records a faulting callee's frame (its ordinal, the pc in err[1]) in a
    region's `err` (codegen.ERR_FRAMES); the caller then puts its own pc in err[1]."""
    n = err[6]
    if 8 + 2 * n < err.shape[0]:
        err[7 + 2 * n] = ordinal
        err[8 + 2 * n] = err[1]
    err[6] = n + 1
