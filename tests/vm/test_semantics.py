"""Reference semantics of pure ops: edge values with known C/x86 results."""

import math

import pytest

from vmvxjit.errors import ArithmeticFault
from vmvxjit.vm.semantics import PURE_OPS, f32

INT32_MIN, INT64_MIN = -(2**31), -(2**63)
NAN, INF = math.nan, math.inf

CASES = [
    ("vm.add.i32", (2**31 - 1, 1), INT32_MIN),
    ("vm.mul.i32", (65536, 65536), 0),
    ("vm.div.i32.s", (7, -2), -3),
    ("vm.rem.i32.s", (-7, 2), -1),
    ("vm.div.i32.u", (-1, 2), 2**31 - 1),
    ("vm.rem.i32.u", (-1, 10), 5),
    ("vm.shl.i32", (1, 33), 2),
    ("vm.shr.i32.s", (-8, 1), -4),
    ("vm.shr.i32.u", (-8, 1), 0x7FFFFFFC),
    ("vm.shr.i32.u", (-8, 32), -8),
    ("vm.ctlz.i32", (0,), 32),
    ("vm.ctlz.i32", (-1,), 0),
    ("vm.abs.i32", (INT32_MIN,), INT32_MIN),
    ("vm.min.i32.u", (-1, 1), 1),
    ("vm.max.i32.u", (-1, 1), -1),
    ("vm.cmp.lt.i32.u", (1, -1), 1),
    ("vm.trunc.i32.i8", (-1,), 255),
    ("vm.ext.i8.i32.s", (0x80,), -128),
    ("vm.ext.i16.i32.u", (-1,), 0xFFFF),
    ("vm.add.i64", (2**63 - 1, 1), INT64_MIN),
    ("vm.shl.i64", (1, 65), 2),
    ("vm.ctlz.i64", (1,), 63),
    ("vm.trunc.i64.i32", (2**32 + 5,), 5),
    ("vm.ext.i32.i64.u", (-1,), 2**32 - 1),
    ("vm.fma.i32", (2**16, 2**16, 1), 1),
    ("vm.rem.f32", (5.0, 3.0), -1.0),
    ("vm.rem.f32", (-7.0, 2.0), 1.0),
    ("vm.fma.f32", (f32(0.1), 10.0, -1.0), 0.0),
    ("vm.round.f32", (2.5,), 3.0),
    ("vm.round.f32", (-2.5,), -3.0),
    ("vm.round.f32.even", (2.5,), 2.0),
    ("vm.round.f32.even", (-3.5,), -4.0),
    ("vm.round.f32.even", (-0.5,), 0.0),
    ("vm.cast.f32.si32", (2.5,), 3),
    ("vm.cast.f32.si32", (-2.7,), -3),
    ("vm.cast.f32.si32", (3e9,), -1294967296),
    ("vm.cast.f32.si32", (NAN,), 0),
    ("vm.cast.f32.ui32", (-1.5,), -2),
    ("vm.cast.f32.si64", (1e20,), INT64_MIN),
    ("vm.cast.f32.ui64", (2.5,), 3),
    ("vm.cast.f32.ui64", (-2.5,), -3),
    ("vm.cast.ui32.f32", (-1,), 4294967296.0),
    ("vm.cast.si64.f32", (2**63 - 1,), 9.223372036854775808e18),
    ("vm.bitcast.f32.i32", (1.0,), 0x3F800000),
    ("vm.bitcast.i32.f32", (0x40490FDB,), f32(math.pi)),
    ("vm.bitcast.f64.i64", (-0.0,), INT64_MIN),
    ("vm.div.f32", (1.0, 0.0), INF),
    ("vm.div.f32", (-1.0, 0.0), -INF),
    ("vm.div.f32", (1.0, -0.0), -INF),
    ("vm.sqrt.f32", (2.0,), f32(math.sqrt(2.0))),
    ("vm.rsqrt.f32", (4.0,), 0.5),
    ("vm.ceil.f32", (-0.5,), -0.0),
    ("vm.cmp.eq.f32.u", (NAN, 1.0), 1),
    ("vm.cmp.lt.f32.o", (NAN, 1.0), 0),
    ("vm.cmp.lte.f64.u", (NAN, 1.0), 1),
    ("vm.cmp.nan.f64", (NAN,), 1),
    ("vm.trunc.f64.f32", (1e39,), INF),
]


@pytest.mark.parametrize("mnemonic,args,expected", CASES, ids=[f"{c[0]}{c[1]}" for c in CASES])
def test_pure_op(mnemonic, args, expected):
    result = PURE_OPS[mnemonic](*args)
    if isinstance(expected, float):
        assert math.copysign(1.0, result) == math.copysign(1.0, expected)
    assert result == expected


def test_min_max_nan_returns_left_operand():
    assert math.isnan(PURE_OPS["vm.min.f32"](NAN, 1.0))
    assert PURE_OPS["vm.min.f32"](1.0, NAN) == 1.0
    assert math.copysign(1, PURE_OPS["vm.min.f32"](-0.0, 0.0)) == -1
    assert math.copysign(1, PURE_OPS["vm.min.f32"](0.0, -0.0)) == 1


@pytest.mark.parametrize("mnemonic,args", [
    ("vm.div.i32.s", (1, 0)), ("vm.div.i32.s", (INT32_MIN, -1)), ("vm.rem.i32.u", (3, 0)),
    ("vm.div.i64.s", (INT64_MIN, -1)), ("vm.rem.i64.s", (5, 0)), ("vm.div.i64.u", (5, 0)),
])
def test_integer_division_faults_raise(mnemonic, args):
    with pytest.raises(ArithmeticFault):
        PURE_OPS[mnemonic](*args)


def test_f32_rounding_is_nearest_even():
    assert f32(1.0 + 2**-24) == 1.0
    assert f32(1.0 + 3 * 2**-24) == 1.0 + 2**-22
    assert f32(3.4028235677973366e38) == INF
