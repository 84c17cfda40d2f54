"""glibc `expf`'s constants and table, the inputs each compiler's inline copy is
checked on, and the names of the variants: what expf.py's algorithm reads,
without Numba, so the LLVM code generator (helper_library.py, llvm_expf.py)
reads the same numbers without importing it.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

import numpy as np


def _table() -> np.ndarray:
    """tab[i] = bits(2^(i/32)) - (i << 47): adding k << 47 makes 2^(k/32) (e_exp2f_data.c)."""
    with localcontext() as ctx:
        ctx.prec = 40
        ln2 = Decimal(2).ln()
        powers = [float((Decimal(i) / 32 * ln2).exp()) for i in range(32)]
    bits = np.array(powers, dtype=np.float64).view(np.int64)
    return bits - (np.arange(32, dtype=np.int64) << 47)


EXPF_TABLE = _table()
EXPF_INV_LN2_N = float.fromhex("0x1.71547652b82fep+5")  # 32 / ln 2
EXPF_SHIFT = float.fromhex("0x1.8p+52")  # adding it rounds to an integer, kept in the low bits
EXPF_C0 = float.fromhex("0x1.c6af84b912394p-5") / 32**3
EXPF_C1 = float.fromhex("0x1.ebfce50fac4f3p-3") / 32**2
EXPF_C2 = float.fromhex("0x1.62e42ff0c52d6p-1") / 32
EXPF_LARGE = np.float32(88.0)  # glibc takes its special-case path from here on
EXPF_OVERFLOW = np.float32(float.fromhex("0x1.62e42ep6"))  # above: inf
EXPF_UNDERFLOW = np.float32(-float.fromhex("0x1.9fe368p6"))  # below: 0
EXPF_MAY_UNDERFLOW = np.float32(-float.fromhex("0x1.9d1d9ep6"))  # below: glibc's errno path, 2^-149
EXPF_INF = np.float32(np.inf)
EXPF_ZERO = np.float32(0.0)
EXPF_TINY = np.float32(float.fromhex("0x1p-149"))

# The helpers generated code may call for vm.exp.f32, tried in this order, and whether
# each is the fused (FMA) build; libm's own `expf` when neither matches.
VARIANTS = (("inline_expf_fma", True), ("inline_expf_sse2", False))
LIBM = "libm_f32_exp"


def _random_bits(n: int, seed: int) -> np.ndarray:
    """`n` pseudo-random 32-bit words (splitmix64 over a counter): numpy.random's first
    use costs ~15 ms, which a process checking its libm at start should not pay."""
    z = (np.arange(n, dtype=np.uint64) + np.uint64(seed)) * np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return ((z ^ (z >> np.uint64(31))) >> np.uint64(32)).astype(np.uint32)


def _uniform(low: float, high: float, n: int, seed: int) -> np.ndarray:
    return (low + (high - low) * (_random_bits(n, seed) / 2.0**32)).astype(np.float32)


def probes() -> np.ndarray:
    """About 10^5 float32 inputs: the only two on which glibc's FMA and SSE2 builds differ
    (tools/expf_exhaustive.py), signed zeros, infinities, NaN payloads, a few hundred
    neighbours of each special-case boundary, results down to the subnormals, a uniform
    sample of [-104, 89] and random bit patterns."""
    specials = np.array([0x4202422F, 0xC27C65D9,
                         0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000,
                         0x7F800001, 0xFFBFFFFF, 0x7FFFFFFF, 0x00000001, 0x80000001],
                        dtype=np.uint32).view(np.float32)
    bounds = [88.0, -88.0, EXPF_OVERFLOW, EXPF_UNDERFLOW, EXPF_MAY_UNDERFLOW, -87.33654]
    near = np.concatenate([
        (np.array([b], dtype=np.float32).view(np.int32) + np.arange(-256, 257, dtype=np.int32))
        .view(np.float32) for b in bounds])
    uniform = _uniform(-104.0, 89.0, 80000, 1)
    tiny = _uniform(-104.0, -87.0, 5000, 2 << 32)
    patterns = _random_bits(10000, 3 << 32).view(np.float32)
    return np.concatenate([specials, near, uniform, tiny, patterns])


def first_match(mismatches) -> str:
    """The first of VARIANTS on which `mismatches(name, fused)` counts no probe giving
    other bits than libm, else LIBM."""
    for name, fused in VARIANTS:
        if mismatches(name, fused) == 0:
            return name
    return LIBM
