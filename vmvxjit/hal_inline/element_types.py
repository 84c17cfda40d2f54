"""HAL element types: `u32 = numerical_type << 24 | bit_count`.

One table (`TABLE`) lists every element type IREE names, with what each
needs elsewhere: its numpy dtype (ml_dtypes for bf16/fp8/i4, imported only
when such a row's dtype is first used, as its extension alone costs ~0.7 s
of a process's start; None where numpy has nothing), how iree-run-module
prints one element (`print_style`) and how it parses one text token
(`token`). Codes outside the table (i7, `*24`, `f8` IEEE, ...) are still
valid element types: they get a generic name and are printed/parsed as raw
hex, as IREE does for anything it does not special-case.

Facts that matter (buffer_view.h, string_util.c, numpy_io.c):
* `i1` is the *boolean* type 0x13000008, stored one byte per element; it
  prints and parses as hex (`01 00`).
* Sub-byte types pack: `byte_size(i4, 3) == 2`; one element's "dense" size
  (used for text parsing/printing) is still 1 byte.
* Names: signless `iN`, signed `siN`, unsigned `uiN`, `fN`, `bfN`, complex
  `cfN` (N = total bits: complex<f32> is `cf64`), opaque `*N` (`xN` parses
  too, but never inside a tensor spec, which splits at its last `x`), and the
  fp8 names. A name's bit count is read with C `strtoul`
  semantics (so `i040` is i32 and `f32abc` is f32).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cached_property, lru_cache, partial

import numpy as np

from vmvxjit.cnumbers import atoi_uint32
from vmvxjit.errors import InvalidArgumentError, UnimplementedError
from vmvxjit.hal_inline import small_floats

# Numerical types (the top byte).
OPAQUE = 0x00
INTEGER = 0x10
SIGNED = 0x11
UNSIGNED = 0x12
BOOLEAN = 0x13
FLOAT_IEEE = 0x21
FLOAT_BRAIN = 0x22
FLOAT_COMPLEX = 0x23


def make_element_type(numerical_type: int, bits: int) -> int:
    return ((numerical_type << 24) | bits) & 0xFFFFFFFF


@dataclass(frozen=True)
class ElementType:
    """One named element type.

    `print_style`: `d` signed decimal, `u` unsigned decimal, `G` C `%G` of the
    value (narrow floats decoded first), `x` uppercase hex of the raw bytes.
    `token`: how a text token becomes the element, `(parser, min, max)` with
    parser one of `i32`/`u32`/`i64`/`u64` (C strtol family, see cnumbers) or
    `f32`/`f64` (strtof/strtod); None means raw hex. `encode` narrows a
    float32 value to the stored bits (f16/bf16/fp8), else None. `dtype_spec`
    is what `dtype` is made from: anything np.dtype takes, a name
    `ml_dtypes.<type>`, or None.
    """

    name: str
    code: int
    dtype_spec: object
    print_style: str
    token: tuple | None = None
    encode: object = None

    @property
    def bits(self) -> int:
        return self.code & 0xFF

    @property
    def needs_ml_dtypes(self) -> bool:
        return isinstance(self.dtype_spec, str) and self.dtype_spec.startswith("ml_dtypes.")

    @cached_property
    def dtype(self) -> np.dtype | None:
        if self.dtype_spec is None:
            return None
        if self.needs_ml_dtypes:
            import ml_dtypes

            return np.dtype(getattr(ml_dtypes, self.dtype_spec.removeprefix("ml_dtypes.")))
        return np.dtype(self.dtype_spec)


def _row(name, numerical, bits, dtype, style, token=None, encode=None):
    return ElementType(name, make_element_type(numerical, bits), dtype, style, token, encode)


_narrow = small_floats.encode
TABLE: tuple[ElementType, ...] = (
    # name        numerical      bits dtype                        print token                    encode
    _row("i1",          BOOLEAN,       8, np.bool_,                    "x"),
    _row("i4",          INTEGER,       4, "ml_dtypes.int4",            "x"),
    _row("si4",         SIGNED,        4, "ml_dtypes.int4",            "x"),
    _row("ui4",         UNSIGNED,      4, "ml_dtypes.uint4",           "x"),
    _row("i8",          INTEGER,       8, np.int8,                     "d", ("i32", -128, 255)),
    _row("si8",         SIGNED,        8, np.int8,                     "d", ("i32", None, 127)),
    _row("ui8",         UNSIGNED,      8, np.uint8,                    "u", ("u32", None, 255)),
    _row("i16",         INTEGER,      16, np.int16,                    "d", ("i32", -32768, 65535)),
    _row("si16",        SIGNED,       16, np.int16,                    "d", ("i32", None, 32767)),
    _row("ui16",        UNSIGNED,     16, np.uint16,                   "u", ("u32", None, 65535)),
    _row("i32",         INTEGER,      32, np.int32,                    "d", ("i32", None, None)),
    _row("si32",        SIGNED,       32, np.int32,                    "d", ("i32", None, None)),
    _row("ui32",        UNSIGNED,     32, np.uint32,                   "u", ("u32", None, None)),
    _row("i64",         INTEGER,      64, np.int64,                    "d", ("i64", None, None)),
    _row("si64",        SIGNED,       64, np.int64,                    "d", ("i64", None, None)),
    _row("ui64",        UNSIGNED,     64, np.uint64,                   "u", ("u64", None, None)),
    _row("f16",         FLOAT_IEEE,   16, np.float16,                  "G", ("f32", None, None),
         partial(_narrow, small_floats.F16)),
    _row("f32",         FLOAT_IEEE,   32, np.float32,                  "G", ("f32", None, None)),
    _row("f64",         FLOAT_IEEE,   64, np.float64,                  "G", ("f64", None, None)),
    _row("bf16",        FLOAT_BRAIN,  16, "ml_dtypes.bfloat16",        "G", ("f32", None, None),
         partial(_narrow, small_floats.BF16)),
    _row("cf64",        FLOAT_COMPLEX, 64, np.complex64,               "x"),
    _row("cf128",       FLOAT_COMPLEX, 128, np.complex128,             "x"),
    _row("f8E5M2",      0x24,          8, "ml_dtypes.float8_e5m2",     "G", ("f32", None, None),
         partial(_narrow, small_floats.F8E5M2)),
    _row("f8E4M3FN",    0x25,          8, "ml_dtypes.float8_e4m3fn",   "G", ("f32", None, None),
         partial(_narrow, small_floats.F8E4M3FN)),
    _row("f8E5M2FNUZ",  0x26,          8, "ml_dtypes.float8_e5m2fnuz", "G", ("f32", None, None),
         partial(_narrow, small_floats.F8E5M2FNUZ)),
    _row("f8E4M3FNUZ",  0x27,          8, "ml_dtypes.float8_e4m3fnuz", "G", ("f32", None, None),
         partial(_narrow, small_floats.F8E4M3FNUZ)),
    _row("f8E8M0FNU",   0x28,          8, "ml_dtypes.float8_e8m0fnu",  "G", ("f32", None, None),
         small_floats.encode_e8m0),
    _row("*8",          OPAQUE,        8, "V1",                        "x"),
    _row("*16",         OPAQUE,       16, "V2",                        "x"),
    _row("*32",         OPAQUE,       32, "V4",                        "x"),
    _row("*64",         OPAQUE,       64, "V8",                        "x"),
)

BY_CODE = {row.code: row for row in TABLE}
_SPECIAL_NAMES = {row.name: row.code for row in TABLE if row.name.startswith("f8")}
_SPECIAL_CODES = {code: name for name, code in _SPECIAL_NAMES.items()}
# Printed name prefix per numerical type; any other numerical type prints `*`.
_PREFIXES = {BOOLEAN: "i", INTEGER: "i", SIGNED: "si", UNSIGNED: "ui",
             FLOAT_IEEE: "f", FLOAT_BRAIN: "bf", FLOAT_COMPLEX: "cf"}
# Name prefixes in the order IREE tries them (after `i1` and the fp8 names).
_PARSE_PREFIXES = (("i", INTEGER), ("si", SIGNED), ("ui", UNSIGNED), ("f", FLOAT_IEEE),
                   ("bf", FLOAT_BRAIN), ("cf", FLOAT_COMPLEX), ("x", OPAQUE), ("*", OPAQUE))
# npy descr kind per numerical type (IREE's npy writer and reader).
_NPY_KINDS = {OPAQUE: "V", BOOLEAN: "b", INTEGER: "i", SIGNED: "i", UNSIGNED: "u",
              FLOAT_IEEE: "f", FLOAT_COMPLEX: "c"}
_NPY_READ_KINDS = {"b": BOOLEAN, "i": SIGNED, "u": UNSIGNED, "f": FLOAT_IEEE,
                   "c": FLOAT_COMPLEX, "V": OPAQUE}


def numerical_type(code: int) -> int:
    return (code >> 24) & 0xFF


def bit_count(code: int) -> int:
    return code & 0xFF


def dense_byte_count(code: int) -> int:
    """Bytes one element occupies when addressed individually (i4 -> 1)."""
    return (bit_count(code) + 7) // 8


def byte_size(code: int, count: int) -> int:
    """Bytes of `count` densely packed elements (sub-byte types share bytes)."""
    return (count * bit_count(code) + 7) // 8


def is_integer(code: int) -> bool:
    """Signless, signed, unsigned integers and booleans (numerical bit 0x10)."""
    return numerical_type(code) & INTEGER == INTEGER


def is_compatible(expected: int, actual: int) -> bool:
    """buffer_view.assert's rule: opaque actual types pass, integers of the
    same width interchange (i32/si32/ui32, and i1 with i8), else exact."""
    if numerical_type(actual) == OPAQUE:
        return True
    if is_integer(actual) and is_integer(expected) and bit_count(actual) == bit_count(expected):
        return True
    return actual == expected


def element_type_name(code: int) -> str:
    """The name iree-run-module prints: `f32`, `i1`, `si8`, `cf64`, `*32`, `f8E4M3FN`."""
    if code in _SPECIAL_CODES:
        return _SPECIAL_CODES[code]
    if numerical_type(code) == BOOLEAN:
        return "i1"
    return f"{_PREFIXES.get(numerical_type(code), '*')}{bit_count(code)}"


def parse_element_type(name: str) -> int:
    """The code for a type name as iree-run-module parses it."""
    if name == "i1":
        return make_element_type(BOOLEAN, 8)
    if name in _SPECIAL_NAMES:
        return _SPECIAL_NAMES[name]
    for prefix, numerical in _PARSE_PREFIXES:
        if name.startswith(prefix):
            bits = atoi_uint32(name[len(prefix):])
            if bits is None or bits > 0xFF:
                raise InvalidArgumentError(f"out of range bit count in '{name}'")
            return make_element_type(numerical, bits)
    raise InvalidArgumentError(f"unhandled element type prefix in '{name}'")


def numpy_dtype(code: int) -> np.dtype | None:
    """The numpy dtype holding one element of `code`, or None if numpy has none."""
    row = BY_CODE.get(code)
    return None if row is None else row.dtype


@lru_cache(maxsize=None)
def _codes_by_dtype(with_ml_dtypes: bool) -> dict:
    """The library API's numpy dtype -> element type: the first table row wins, so
    signed numpy ints map to signless `iN` and bool to `i1`. An array can only
    have an ml_dtypes dtype once ml_dtypes is imported, so its rows are left
    out until then."""
    return {row.dtype: row.code for row in reversed(TABLE)
            if with_ml_dtypes or not row.needs_ml_dtypes}


def element_type_for_dtype(dtype) -> int:
    """The element type vmvxjit gives a numpy array passed to the library API
    (int32 -> i32 0x10000020, uint8 -> ui8, bool -> i1, V4 -> *32)."""
    dtype = np.dtype(dtype)
    native = dtype.newbyteorder("=") if dtype.byteorder not in "=|" else dtype
    code = _codes_by_dtype("ml_dtypes" in sys.modules).get(native)
    if code is None and native.kind == "V" and native.fields is None and native.itemsize < 32:
        code = make_element_type(OPAQUE, native.itemsize * 8)
    if code is None:
        raise InvalidArgumentError(f"unsupported numpy dtype '{dtype}' for a buffer view")
    return code


def npy_descr(code: int) -> str:
    """The npy `descr` IREE's writer uses (`<f4`, `|b1`, `<i4` for si32 and i32)."""
    kind = _NPY_KINDS.get(numerical_type(code))
    if kind is None:
        raise UnimplementedError("unsupported data encoding")
    size = dense_byte_count(code)
    return f"{'|' if size == 1 else '<'}{kind}{size}"


def npy_element_type(descr: str) -> int:
    """The element type IREE's npy reader assigns to a `descr` (`<i4` -> si32)."""
    body = descr
    if not body or body[0] == ">":
        raise UnimplementedError(f"big-endian data type '{descr}' unsupported")
    if body[0] in "|=<":
        body = body[1:]
    if not body:
        raise InvalidArgumentError("descr missing kind")
    numerical = _NPY_READ_KINDS.get(body[0])
    if numerical is None:
        raise UnimplementedError(f"unsupported data type {body[0]}")
    width = atoi_uint32(body[1:])
    if width is None:
        raise InvalidArgumentError("invalid descr byte width")
    return ((numerical << 24) | (width * 8)) & 0xFFFFFFFF
