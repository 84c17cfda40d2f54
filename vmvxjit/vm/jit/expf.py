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
libm it was not checked against. The LLVM code generator lowers this same
text (helper_library.py) and makes its own choice (llvm_expf.py); the
numbers are in expf_data.py, which does not import Numba.
"""

from __future__ import annotations

import functools

import numpy as np
from numba import njit

from vmvxjit.native.numba_intrinsics import LIBM_F32, bits_from_f32, bits_from_f64, f64_from_bits, fma_f64
from vmvxjit.vm.jit.expf_data import (EXPF_C0, EXPF_C1, EXPF_C2, EXPF_INF, EXPF_INV_LN2_N, EXPF_LARGE,
                                      EXPF_MAY_UNDERFLOW, EXPF_OVERFLOW, EXPF_SHIFT, EXPF_TABLE, EXPF_TINY,
                                      EXPF_UNDERFLOW, EXPF_ZERO, first_match, probes)

_INLINE = dict(cache=True, inline="always", error_model="numpy")


@njit(**_INLINE)
def _madd(a, b, c, fused):
    return fma_f64(a, b, c) if fused else a * b + c


@njit(**_INLINE)
def _expf(x, fused):
    xd = np.float64(x)
    kd = _madd(EXPF_INV_LN2_N, xd, EXPF_SHIFT, fused)
    ki = bits_from_f64(kd)
    kd -= EXPF_SHIFT
    r = _madd(EXPF_INV_LN2_N, xd, -kd, fused)
    s = f64_from_bits(EXPF_TABLE[ki & 31] + (ki << 47))
    z = _madd(EXPF_C0, r, EXPF_C1, fused)
    p = _madd(EXPF_C2, r, 1.0, fused)
    y = np.float32(_madd(z, r * r, p, fused) * s)
    if not abs(x) < EXPF_LARGE:  # rare: a branch in scalar code; vectorized loops if-convert it
        return _special(x, y)
    return y


@njit(**_INLINE)
def _special(x, y):
    """glibc's result for |x| >= 88 or NaN, given the main path's `y`."""
    y = x + x if x != x else y
    y = EXPF_TINY if x < EXPF_MAY_UNDERFLOW else y
    y = EXPF_ZERO if x < EXPF_UNDERFLOW else y
    return EXPF_INF if x > EXPF_OVERFLOW else y


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


@functools.cache
def choose() -> str:
    """The helper Numba-compiled code calls for vm.exp.f32: the inline variant that
    matches this process's libm on every probe, else libm's `expf` itself."""
    inputs = probes()
    return first_match(lambda name, fused: mismatches(inputs, fused))
