""".npy reading and writing the way iree-run-module does it.

Reading (versions 1-3) follows IREE's small scanning parser rather than
numpy's `np.load`: the header dict may list keys in any order and ignores
unknown ones, `fortran_order: True` and big-endian data are rejected, and the
dtype comes from `descr` by kind (`<i4` is si32, `|b1` is i1, `|V4` is *32;
see element_types.npy_element_type). Arrays are read one after another from
the stream's current position, so several inputs can share a file.

Writing produces IREE's exact bytes: version 1.0 (2.0 if the dict exceeds
65535 bytes), the dict `{'descr': '<f4', 'fortran_order': False, 'shape':
(4,), }`, space padding and a newline so the header ends on a 64-byte
boundary, then the view's dense bytes.
"""

from __future__ import annotations

import math
import struct

from vmvxjit.cnumbers import atoi_uint64
from vmvxjit.errors import InvalidArgumentError, OutOfRangeError, UnimplementedError
from vmvxjit.hal_inline import element_types as et
from vmvxjit.hal_inline.buffer import BufferView
from vmvxjit.tooling.arrays import DENSE_ROW_MAJOR, buffer_view_from_bytes, view_byte_length
from vmvxjit.vm.allocation_limit import UNLIMITED, AllocationLimit
from vmvxjit.vm.buffer import allocate_checked

MAGIC = b"\x93NUMPY"
_SPACES = " \t\n\v\f\r"
_MAX_RANK = 128


def at_end(stream) -> bool:
    """True when the stream's position is its length (IREE's is_eos)."""
    position = stream.tell()
    end = stream.seek(0, 2)
    stream.seek(position)
    return position == end


def read_exact(stream, length: int, context: str | None = None,
               limit: AllocationLimit = UNLIMITED) -> bytes:
    """Reads exactly `length` bytes or fails like IREE's stdio stream (reading
    allocates `length` bytes first: RESOURCE_EXHAUSTED when that fails or `limit`
    has no room for them)."""
    limit.check(length, "an input file's contents")
    data = allocate_checked(length, stream.read)
    if len(data) != length:
        message = "end-of-file encountered during read"
        raise OutOfRangeError(f"{message}; {context}" if context else message)
    return data


def _header_text(stream) -> str:
    prefix = read_exact(stream, 8, "unable to read entire header prefix")
    if prefix[:6] != MAGIC:
        raise InvalidArgumentError("npy header magic mismatch")
    major, minor = prefix[6], prefix[7]
    if major == 0 or major > 3:
        raise UnimplementedError(f"npy version {major}.{minor} not supported")
    if major == 1:
        raw = read_exact(stream, 2, f"failed to read version {major}.{minor} 2-byte header length")
        length = struct.unpack("<H", raw)[0]
    else:
        raw = read_exact(stream, 4, f"failed to read version {major}.{minor} 4-byte header length")
        length = struct.unpack("<I", raw)[0]
    text = read_exact(stream, length, f"failed to read header string of {length} bytes")
    return text.decode("latin-1")


def _dict_items(header: str):
    """Yields (key, value) pairs of IREE's loose reading of the header dict."""
    rest = header.strip(_SPACES).removeprefix("{").removesuffix("}")
    while rest:
        key, colon, rest = rest.partition(":")
        if not colon:
            raise InvalidArgumentError("malformed header dict")
        key = key.removeprefix("'").removesuffix("'")
        rest = rest.strip(_SPACES)
        if rest.startswith(("True", "False")):
            value = "True" if rest.startswith("True") else "False"
            rest = rest[len(value):]
        elif rest.startswith(("'", "(")):
            value, _, rest = rest[1:].partition("'" if rest[0] == "'" else ")")
        else:
            raise InvalidArgumentError("malformed header dict")
        if not rest.startswith(","):
            raise InvalidArgumentError("malformed header dict")
        rest = rest[1:].strip(_SPACES)
        yield key, value


def _shape(text: str) -> tuple[int, ...]:
    if not text:
        return ()
    parts = text.removesuffix(",").split(",")
    if len(parts) > _MAX_RANK:
        raise InvalidArgumentError(f"shape rank {len(parts)} too large; be reasonable please")
    dims = []
    for i, part in enumerate(parts):
        dim = atoi_uint64(part.strip(_SPACES))
        if dim is None:
            raise InvalidArgumentError(f"invalid dimension {i} value {part.strip(_SPACES)}")
        dims.append(dim)
    return tuple(dims)


def parse_header(header: str) -> tuple[tuple[int, ...], int, int]:
    """(shape, element_type, encoding_type) from a header dict string.

    Missing keys keep IREE's defaults: no `descr` is element type 0 and no
    `fortran_order` is the opaque encoding (both then fail to size a view).
    """
    shape, element_type, encoding = (), 0, 0
    for key, value in _dict_items(header):
        if key == "descr":
            element_type = et.npy_element_type(value)
        elif key == "fortran_order":
            if value != "False":
                raise UnimplementedError("fortran order arrays not supported")
            encoding = DENSE_ROW_MAJOR
        elif key == "shape":
            shape = _shape(value)
    return shape, element_type, encoding


def read_npy(stream, check=None, limit: AllocationLimit = UNLIMITED) -> BufferView:
    """Reads the next array of an npy stream as a new buffer view
    (`check(shape, element_type)` runs before its data is read; the data and the
    buffer are charged to `limit`)."""
    if at_end(stream):
        raise OutOfRangeError("end-of-file")
    shape, element_type, encoding = parse_header(_header_text(stream))
    if check:
        check(shape, element_type)
    length = view_byte_length(shape, element_type, encoding)
    data = read_exact(stream, length, f"failed to read npy contents of {length} bytes", limit)
    return buffer_view_from_bytes(shape, element_type, data, limit)


def npy_header(view: BufferView) -> bytes:
    """IREE's npy header (magic through the padding newline) for `view`."""
    descr = et.npy_descr(view.element_type)
    if view.encoding_type != DENSE_ROW_MAJOR:
        raise UnimplementedError(
            "non-row-major contiguous encoding not supported for serialization")
    dims = ", ".join(str(d) for d in view.shape) + ("," if view.rank == 1 else "")
    text = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}".encode()
    v2 = len(text) > 65535
    unpadded = 8 + (4 if v2 else 2) + len(text) + 1
    padding = -unpadded % 64
    length = struct.pack("<I" if v2 else "<H", len(text) + padding + 1)
    return MAGIC + bytes([2 if v2 else 1, 0]) + length + text + b" " * padding + b"\n"


def view_bytes(view: BufferView) -> bytes:
    """The view's dense contents (OUT_OF_RANGE if its buffer is too small)."""
    length = et.byte_size(view.element_type, math.prod(view.shape))
    return view.buffer.subspan(0, length).data().tobytes()


def write_npy(stream, view: BufferView) -> None:
    """Appends `view` to an npy stream."""
    stream.write(npy_header(view))
    stream.write(view_bytes(view))
