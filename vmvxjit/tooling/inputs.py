"""`--input=` values as iree-run-module parses them (function_io.c, string_util.c).

Each spec is whitespace-trimmed, then, in this order:
  empty                 -> INVALID_ARGUMENT "no value specified for input"
  `(null)`/`(ignored)`  -> zero of the argument's cconv type (null for `r`)
  `@`/`+`/`*`path.npy   -> arrays from an npy file: `@` from its start, `+`
                           where the previous read of that path stopped,
                           `*` every remaining array (one argument each)
  `&`tensor             -> the tensor's hal.buffer instead of its view
  argument not `r`      -> a scalar, C strtol/strtoll (base 0) or strtof/strtod
  otherwise             -> a tensor `2x2xi32=[1 2][3 4]`, `f32=3.5`, `4xf32=@raw.bin`

Values: tensors are BufferViews (HalBuffer for `&`), `i`/`I` scalars Python
ints in the signed 32/64-bit range, `f`/`F` scalars Python floats (`f` ones
exactly float32 values), nulls 0 / 0.0 / None. Errors carry IREE's text plus
the "parsing input `...`" annotation `parse_inputs` adds.
"""

from __future__ import annotations

import contextlib
import functools
import re
import struct

from vmvxjit import cnumbers
from vmvxjit.errors import (Error, InvalidArgumentError, OutOfRangeError,
                            ResourceExhaustedError, UnimplementedError, os_error)
from vmvxjit.hal_inline import element_types as et
from vmvxjit.hal_inline.buffer import BufferView
from vmvxjit.hal_inline.module import check_view_type
from vmvxjit.tooling.arrays import buffer_view_from_bytes, view_byte_length
from vmvxjit.tooling.npy import at_end, read_exact, read_npy
from vmvxjit.vm.allocation_limit import UNLIMITED, AllocationLimit
from vmvxjit.vm.buffer import allocate_checked

SPACES = " \t\n\v\f\r"  # C isspace in the "C" locale
_TOKEN = re.compile(r"[^ \t\n\v\f\r,\[\]]+")
_MAX_RANK = 128
_NULLS = {"i": 0, "I": 0, "f": 0.0, "F": 0.0, "r": None}
# Scalar arguments: cconv char -> (C parser, IREE's type name).
_SCALARS = {"i": (cnumbers.atoi_int32, "i32"), "I": (cnumbers.atoi_int64, "i64"),
            "f": (cnumbers.atof, "f32"), "F": (cnumbers.atod, "f64")}
# Element token parsers named by element_types.ElementType.token.
_TOKEN_PARSERS = {"i32": cnumbers.atoi_int32, "u32": cnumbers.atoi_uint32,
                  "i64": cnumbers.atoi_int64, "u64": cnumbers.atoi_uint64,
                  "f32": cnumbers.atof, "f64": cnumbers.atod}
_FLOAT_FORMATS = {"f32": "<f", "f64": "<d"}
_HEX_NIBBLES = {c: int(c, 16) for c in "0123456789abcdefABCDEF"}


class InputFiles:
    """Files opened by inputs, keyed by their verbatim path, so that `+`
    (and `*`) continue where the previous read of the same path stopped."""

    def __init__(self):
        self._streams: dict[str, object] = {}

    def open(self, path: str, append: bool):
        stream = self._streams.get(path)
        if stream is None:
            try:
                stream = open(path, "rb")
            except OSError as error:
                raise os_error(error, f"unable to open file `{path}` with mode 2") from None
            self._streams[path] = stream
        elif not append:
            stream.seek(0)
        return stream

    def close(self) -> None:
        for stream in self._streams.values():
            stream.close()
        self._streams.clear()

    def __enter__(self) -> "InputFiles":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _scope(files: InputFiles | None):
    """Uses the caller's files as they are, or a temporary set closed afterwards."""
    return contextlib.nullcontext(files) if files is not None else InputFiles()


def annotate(error: Error, note: str) -> Error:
    """Appends an IREE-style annotation (`message; note`) to `error`."""
    error.message = f"{error.message}; {note}" if error.message else note
    error.args = (error.message,)
    return error


def declared_checks(specs, arg_count: int) -> list:
    """Per argument, a check of a parsed tensor's shape and element type against
    the function's declaration (`Declaration.inputs`), which `parse_inputs` runs
    before allocating and filling its buffer (IREE checks only in the call);
    None where nothing usable is declared."""
    if specs is None or len(specs) != arg_count:
        return [None] * arg_count
    return [_declared_check(spec) for spec in specs]


def _declared_check(spec):
    if not spec.is_tensor:
        return None
    try:
        expected = et.parse_element_type(spec.element_type)
    except Error:
        return None

    def check(shape: tuple, element_type: int) -> None:
        check_view_type(spec.name, expected, spec.shape, element_type, shape)
    return check


