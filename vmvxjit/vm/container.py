"""The `.vmfb` container: optional polyglot ZIP header, size-prefixed FlatBuffer, rodata.

Follows IREE's archive rules (abi section 1.1) rather than the ZIP central
directory: skip one ZIP local header if present, read the u32 FlatBuffer
length, and place external rodata at the next 64-byte boundary after the
FlatBuffer, counted from the start of the whole file. The file is held as
one read-only numpy array (a view of an mmap or of the caller's bytes), so
opening a module never copies its rodata.
"""

from __future__ import annotations

import mmap
import os
import struct
from typing import NamedTuple

import numpy as np

from vmvxjit.errors import InvalidArgumentError, ModuleFormatError, os_error

ZIP_LOCAL_HEADER_SIGNATURE = b"PK\x03\x04"
ZIP_LOCAL_HEADER_SIZE = 30
SEGMENT_ALIGNMENT = 64
FILE_IDENTIFIER = b"IREE"
_MIN_MODULE_BYTES = 16


class Container(NamedTuple):
    """A module file: all of it, its FlatBuffer slice and where rodata begins."""

    data: np.ndarray          # the whole file, read-only uint8
    flatbuffer: np.ndarray    # data[flatbuffer_offset : flatbuffer_offset + length]
    flatbuffer_offset: int
    rodata_base: int          # align(end of FlatBuffer, 64), an offset into `data`

    def external(self, offset: int, length: int, what: str) -> np.ndarray:
        """The bytes `[rodata_base + offset, +length)` of the file, bounds-checked."""
        available = self.data.shape[0]
        if (offset < 0 or length < 0 or self.rodata_base > available
                or offset > available - self.rodata_base
                or length > available - self.rodata_base - offset):
            raise ModuleFormatError(
                f"{what} external reference out of range (offset {offset}, length {length}; "
                f"rodata starts at {self.rodata_base} of a {available}-byte file)")
        start = self.rodata_base + offset
        return self.data[start:start + length]


def as_byte_array(source) -> np.ndarray:
    """A read-only 1-D uint8 view of `source` (path, bytes-like or uint8 array), no copy."""
    if isinstance(source, (str, os.PathLike)):
        array = _map_file(os.fspath(source))
    elif isinstance(source, np.ndarray):
        if source.dtype != np.uint8 or source.ndim != 1 or not source.flags.c_contiguous:
            raise InvalidArgumentError(
                f"module data must be a contiguous 1-D uint8 array "
                f"(got {source.dtype} with shape {source.shape})")
        array = source.view()
    elif isinstance(source, (bytes, bytearray, memoryview)):
        view = memoryview(source)
        if not view.c_contiguous:
            raise InvalidArgumentError("module data memoryview must be contiguous")
        array = np.frombuffer(view.cast("B"), dtype=np.uint8)
    else:
        raise InvalidArgumentError(
            f"cannot load a module from {type(source).__name__}; expected a path, "
            f"bytes, bytearray, memoryview or uint8 numpy array")
    array.flags.writeable = False
    return array


def _map_file(path: str) -> np.ndarray:
    try:
        with open(path, "rb") as file:
            if os.fstat(file.fileno()).st_size == 0:
                return np.zeros(0, dtype=np.uint8)
            mapping = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as error:
        raise os_error(error, f"cannot open module file '{path}'", InvalidArgumentError) from None
    return np.frombuffer(mapping, dtype=np.uint8)


def _flatbuffer_start(data: np.ndarray) -> int:
    """Where the size-prefixed FlatBuffer starts: after a ZIP local header, if any."""
    size = data.shape[0]
    if size < ZIP_LOCAL_HEADER_SIZE or bytes(data[:4]) != ZIP_LOCAL_HEADER_SIGNATURE:
        return 0
    name_length, extra_length = struct.unpack_from("<HH", data, 26)
    start = ZIP_LOCAL_HEADER_SIZE + name_length + extra_length
    if start > size:
        raise ModuleFormatError(
            "archive self-reports as a zip but does not have enough data to contain a module")
    return start


def _not_a_module(data: np.ndarray, start: int) -> str | None:
    """Why `data` is no `.vmfb` at all (None if it may be one): the FlatBuffer
    after the ZIP header, or at the start of a bare module, has no identifier."""
    if bytes(data[start + 8:start + 12]) == FILE_IDENTIFIER:
        return None
    if start:
        return "not a .vmfb module (its ZIP archive holds no 'IREE' FlatBuffer)"
    return "not a .vmfb module (no ZIP header and no 'IREE' FlatBuffer identifier)"


def _flatbuffer_length(data: np.ndarray, start: int) -> int:
    """The checked length of the size-prefixed FlatBuffer at `start`."""
    remaining = data.shape[0] - start
    if remaining < _MIN_MODULE_BYTES:
        raise ModuleFormatError(
            f"FlatBuffer data is not present or less than {_MIN_MODULE_BYTES} bytes "
            f"({remaining} total)")
    (length,) = struct.unpack_from("<I", data, start)
    if length > remaining - 4:
        raise ModuleFormatError(
            f"FlatBuffer length prefix out of bounds (prefix is {length} but only "
            f"{remaining - 4} available)")
    if length < 8 or bytes(data[start + 8:start + 12]) != FILE_IDENTIFIER:
        raise ModuleFormatError(
            f"FlatBuffer identifier mismatch; expected '{FILE_IDENTIFIER.decode()}' "
            f"(not an IREE bytecode module)")
    return length


def open_container(source) -> Container:
    """Opens a module file (path, bytes-like or uint8 array) without copying it.
    A file that is no module at all (text, random bytes) says so before the detail."""
    data = as_byte_array(source)
    start = _flatbuffer_start(data)
    try:
        length = _flatbuffer_length(data, start)
    except ModuleFormatError as error:
        problem = _not_a_module(data, start)
        if problem:
            raise ModuleFormatError(f"{problem}; {error.message}") from None
        raise
    offset = start + 4
    end = offset + length
    rodata_base = -(-end // SEGMENT_ALIGNMENT) * SEGMENT_ALIGNMENT
    return Container(data, data[offset:end], offset, rodata_base)
