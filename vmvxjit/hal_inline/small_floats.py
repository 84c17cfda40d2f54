"""f32 -> f16 / bf16 / fp8 conversions with IREE's exact rounding rules.

iree-run-module turns a text element of a narrow float type into bits by
parsing it as float32 and narrowing it the way IREE's runtime math does. That
differs from ml_dtypes/numpy in a few observable places, all reproduced here:

* NaN becomes `sign | all-exponent | all-mantissa` (f16 NaN is 0x7FFF, not
  0x7E00); types without NaN get +0; FNUZ types use 0x80.
* float32 subnormals become (signed) zero, except for bf16, which keeps the
  f32 exponent range and rounds the mantissa.
* A result below the smallest subnormal's half-way point by more than one
  binade flushes to zero (no rounding up to the smallest subnormal).
* Types without infinity turn overflow into NaN; in-range values whose
  rounded encoding collides with the NaN pattern (f8E4M3FN 480.0 -> 0x7F)
  stay NaN too. FNUZ types never produce -0.
* f8E8M0FNU (exponent only) rounds on the mantissa being >= 0.75.

Decoding (bits -> value) agrees with ml_dtypes except that IREE's decoder
returns a positive NaN for every NaN pattern; `decode` does the same.
"""

from __future__ import annotations

import math
import struct
from typing import NamedTuple

import numpy as np


class NarrowFloat(NamedTuple):
    """A float format narrower than f32: field widths and special values."""

    exp_bits: int
    mantissa_bits: int
    has_inf: bool
    has_nan: bool
    bias_tweak: int = 0
    nan_is_neg_zero: bool = False

    @property
    def bias(self) -> int:
        return (1 << (self.exp_bits - 1)) - 1 + self.bias_tweak

    @property
    def sign_bit(self) -> int:
        return 1 << (self.exp_bits + self.mantissa_bits)

    @property
    def exp_mask(self) -> int:
        return ((1 << self.exp_bits) - 1) << self.mantissa_bits

    @property
    def mantissa_mask(self) -> int:
        return (1 << self.mantissa_bits) - 1


F16 = NarrowFloat(5, 10, has_inf=True, has_nan=True)
BF16 = NarrowFloat(8, 7, has_inf=True, has_nan=True)
F8E5M2 = NarrowFloat(5, 2, has_inf=True, has_nan=True)
F8E4M3FN = NarrowFloat(4, 3, has_inf=False, has_nan=True)
F8E5M2FNUZ = NarrowFloat(5, 2, has_inf=False, has_nan=True, bias_tweak=1, nan_is_neg_zero=True)
F8E4M3FNUZ = NarrowFloat(4, 3, has_inf=False, has_nan=True, bias_tweak=1, nan_is_neg_zero=True)


def _round_shift(value: int, shift: int) -> int:
    """`value >> shift` rounded to nearest, ties to even."""
    if shift == 0:
        return value
    half = 1 << (shift - 1)
    rest = value & ((1 << shift) - 1)
    result = value >> shift
    if rest > half or (rest == half and result & 1):
        result += 1
    return result


def _narrow_finite(fmt: NarrowFloat, exp: int, mantissa: int):
    """(exponent field, mantissa field) for a nonzero f32 with biased `exp`,
    or the string "inf"/"nan" when it does not fit."""
    drop = 23 - fmt.mantissa_bits
    if exp == 0:  # f32 subnormal: only bf16 (same exponent width) keeps it
        if fmt.exp_bits == 8:
            return 0, _round_shift(mantissa, drop)
        return 0, 0
    unbiased = exp - 127
    if unbiased > (1 << (fmt.exp_bits - 1)) - int(fmt.has_inf):
        return "inf"
    if unbiased + fmt.bias <= 0:  # subnormal (or zero) in the narrow format
        shift = drop + (1 - fmt.bias) - unbiased
        if shift > 23:
            return 0, 0
        return 0, _round_shift((1 << 23) | mantissa, shift)
    rounded = _round_shift(mantissa, drop)
    if rounded >> fmt.mantissa_bits:  # rounding carried into the exponent
        rounded = 0
        unbiased += 1
    exp_field = unbiased + fmt.bias
    if not fmt.has_inf and exp_field << fmt.mantissa_bits > fmt.exp_mask:
        return "nan"
    return exp_field, rounded


def encode(fmt: NarrowFloat, value: float) -> int:
    """The bits IREE stores for the float32 `value` in format `fmt`."""
    bits = struct.unpack("<I", struct.pack("<f", value))[0]
    sign = fmt.sign_bit if bits >> 31 else 0
    exp = (bits >> 23) & 0xFF
    mantissa = bits & 0x7FFFFF
    if exp == 0xFF:
        outcome = "nan" if mantissa else "inf"
    else:
        outcome = _narrow_finite(fmt, exp, mantissa)
    if outcome == "inf":
        if fmt.has_inf:
            return sign | fmt.exp_mask
        if not fmt.has_nan:
            return sign | fmt.exp_mask | fmt.mantissa_mask
        outcome = "nan"
    if outcome == "nan":
        if not fmt.has_nan:
            return 0
        if fmt.nan_is_neg_zero:
            return fmt.sign_bit
        return sign | fmt.exp_mask | fmt.mantissa_mask
    exp_field, mantissa_field = outcome
    if fmt.nan_is_neg_zero and exp_field == 0 and mantissa_field == 0:
        return 0
    return sign | (exp_field << fmt.mantissa_bits) | mantissa_field


def encode_e8m0(value: float) -> int:
    """f8E8M0FNU (a power-of-two scale, no sign/zero): the nearest exponent,
    rounding up from a mantissa of 0.75; non-finite and overflow give NaN."""
    if not math.isfinite(value):
        return 0xFF
    if value <= 0:
        return 0
    fraction, exponent = math.frexp(value)
    biased = exponent - (fraction < 0.75) + 127
    return min(max(biased, 0), 0xFF)


def decode(values: np.ndarray) -> np.ndarray:
    """float64 values of a narrow-float array as IREE's decoder reads them:
    exact for numbers, but every NaN comes out positive."""
    with np.errstate(invalid="ignore"):
        result = values.astype(np.float64)
    result[np.isnan(result)] = np.nan
    return result
