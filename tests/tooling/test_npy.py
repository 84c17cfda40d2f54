"""npy reading/writing: unit tests, numpy round trips and iree-run-module comparisons."""

from __future__ import annotations

import io
import struct

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from tests.tooling.test_inputs import assert_matches_iree, identity, requires_iree
from vmvxjit.errors import InvalidArgumentError, OutOfRangeError, UnimplementedError
from vmvxjit.hal_inline import element_types as et
from vmvxjit.hal_inline.buffer import BufferView, HalBuffer
from vmvxjit.tooling.arrays import array_from_buffer_view, buffer_view_from_array
from vmvxjit.tooling.npy import at_end, npy_header, parse_header, read_npy, write_npy


def npy_bytes(array, version=None) -> bytes:
    stream = io.BytesIO()
    np.lib.format.write_array(stream, np.asanyarray(array), version=version)
    return stream.getvalue()


def raw_npy(header: str, data: bytes = b"", version=(1, 0)) -> bytes:
    """An npy file with a hand-written header dict (no padding rules applied)."""
    text = header.encode("latin-1")
    size = struct.pack("<H", len(text)) if version[0] == 1 else struct.pack("<I", len(text))
    return b"\x93NUMPY" + bytes(version) + size + text + data


# --- reading ------------------------------------------------------------------------------------

@pytest.mark.parametrize("array,type_name", [
    (np.arange(6, dtype=np.int32).reshape(2, 3), "si32"),
    (np.array([1, 2], dtype=np.uint16), "ui16"), (np.array([True, False]), "i1"),
    (np.array([1.5], dtype=np.float16), "f16"), (np.float64(3.25), "f64"),
    (np.array([1 + 2j], dtype=np.complex64), "cf64"), (np.zeros(2, dtype="V4"), "*32"),
    (np.zeros((0, 3), dtype=np.int8), "si8"), (np.arange(3, dtype=">i2").astype("<i2"), "si16"),
])
def test_read_dtypes(array, type_name):
    view = read_npy(io.BytesIO(npy_bytes(array)))
    assert et.element_type_name(view.element_type) == type_name
    assert view.shape == array.shape
    assert view.buffer.data().tobytes() == np.ascontiguousarray(array).tobytes()


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_read_versions(version):
    array = np.arange(5, dtype=np.float32)
    view = read_npy(io.BytesIO(npy_bytes(array, version)))
    assert array_from_buffer_view(view).tolist() == array.tolist()


def test_read_sequentially():
    stream = io.BytesIO(npy_bytes(np.int8(1)) + npy_bytes(np.arange(3)) + b"")
    first, second = read_npy(stream), read_npy(stream)
    assert first.shape == () and second.shape == (3,) and at_end(stream)
    with pytest.raises(OutOfRangeError) as info:
        read_npy(stream)
    assert info.value.message == "end-of-file"


@pytest.mark.parametrize("header,shape,type_name,encoding", [
    ("{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4', }", (2, 3), "f32", 1),
    ("{'descr': '<f4', 'extra': 'x', 'fortran_order': False, 'shape': (4,), }", (4,), "f32", 1),
    ("  {'descr': 'f4', 'fortran_order': False, 'shape': (), }\n  ", (), "f32", 1),
    ("{'descr': '=u8', 'fortran_order': False, 'shape': (1,2,), }", (1, 2), "ui64", 1),
    ("{'descr': '<f4', 'shape': (4,), }", (4,), "f32", 0),
    ("{'fortran_order': False, 'shape': (4,), }", (4,), "*0", 1),
    ("{ 'descr': '<f4', 'fortran_order': False, }", (), "*0", 1),  # ` 'descr` is no known key
])
def test_parse_header(header, shape, type_name, encoding):
    parsed_shape, element_type, parsed_encoding = parse_header(header)
    assert parsed_shape == shape and parsed_encoding == encoding
    assert et.element_type_name(element_type) == type_name


