"""glibc's `expf`, bit for bit, as code LLVM can inline and vectorize.

IREE's VM computes vm.exp.f32 with the C library's `expf`; an opaque call
to it costs most of a softmax. Since 2.27 glibc's `expf` is ARM's
optimized-routines algorithm (sysdeps/ieee754/flt-32/e_expf.c): in double
precision, x/ln2 = k/32 + r/32, exp(x) = 2^(k/32) * p(r) with a 32-entry
table and a degree-3 polynomial, rounded once to float. On x86-64 an ifunc
picks a build with -mfma (GCC contracts its five a*b+c into fused
multiply-adds) when the CPU has FMA and AVX2, else an SSE2 build; the two
differ in the last bit for some inputs. Both are here (`fused`).

Nothing proves that the process's libm is that code, so `choose()` compares
both with libm's `expf` on probe inputs once per process and names the one
that agrees on all of them, or libm's own call when neither does. The name
goes into the generated source, so cached machine code never outlives a
libm it was not checked against.
"""

from __future__ import annotations

import functools
from decimal import Decimal, localcontext

import numpy as np
from numba import njit

from vmvxjit.native.numba_intrinsics import LIBM_F32, bits_from_f32, bits_from_f64, f64_from_bits, fma_f64

_INLINE = dict(cache=True, inline="always", error_model="numpy")


def _table() -> np.ndarray:
    """tab[i] = bits(2^(i/32)) - (i << 47): adding k << 47 makes 2^(k/32) (e_exp2f_data.c)."""
    with localcontext() as ctx:
        ctx.prec = 40
        ln2 = Decimal(2).ln()
        powers = [float((Decimal(i) / 32 * ln2).exp()) for i in range(32)]
    bits = np.array(powers, dtype=np.float64).view(np.int64)
    return bits - (np.arange(32, dtype=np.int64) << 47)


_TABLE = _table()
_INV_LN2_N = float.fromhex("0x1.71547652b82fep+5")  # 32 / ln 2
_SHIFT = float.fromhex("0x1.8p+52")  # adding it rounds to an integer, kept in the low bits
_C0 = float.fromhex("0x1.c6af84b912394p-5") / 32**3
_C1 = float.fromhex("0x1.ebfce50fac4f3p-3") / 32**2
_C2 = float.fromhex("0x1.62e42ff0c52d6p-1") / 32
_LARGE = np.float32(88.0)  # glibc takes its special-case path from here on
_OVERFLOW = np.float32(float.fromhex("0x1.62e42ep6"))  # above: inf
_UNDERFLOW = np.float32(-float.fromhex("0x1.9fe368p6"))  # below: 0
_MAY_UNDERFLOW = np.float32(-float.fromhex("0x1.9d1d9ep6"))  # below: glibc's errno path, 2^-149
_INF = np.float32(np.inf)
_ZERO = np.float32(0.0)
_TINY = np.float32(float.fromhex("0x1p-149"))


@njit(**_INLINE)
def _madd(a, b, c, fused):
    return fma_f64(a, b, c) if fused else a * b + c


@njit(**_INLINE)
def _expf(x, fused):
    xd = np.float64(x)
    kd = _madd(_INV_LN2_N, xd, _SHIFT, fused)
    ki = bits_from_f64(kd)
    kd -= _SHIFT
    r = _madd(_INV_LN2_N, xd, -kd, fused)
    s = f64_from_bits(_TABLE[ki & 31] + (ki << 47))
    z = _madd(_C0, r, _C1, fused)
    y = _madd(_C2, r, 1.0, fused)
    y = np.float32(_madd(z, r * r, y, fused) * s)
    if not abs(x) < _LARGE:  # rare: a branch in scalar code; vectorized loops if-convert it
        return _special(x, y)
    return y


@njit(**_INLINE)
def _special(x, y):
    """glibc's result for |x| >= 88 or NaN, given the main path's `y`."""
    y = x + x if x != x else y
    y = _TINY if x < _MAY_UNDERFLOW else y
    y = _ZERO if x < _UNDERFLOW else y
    return _INF if x > _OVERFLOW else y


@njit(**_INLINE)
def inline_expf_fma(x):
    """glibc's `__expf_fma`."""
    return _expf(x, True)


@njit(**_INLINE)
def inline_expf_sse2(x):
    """glibc's `__expf_sse2`."""
    return _expf(x, False)


_LIBM_EXPF = LIBM_F32["exp"]


@njit(cache=True, error_model="numpy")
def mismatches(inputs, fused):
    """How many float32 `inputs` the inline variant maps to other bits than libm."""
    count = 0
    for x in inputs:
        if bits_from_f32(_expf(x, fused)) != bits_from_f32(_LIBM_EXPF(x)):
            count += 1
    return count


def probes() -> np.ndarray:
    """About 10^5 float32 inputs: the only two on which glibc's FMA and SSE2 builds differ
    (tools/expf_exhaustive.py), signed zeros, infinities, NaN payloads, a few hundred
    neighbours of each special-case boundary, results down to the subnormals, a uniform
    sample of [-104, 89] and random bit patterns."""
    rng = np.random.default_rng(20171)
    specials = np.array([0x4202422F, 0xC27C65D9,
                         0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000,
                         0x7F800001, 0xFFBFFFFF, 0x7FFFFFFF, 0x00000001, 0x80000001],
                        dtype=np.uint32).view(np.float32)
    bounds = [88.0, -88.0, _OVERFLOW, _UNDERFLOW, _MAY_UNDERFLOW, -87.33654]
    near = np.concatenate([
        (np.array([b], dtype=np.float32).view(np.int32) + np.arange(-256, 257, dtype=np.int32))
        .view(np.float32) for b in bounds])
    uniform = rng.uniform(-104.0, 89.0, 80000).astype(np.float32)
    tiny = rng.uniform(-104.0, -87.0, 5000).astype(np.float32)
    patterns = rng.integers(0, 2**32, 10000, dtype=np.uint32).view(np.float32)
    return np.concatenate([specials, near, uniform, tiny, patterns])


@functools.cache
def choose() -> str:
    """The helper generated code calls for vm.exp.f32: the inline variant that matches
    this process's libm on every probe, else libm's `expf` itself."""
    inputs = probes()
    for name, fused in (("inline_expf_fma", True), ("inline_expf_sse2", False)):
        if mismatches(inputs, fused) == 0:
            return name
    return "libm_f32_exp"
