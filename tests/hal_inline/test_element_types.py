"""Element type codes, names, dtypes, npy descrs and IREE's narrow-float rounding."""

import struct

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, strategies as st

from vmvxjit.errors import InvalidArgumentError, UnimplementedError
from vmvxjit.hal_inline import element_types as et
from vmvxjit.hal_inline import small_floats

# (name, code) pairs straight from iree/hal/buffer_view.h.
KNOWN_CODES = [
    ("i1", 0x13000008), ("i4", 0x10000004), ("si4", 0x11000004), ("ui4", 0x12000004),
    ("i8", 0x10000008), ("si8", 0x11000008), ("ui8", 0x12000008),
    ("i16", 0x10000010), ("si16", 0x11000010), ("ui16", 0x12000010),
    ("i32", 0x10000020), ("si32", 0x11000020), ("ui32", 0x12000020),
    ("i64", 0x10000040), ("si64", 0x11000040), ("ui64", 0x12000040),
    ("f16", 0x21000010), ("f32", 0x21000020), ("f64", 0x21000040), ("bf16", 0x22000010),
    ("cf64", 0x23000040), ("cf128", 0x23000080),
    ("f8E5M2", 0x24000008), ("f8E4M3FN", 0x25000008), ("f8E5M2FNUZ", 0x26000008),
    ("f8E4M3FNUZ", 0x27000008), ("f8E8M0FNU", 0x28000008),
    ("*8", 0x00000008), ("*16", 0x00000010), ("*32", 0x00000020), ("*64", 0x00000040),
]


@pytest.mark.parametrize("name,code", KNOWN_CODES)
def test_names_and_codes(name, code):
    assert et.parse_element_type(name) == code
    assert et.element_type_name(code) == name
    assert et.BY_CODE[code].name == name


def test_table_is_complete_and_unique():
    assert {row.code for row in et.TABLE} == {code for _, code in KNOWN_CODES}
    assert len({row.name for row in et.TABLE}) == len(et.TABLE)


@pytest.mark.parametrize("name,code", [
    ("x32", 0x00000020), ("*24", 0x00000018), ("i7", 0x10000007), ("f8", 0x21000008),
    ("i040", 0x10000020),      # bit counts are C strtoul base 0: octal
    ("f32abc", 0x21000020),    # ... with trailing garbage ignored
    ("i+8", 0x10000008), ("si1", 0x11000001), ("i01", 0x10000001),
    ("f8E4M3", 0x21000008),    # not an fp8 name: `f` + strtoul("8E4M3") = 8
    ("bf8", 0x22000008), ("cf32", 0x23000020), ("ui255", 0x120000FF),
])
def test_parse_generic_names(name, code):
    assert et.parse_element_type(name) == code


@pytest.mark.parametrize("name,message", [
    ("q32", "unhandled element type prefix in 'q32'"),
    ("32", "unhandled element type prefix in '32'"),
    ("", "unhandled element type prefix in ''"),
    ("i", "out of range bit count in 'i'"),
    ("i256", "out of range bit count in 'i256'"),
    ("ff32", "out of range bit count in 'ff32'"),
    ("i-8", "out of range bit count in 'i-8'"),
    ("i1234567890123456", "out of range bit count in 'i1234567890123456'"),
])
def test_parse_errors(name, message):
    with pytest.raises(InvalidArgumentError) as info:
        et.parse_element_type(name)
    assert info.value.message == message


@pytest.mark.parametrize("code,name", [
    (0x13000010, "i1"),       # any boolean prints as i1
    (0x14000010, "*16"),      # unknown numerical types print as opaque
    (0x20000020, "*32"), (0x24000010, "*16"), (0x10000007, "i7"), (0x21000008, "f8"),
    (0x00000000, "*0"),
])
def test_generic_names(code, name):
    assert et.element_type_name(code) == name


@pytest.mark.parametrize("code,count,size", [
    (0x10000004, 1, 1), (0x10000004, 2, 1), (0x10000004, 3, 2), (0x10000004, 0, 0),
    (0x13000008, 5, 5), (0x21000020, 3, 12), (0x23000080, 2, 32), (0x10000001, 9, 2),
    (0x10000007, 8, 7),
])
def test_byte_size(code, count, size):
    assert et.byte_size(code, count) == size


def test_dense_byte_count():
    assert et.dense_byte_count(0x10000004) == 1
    assert et.dense_byte_count(0x23000040) == 8
    assert et.dense_byte_count(0x00000000) == 0


@pytest.mark.parametrize("code,expected", [
    (0x10000020, True), (0x11000008, True), (0x12000040, True), (0x13000008, True),
    (0x21000020, False), (0x22000010, False), (0x23000040, False), (0x00000020, False),
    (0x25000008, False),
])
def test_is_integer(code, expected):
    assert et.is_integer(code) is expected