@pytest.mark.parametrize("data,cls,message", [
    (b"\x93NUMPX\x01\x00", InvalidArgumentError, "npy header magic mismatch"),
    (b"\x93NUMPY\x04\x00", UnimplementedError, "npy version 4.0 not supported"),
    (b"\x93NUMPY\x00\x05", UnimplementedError, "npy version 0.5 not supported"),
    (b"\x93NUM", OutOfRangeError,
     "end-of-file encountered during read; unable to read entire header prefix"),
    (b"\x93NUMPY\x01\x00\x10", OutOfRangeError,
     "end-of-file encountered during read; failed to read version 1.0 2-byte header length"),
    (b"\x93NUMPY\x02\x00\x10\x00", OutOfRangeError,
     "end-of-file encountered during read; failed to read version 2.0 4-byte header length"),
    (b"\x93NUMPY\x01\x00\x10\x00{'descr'", OutOfRangeError,
     "end-of-file encountered during read; failed to read header string of 16 bytes"),
    (raw_npy("{'descr': '>i4', 'fortran_order': False, 'shape': (1,), }"), UnimplementedError,
     "big-endian data type '>i4' unsupported"),
    (raw_npy("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }"), UnimplementedError,
     "fortran order arrays not supported"),
    (raw_npy("{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }"), UnimplementedError,
     "unsupported data type U"),
    (raw_npy("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }"),
     InvalidArgumentError, "malformed header dict"),
    (raw_npy("{'descr': '<f4' 'fortran_order': False}"), InvalidArgumentError,
     "malformed header dict"),
    (raw_npy("{'descr'}"), InvalidArgumentError, "malformed header dict"),
    (raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }"),
     InvalidArgumentError, "invalid dimension 1 value x"),
    (raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", b"\0" * 7),
     OutOfRangeError, "end-of-file encountered during read; failed to read npy contents of 8 bytes"),
    (raw_npy("{'descr': '<f4', 'shape': (2,), }"), UnimplementedError,
     "unimplemented encoding type size calculation"),
    (raw_npy("{'fortran_order': False, 'shape': (2,), }"), InvalidArgumentError,
     "opaque element types cannot be indexed"),
])
def test_read_errors(data, cls, message):
    with pytest.raises(cls) as info:
        read_npy(io.BytesIO(data))
    assert info.value.message == message


def test_read_rank_limit():
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + "1," * 129 + "), }"
    with pytest.raises(InvalidArgumentError):
        read_npy(io.BytesIO(raw_npy(header)))


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(st.sampled_from([np.bool_, np.int8, np.uint8, np.int16, np.int32, np.uint32,
                                   np.int64, np.float16, np.float32, np.float64, np.complex64]),
                  hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)))
def test_numpy_round_trips(array):
    """np.save -> read_npy and write_npy -> np.load preserve bytes; our header is
    numpy's header byte for byte (IREE writes numpy's layout)."""
    data = npy_bytes(array)
    view = read_npy(io.BytesIO(data))
    assert view.shape == array.shape
    assert view.buffer.data().tobytes() == array.tobytes()
    stream = io.BytesIO()
    write_npy(stream, buffer_view_from_array(array))
    assert stream.getvalue() == data


# --- writing ------------------------------------------------------------------------------------

@pytest.mark.parametrize("type_name,shape,dict_text", [
    ("f32", (4,), "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }"),
    ("si32", (), "{'descr': '<i4', 'fortran_order': False, 'shape': (), }"),
    ("i1", (2, 3), "{'descr': '|b1', 'fortran_order': False, 'shape': (2, 3), }"),
    ("ui8", (0,), "{'descr': '|u1', 'fortran_order': False, 'shape': (0,), }"),
    ("*16", (1, 1, 1), "{'descr': '<V2', 'fortran_order': False, 'shape': (1, 1, 1), }"),
])
def test_header_layout(type_name, shape, dict_text):
    code = et.parse_element_type(type_name)
    header = npy_header(BufferView(HalBuffer.allocate(0), shape, code))
    assert header[:8] == b"\x93NUMPY\x01\x00" and len(header) % 64 == 0
    assert struct.unpack("<H", header[8:10])[0] == len(header) - 10
    assert header[10:].rstrip(b" \n").decode() == dict_text and header.endswith(b" \n")