def parse_inputs(texts, arg_types, files: InputFiles | None = None,
                 checks: list | None = None, limit: AllocationLimit = UNLIMITED) -> list:
    """Parses every `--input` spec against the function's argument cconv
    characters (`"iIfr"` or a CConv's `args`) and, given `declared_checks`,
    its declared tensor types; a `*` spec may yield several values or none,
    so the result can be longer or shorter than `texts`. Buffers are charged
    to `limit` (the program's allocation cap) before they are allocated."""
    remaining = list(arg_types)
    checks = checks or [None] * len(remaining)
    values: list = []
    with _scope(files) as streams:
        for raw in texts:
            text = raw.strip(SPACES)
            try:
                values.extend(_parse_spec(text, remaining, streams, checks, limit))
            except Error as error:
                raise annotate(error, f"parsing input `{text}`")
    return values


def parse_input(text: str, cconv_char: str, files: InputFiles | None = None):
    """Parses one spec that yields exactly one value (anything but `*`)."""
    text = text.strip(SPACES)
    if text.startswith("*"):
        raise InvalidArgumentError(
            f"`{text}` expands to any number of values; use parse_inputs")
    with _scope(files) as streams:
        return _parse_spec(text, [cconv_char], streams, [None], UNLIMITED)[0]


def _take(remaining: list, expected: str | None = None) -> str:
    """Consumes the next argument type (IREE's consume_cconv)."""
    if not remaining:
        raise InvalidArgumentError("function expected fewer input values")
    actual = remaining.pop(0)
    if expected is not None and actual != expected:
        raise InvalidArgumentError(
            f"function signature mismatch: expected cconv type `{expected}` "
            f"but provided type `{actual}`")
    return actual


def _next_check(remaining: list, checks: list):
    """The declared check of the argument `_take` consumes next (`checks` has
    one entry per argument, `remaining` the arguments not yet taken)."""
    return checks[len(checks) - len(remaining)] if remaining else None


def _parse_spec(text: str, remaining: list, files: InputFiles, checks: list,
                limit: AllocationLimit) -> list:
    if not text:
        raise InvalidArgumentError("no value specified for input")
    if text in ("(null)", "(ignored)"):
        kind = _take(remaining)
        if kind not in _NULLS:
            raise UnimplementedError(f"unimplemented cconv type `{kind}`")
        return [_NULLS[kind]]
    if text.startswith(("@", "+", "*")):
        return _parse_npy_file(text, remaining, files, checks, limit)
    check = _next_check(remaining, checks)
    if text.startswith("&"):
        _take(remaining, "r")
        return [parse_tensor(text[1:], files, check, limit).buffer]
    if not remaining or remaining[0] != "r":
        return [parse_scalar(text, _take(remaining))]
    _take(remaining, "r")
    if "=" not in text and "x" not in text:
        raise InvalidArgumentError(
            "invalid tensor specification, requires at least a shape/type (`4x2xf32=...`)")
    return [parse_tensor(text, files, check, limit)]


def _parse_npy_file(text: str, remaining: list, files: InputFiles, checks: list,
                    limit: AllocationLimit) -> list:
    path = text[1:]
    if not path.endswith(".npy"):
        raise UnimplementedError(
            "only numpy (.npy) files are supported for metadata-less variant I/O")
    stream = files.open(path, append=not text.startswith("@"))
    if not text.startswith("*"):
        check = _next_check(remaining, checks)
        _take(remaining, "r")
        return [read_npy(stream, check, limit)]
    values = []
    while not at_end(stream):
        check = _next_check(remaining, checks)
        _take(remaining, "r")
        values.append(read_npy(stream, check, limit))
    return values


def parse_scalar(text: str, cconv_char: str):
    """A primitive argument: `i`/`I` C strtol/strtoll base 0 (i32 keeps the
    low 32 bits), `f`/`F` strtof/strtod (trailing garbage is ignored)."""
    if cconv_char not in _SCALARS:
        raise UnimplementedError(f"unimplemented cconv type `{cconv_char}`")
    parser, type_name = _SCALARS[cconv_char]
    value = parser(text)
    if value is None:
        raise InvalidArgumentError(f"parsing value `{text}` as {type_name}")
    return value


def parse_tensor(text: str, files: InputFiles | None = None, check=None,
                 limit: AllocationLimit = UNLIMITED) -> BufferView:
    """A tensor spec: `<shape>x<type>=<elements>`, `<type>=<element>`, or
    `<shape>x<type>=@file` / `=+file` for raw little-endian element bytes;
    `check(shape, element_type)` runs before any buffer is allocated."""
    metadata, equals, contents = text.partition("=")
    if not (equals and contents.startswith(("@", "+"))):
        return parse_buffer_view(text, check, limit)
    shape, element_type = _shape_and_type(_unquote(metadata), OutOfRangeError(""))
    if check:
        check(shape, element_type)
    with _scope(files) as streams:
        stream = streams.open(contents[1:], append=contents.startswith("+"))
        data = read_exact(stream, view_byte_length(shape, element_type), limit=limit)
    return buffer_view_from_bytes(shape, element_type, data, limit)