@pytest.mark.parametrize("expected,actual,ok", [
    (0x21000020, 0x21000020, True),
    (0x21000020, 0x10000020, False),
    (0x10000020, 0x11000020, True),   # si32 passes an i32 assert (npy inputs)
    (0x12000020, 0x10000020, True),
    (0x10000020, 0x10000040, False),
    (0x10000008, 0x13000008, True),   # i1 (bool, 8 bits) counts as an 8-bit integer
    (0x21000020, 0x00000020, True),   # opaque actual types pass anything
    (0x21000020, 0x00000008, True),
    (0x00000020, 0x21000020, False),  # ... but an opaque expectation needs an exact match
    (0x21000010, 0x22000010, False),
])
def test_is_compatible(expected, actual, ok):
    assert et.is_compatible(expected, actual) is ok


@pytest.mark.parametrize("dtype,code", [
    (np.bool_, 0x13000008), (np.int8, 0x10000008), (np.uint8, 0x12000008),
    (np.int16, 0x10000010), (np.uint16, 0x12000010), (np.int32, 0x10000020),
    (np.uint32, 0x12000020), (np.int64, 0x10000040), (np.uint64, 0x12000040),
    (np.float16, 0x21000010), (np.float32, 0x21000020), (np.float64, 0x21000040),
    (np.complex64, 0x23000040), (np.complex128, 0x23000080),
    (ml_dtypes.bfloat16, 0x22000010), (ml_dtypes.float8_e5m2, 0x24000008),
    (ml_dtypes.float8_e4m3fn, 0x25000008), (ml_dtypes.float8_e5m2fnuz, 0x26000008),
    (ml_dtypes.float8_e4m3fnuz, 0x27000008), (ml_dtypes.float8_e8m0fnu, 0x28000008),
    (ml_dtypes.int4, 0x10000004), (ml_dtypes.uint4, 0x12000004),
    ("V4", 0x00000020), ("V3", 0x00000018), (">i4", 0x10000020), (">f8", 0x21000040),
])
def test_element_type_for_dtype(dtype, code):
    assert et.element_type_for_dtype(dtype) == code


@pytest.mark.parametrize("dtype", ["U4", "O", "M8[s]", [("a", "<i4")], "V40"])
def test_unsupported_dtypes(dtype):
    with pytest.raises(InvalidArgumentError):
        et.element_type_for_dtype(dtype)


@pytest.mark.parametrize("name,dtype", [
    ("i1", np.bool_), ("si8", np.int8), ("ui64", np.uint64), ("bf16", ml_dtypes.bfloat16),
    ("cf64", np.complex64), ("*16", "V2"), ("f8E8M0FNU", ml_dtypes.float8_e8m0fnu),
])
def test_numpy_dtype(name, dtype):
    assert et.numpy_dtype(et.parse_element_type(name)) == np.dtype(dtype)


def test_numpy_dtype_unknown():
    assert et.numpy_dtype(0x10000007) is None


@pytest.mark.parametrize("name,descr", [
    ("i1", "|b1"), ("i8", "|i1"), ("si8", "|i1"), ("ui8", "|u1"), ("i32", "<i4"),
    ("si32", "<i4"), ("ui64", "<u8"), ("f16", "<f2"), ("f32", "<f4"), ("f64", "<f8"),
    ("cf64", "<c8"), ("cf128", "<c16"), ("*32", "<V4"), ("*8", "|V1"), ("i4", "|i1"),
])
def test_npy_descr(name, descr):
    assert et.npy_descr(et.parse_element_type(name)) == descr


@pytest.mark.parametrize("name", ["bf16", "f8E5M2", "f8E4M3FN", "f8E8M0FNU"])
def test_npy_descr_unsupported(name):
    with pytest.raises(UnimplementedError) as info:
        et.npy_descr(et.parse_element_type(name))
    assert info.value.message == "unsupported data encoding"


@pytest.mark.parametrize("descr,code", [
    ("<i4", 0x11000020), ("|i1", 0x11000008), ("i8", 0x11000040), ("=u2", 0x12000010),
    ("|b1", 0x13000008), ("<f2", 0x21000010), ("<c8", 0x23000040), ("|V4", 0x00000020),
    ("<f4x", 0x21000020), ("<V64", 0x00000200),   # width*8 is not masked to 8 bits
])
def test_npy_element_type(descr, code):
    assert et.npy_element_type(descr) == code