def test_header_version_2():
    view = BufferView(HalBuffer.allocate(0), (1,) * 22000, et.parse_element_type("f32"))
    header = npy_header(view)
    assert header[6:8] == b"\x02\x00" and len(header) % 64 == 0
    assert struct.unpack("<I", header[8:12])[0] == len(header) - 12


@pytest.mark.parametrize("type_name", ["bf16", "f8E5M2", "f8E8M0FNU"])
def test_write_unsupported_type(type_name):
    view = buffer_view_from_array(np.zeros(2, et.numpy_dtype(et.parse_element_type(type_name))))
    with pytest.raises(UnimplementedError) as info:
        write_npy(io.BytesIO(), view)
    assert info.value.message == "unsupported data encoding"


def test_write_checks_encoding_and_size():
    opaque = BufferView(HalBuffer.allocate(4), (1,), et.parse_element_type("f32"), 0)
    with pytest.raises(UnimplementedError) as info:
        write_npy(io.BytesIO(), opaque)
    assert info.value.message == "non-row-major contiguous encoding not supported for serialization"
    short = BufferView(HalBuffer.allocate(4), (2,), et.parse_element_type("f32"))
    with pytest.raises(OutOfRangeError):
        write_npy(io.BytesIO(), short)


def test_write_bf16_via_arrays_is_still_readable_raw():
    """Only npy refuses bf16; the raw bytes are the ml_dtypes bytes."""
    array = np.array([1, 2], ml_dtypes.bfloat16)
    assert buffer_view_from_array(array).buffer.data().tobytes() == array.tobytes()


# --- numpy arrays <-> buffer views (arrays.py) --------------------------------------------------

ARRAY_DTYPES = sorted({row.dtype for row in et.TABLE}, key=str)


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_array_round_trip(data):
    """Every table dtype (incl. packed i4) survives array -> view -> array."""
    dtype = data.draw(st.sampled_from(ARRAY_DTYPES))
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5))
    count = int(np.prod(shape))
    raw = data.draw(st.binary(min_size=count * dtype.itemsize, max_size=count * dtype.itemsize))
    array = np.frombuffer(raw, np.uint8).copy()
    if dtype in (np.dtype(np.bool_), np.dtype(ml_dtypes.int4), np.dtype(ml_dtypes.uint4)):
        array &= 1 if dtype == np.bool_ else 0xF
    array = array.view(dtype).reshape(shape)
    view = buffer_view_from_array(array)
    assert view.element_type == et.element_type_for_dtype(dtype)
    assert view.buffer.length == et.byte_size(view.element_type, count)
    assert count == 0 or view.buffer.allocation.ctypes.data % 64 == 0
    back = array_from_buffer_view(view)
    assert back.dtype == dtype and back.shape == array.shape
    assert back.tobytes() == array.tobytes()


def test_array_packing():
    view = buffer_view_from_array(np.array([1, -2, 3], ml_dtypes.int4))
    assert view.buffer.data().tolist() == [0xE1, 0x03]
    view = buffer_view_from_array(np.array([True, False]), et.parse_element_type("i8"))
    assert array_from_buffer_view(view).dtype == np.int8


def test_array_conversions():
    big_endian = np.arange(6, dtype=">f4").reshape(2, 3)
    view = buffer_view_from_array(big_endian)
    assert array_from_buffer_view(view).tolist() == big_endian.tolist()
    assert buffer_view_from_array(np.arange(10)[::2]).shape == (5,)
    alias = array_from_buffer_view(view, copy=False)
    alias[0, 0] = 9
    assert array_from_buffer_view(view)[0, 0] == 9
    assert array_from_buffer_view(view)[0, 0] is not alias