def parse_buffer_view(text: str, check=None, limit: AllocationLimit = UNLIMITED) -> BufferView:
    """IREE's iree_hal_buffer_view_parse: a tensor spec with inline text data
    (`check(shape, element_type)` runs before the buffer is allocated)."""
    value = _unquote(text)
    metadata, _, data = value.partition("=")
    shape, element_type = _shape_and_type(metadata, None)
    if check:
        check(shape, element_type)
    length = view_byte_length(shape, element_type)
    return buffer_view_from_bytes(shape, element_type,
                                  parse_elements(data, element_type, length, limit), limit)


def _unquote(text: str) -> str:
    value = text.strip(SPACES).removeprefix('"').removesuffix('"')
    if not value:
        raise InvalidArgumentError("empty string input")
    return value


def _shape_and_type(metadata: str, too_many_dims: Error | None):
    """Splits `2x3xf32` at its last `x` and parses both halves."""
    shape_text, x, type_text = metadata.rpartition("x")
    if not x:
        shape_text, type_text = "", metadata
    return parse_shape(shape_text, too_many_dims), et.parse_element_type(type_text)


def parse_shape(text: str, too_many_dims: Error | None = None) -> tuple[int, ...]:
    """Dims separated by `x`, each C strtoll base 0 (so `010` is 8). More than
    128 dims raise `too_many_dims` (IREE's text parser and its file-data path
    report that differently)."""
    if not text:
        return ()
    parts = text.split("x")
    if len(parts) > _MAX_RANK:
        raise too_many_dims or ResourceExhaustedError(
            f"a shape rank of {len(parts)} is just a little bit excessive, eh?")
    dims = []
    for part in parts:
        if not part:
            break
        dim = cnumbers.atoi_int64(part)
        if dim is None or dim < 0:
            raise InvalidArgumentError(
                f"shape[{len(dims)}] invalid value '{part}' of '{text}'")
        dims.append(dim)
    if len(dims) != len(parts):
        raise InvalidArgumentError(f"invalid shape specification: '{text}'")
    return tuple(dims)


def parse_elements(data: str, element_type: int, length: int,
                   limit: AllocationLimit = UNLIMITED) -> bytearray:
    """The `length` bytes of a view from text elements (string_util.c rules):
    tokens split on whitespace, `,`, `[`, `]`; none -> zeros; one -> splat."""
    size = et.dense_byte_count(element_type)
    capacity = length // size
    limit.check(length, "an input")
    out = allocate_checked(length, bytearray)
    if not data:
        return out
    parse = element_parser(element_type)
    count = 0
    for match in _TOKEN.finditer(data):
        if count >= capacity:
            if match.end() < len(data):
                raise OutOfRangeError(
                    f"output data buffer overflow: element_capacity={capacity} < dst_i={count}+")
            raise OutOfRangeError(
                f"output data overflow: element_capacity={capacity} < dst_i={count}")
        out[count * size:(count + 1) * size] = parse(match.group())
        count += 1
    if count == 1 and capacity > 1:
        out[size:capacity * size] = out[:size] * (capacity - 1)
    elif count < capacity:
        raise OutOfRangeError(
            f"input data string underflow: dst_i={count} < element_capacity={capacity}")
    return out


def element_parser(element_type: int):
    """A function from one text token to one element's bytes. Bad tokens
    raise INVALID_ARGUMENT with an empty message, exactly as IREE does."""
    size = et.dense_byte_count(element_type)
    row = et.BY_CODE.get(element_type)
    if row is None or row.token is None:
        return functools.partial(_parse_hex, size=size)
    parser_name, low, high = row.token
    number = _TOKEN_PARSERS[parser_name]
    if row.encode is not None:
        def store(value):
            return row.encode(value).to_bytes(size, "little")
    elif parser_name in _FLOAT_FORMATS:
        store = struct.Struct(_FLOAT_FORMATS[parser_name]).pack
    else:
        def store(value):
            return (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")

    def parse(token: str) -> bytes:
        value = number(token)
        if value is None or (low is not None and value < low) or (
                high is not None and value > high):
            raise InvalidArgumentError("")
        return store(value)
    return parse


def _parse_hex(token: str, size: int) -> bytes:
    """Raw bytes in memory order, two hex digits each; other characters read as 0."""
    raw = token.encode("utf-8", "surrogateescape")
    if len(raw) != size * 2:
        raise InvalidArgumentError(
            f"binary hex element count mismatch: buffer length={len(raw)} < expected={size * 2}")
    nibbles = [_HEX_NIBBLES.get(chr(b), 0) for b in raw]
    return bytes(hi << 4 | lo for hi, lo in zip(nibbles[::2], nibbles[1::2]))
