"""How region code spells values: constants keep every bit, i32 and i64 share a local."""

import math
import struct

import pytest

from vmvxjit.vm.jit.spelling import literal, var


@pytest.mark.parametrize("bank,fmt,ifmt,bits", [("f32", "<f", "<i", 32), ("f64", "<d", "<q", 64)])
@pytest.mark.parametrize("value", [0.0, -0.0, 1.5, -math.inf, math.inf, math.nan, 1e-45])
def test_float_literals_keep_every_bit(bank, fmt, ifmt, bits, value):
    text = literal(bank, value)
    assert text.startswith(f"bitcast_i{bits}_{bank}(")
    assert struct.pack(ifmt, int(text[text.index("(") + 1:-1])) == struct.pack(fmt, value)


def test_int_literals_and_locals():
    assert literal("i64", -(1 << 63)) == str(-(1 << 63))
    assert var(5, "i32") == var(5, "i64") == "r5_i64"
    assert var(5, "f32") == "r5_f32"