def test_array_errors():
    with pytest.raises(InvalidArgumentError):
        buffer_view_from_array(np.zeros(2, np.int8), et.parse_element_type("i32"))
    short = BufferView(HalBuffer.allocate(4), (2,), et.parse_element_type("f32"))
    with pytest.raises(OutOfRangeError) as info:
        array_from_buffer_view(short)
    assert "buffer byte_length=4" in info.value.message
    with pytest.raises(UnimplementedError):
        array_from_buffer_view(BufferView(HalBuffer.allocate(2), (2,), 0x10000007))


# --- oracle comparisons -------------------------------------------------------------------------

@pytest.fixture
def npy_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


ORACLE_FILES = {
    "si32.npy": npy_bytes(np.arange(6, dtype=np.int32).reshape(2, 3)),
    "b.npy": npy_bytes(np.array([True, False, True])),
    "f2.npy": npy_bytes(np.array([1, -2.5, np.inf], dtype=np.float16)),
    "u2.npy": npy_bytes(np.array([1, 65535], dtype=np.uint16)),
    "c8.npy": npy_bytes(np.array([1 + 2j], dtype=np.complex64)),
    "v4.npy": npy_bytes(np.array([b"\x01\x02\x03\x04"], dtype="V4")),
    "f8.npy": npy_bytes(np.float64(3.25)),
    "v2.npy": npy_bytes(np.arange(4, dtype=np.int64), (2, 0)),
    "v3.npy": npy_bytes(np.arange(4, dtype=np.uint8), (3, 0)),
    "order.npy": raw_npy("{'shape': (2,), 'extra': (1, 2), 'fortran_order': False, "
                         "'descr': '<f4', }", struct.pack("<2f", 1, 2)),
    "be.npy": npy_bytes(np.array([1, 2], dtype=">i4")),
    "fortran.npy": npy_bytes(np.asfortranarray(np.ones((2, 2), np.float32))),
    "magic.npy": b"\x93NUMPX\x01\x00" + b"\0" * 64,
    "v4x.npy": b"\x93NUMPY\x04\x00" + b"\0" * 64,
    "short.npy": npy_bytes(np.arange(4, dtype=np.float32))[:-3],
    "unicode.npy": npy_bytes(np.array(["ab"])),
    "struct.npy": npy_bytes(np.zeros(2, dtype=[("a", "<i4")])),
    "noshape.npy": raw_npy("{'descr': '<f4', 'fortran_order': False, }", struct.pack("<f", 9)),
    "empty.npy": b"",
}
NPY_CASES = [
    (identity("i32", 2), ["@si32.npy"]), (identity("i1", 1), ["@b.npy"]),
    (identity("f16", 1), ["@f2.npy"]), (identity("ui16", 1), ["@u2.npy"]),
    (identity("cf64", 1), ["@c8.npy"]), (identity("i32", 1), ["@v4.npy"]),
    (identity("f64", 0), ["@f8.npy"]), (identity("i64", 1), ["@v2.npy"]),
    (identity("ui8", 1), ["@v3.npy"]), (identity("f32", 1), ["@order.npy"]),
    (identity("f32", 0), ["@noshape.npy"]), (identity("i32", 1), ["@be.npy"]),
    (identity("f32", 2), ["@fortran.npy"]), (identity("f32", 1), ["@magic.npy"]),
    (identity("f32", 1), ["@v4x.npy"]), (identity("f32", 1), ["@short.npy"]),
    (identity("f32", 1), ["@unicode.npy"]), (identity("f32", 1), ["@struct.npy"]),
    (identity("f32", 1), ["@empty.npy"]), (identity("f32", 1), ["+empty.npy"]),
]


@requires_iree
@pytest.mark.parametrize("function,inputs", NPY_CASES)
def test_npy_inputs_match_iree(function, inputs, npy_dir):
    for name, data in ORACLE_FILES.items():
        (npy_dir / name).write_bytes(data)
    assert_matches_iree(function, inputs, cwd=npy_dir)