@pytest.mark.parametrize("descr,cls,message", [
    (">i4", UnimplementedError, "big-endian data type '>i4' unsupported"),
    ("", UnimplementedError, "big-endian data type '' unsupported"),
    ("<", InvalidArgumentError, "descr missing kind"),
    ("<U4", UnimplementedError, "unsupported data type U"),
    ("|O", UnimplementedError, "unsupported data type O"),
    ("<i", InvalidArgumentError, "invalid descr byte width"),
])
def test_npy_element_type_errors(descr, cls, message):
    with pytest.raises(cls) as info:
        et.npy_element_type(descr)
    assert info.value.message == message


# --- IREE's f32 -> narrow float rounding --------------------------------------------------

NARROW = {
    "f16": (small_floats.F16, np.float16),
    "bf16": (small_floats.BF16, ml_dtypes.bfloat16),
    "f8E5M2": (small_floats.F8E5M2, ml_dtypes.float8_e5m2),
    "f8E4M3FN": (small_floats.F8E4M3FN, ml_dtypes.float8_e4m3fn),
    "f8E5M2FNUZ": (small_floats.F8E5M2FNUZ, ml_dtypes.float8_e5m2fnuz),
    "f8E4M3FNUZ": (small_floats.F8E4M3FNUZ, ml_dtypes.float8_e4m3fnuz),
}


def _f32(bits: int) -> float:
    return struct.unpack("<f", struct.pack("<I", bits))[0]


@pytest.mark.parametrize("name,value,bits", [
    ("f16", float("nan"), 0x7FFF), ("f16", -float("nan"), 0xFFFF),
    ("f16", float("inf"), 0x7C00), ("f16", 65520.0, 0x7C00), ("f16", 65504.0, 0x7BFF),
    ("f16", 1.0, 0x3C00), ("f16", -0.0, 0x8000), ("f16", 2.0 ** -24, 0x0001),
    ("f16", 2.0 ** -25 * 1.5, 0x0000),      # below the min subnormal by a binade: flushed
    ("f16", _f32(0x00000001), 0x0000),      # f32 denormals flush
    ("bf16", float("nan"), 0x7FFF), ("bf16", _f32(0x00400000), 0x0040),  # bf16 keeps them
    ("bf16", 3.3, 0x4053), ("bf16", 1.00390625, 0x3F80),  # tie to even
    ("f8E4M3FN", 448.0, 0x7E), ("f8E4M3FN", 480.0, 0x7F),  # 480 rounds into the NaN code
    ("f8E4M3FN", 1e6, 0x7F), ("f8E4M3FN", float("inf"), 0x7F), ("f8E4M3FN", -1e6, 0xFF),
    ("f8E5M2FNUZ", -0.0, 0x00), ("f8E5M2FNUZ", float("nan"), 0x80),
    ("f8E5M2FNUZ", float("inf"), 0x80), ("f8E4M3FNUZ", -1e-30, 0x00),
    ("f8E5M2", float("inf"), 0x7C), ("f8E5M2", -float("nan"), 0xFF),
])
def test_encode_examples(name, value, bits):
    assert small_floats.encode(NARROW[name][0], value) == bits


@pytest.mark.parametrize("value,bits", [
    (1.0, 127), (1.49, 127), (1.5, 128), (0.75, 127), (0.74, 126), (0.0, 0), (-1.0, 0),
    (float("inf"), 0xFF), (float("nan"), 0xFF), (2.0 ** 127, 254), (2.0 ** 127 * 1.5, 255),
    (2.0 ** -127, 0), (2.0 ** -130, 0),
])
def test_encode_e8m0(value, bits):
    assert small_floats.encode_e8m0(value) == bits


@pytest.mark.parametrize("name", NARROW)
def test_encode_matches_ml_dtypes_on_ordinary_values(name):
    """Away from IREE's documented quirks the rounding is plain RNE."""
    fmt, dtype = NARROW[name]
    rng = np.random.default_rng(7)
    info = ml_dtypes.finfo(dtype)
    values = (rng.standard_normal(2000) * float(info.max) / 8).astype(np.float32)
    values = values[np.abs(values) >= float(info.smallest_normal)]
    ours = [small_floats.encode(fmt, float(v)) for v in values]
    theirs = values.astype(dtype).view(np.uint8 if np.dtype(dtype).itemsize == 1 else np.uint16)
    assert ours == theirs.tolist()


@given(st.integers(0, 0xFFFF))
def test_f16_round_trip_of_every_number(bits):
    """Every non-NaN f16 survives decode -> encode unchanged."""
    value = np.array([bits], np.uint16).view(np.float16)[0]
    if not np.isnan(value):
        assert small_floats.encode(small_floats.F16, float(value)) == bits


def test_decode_drops_nan_sign():
    values = np.array([0xFE00, 0x7E00, 0x3C00], np.uint16).view(np.float16)
    decoded = small_floats.decode(values)
    assert not np.signbit(decoded[0]) and np.isnan(decoded[0])
    assert decoded[2] == 1.0
