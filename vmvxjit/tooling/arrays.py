"""numpy arrays <-> `hal.buffer_view`s.

A view made from an array owns a fresh 64-byte aligned HalBuffer holding the
array's dense row-major bytes (little-endian; sub-byte types such as i4 are
packed two per byte, low nibble first, as IREE stores them). Reading a view
back checks that its buffer holds `byte_size(type, count)` bytes, with the
OUT_OF_RANGE error IREE's buffer mapping reports.
"""

from __future__ import annotations

import math

import numpy as np

from vmvxjit.errors import InvalidArgumentError, UnimplementedError
from vmvxjit.hal_inline import element_types as et
from vmvxjit.hal_inline.buffer import DENSE_ROW_MAJOR, BufferView, HalBuffer, element_count, host_memory
from vmvxjit.vm.allocation_limit import UNLIMITED, AllocationLimit


def is_packed(element_type: int) -> bool:
    """Sub-byte types whose elements tile a byte (1, 2, 4 bits)."""
    return et.bit_count(element_type) in (1, 2, 4)


def _pack(values: np.ndarray, bits: int) -> np.ndarray:
    """Packs sub-byte elements: element i occupies bits [i*bits, (i+1)*bits)."""
    raw = values.reshape(-1).view(np.uint8).astype(np.uint16) & ((1 << bits) - 1)
    per_byte = 8 // bits
    padded = np.zeros(-(-raw.size // per_byte) * per_byte, dtype=np.uint16)
    padded[:raw.size] = raw
    shifts = (np.arange(per_byte, dtype=np.uint16) * bits)
    return (padded.reshape(-1, per_byte) << shifts).sum(axis=1).astype(np.uint8)


def _unpack(data: np.ndarray, bits: int, count: int) -> np.ndarray:
    per_byte = 8 // bits
    shifts = np.arange(per_byte, dtype=np.uint8) * bits
    return ((data[:, None] >> shifts) & ((1 << bits) - 1)).reshape(-1)[:count].astype(np.uint8)


def array_bytes(array: np.ndarray, element_type: int) -> np.ndarray:
    """The dense bytes a view of `element_type` stores for `array` (uint8)."""
    array = np.asarray(array)
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("<"))
    array = np.ascontiguousarray(array)
    if is_packed(element_type) and array.dtype.itemsize == 1:
        return _pack(array, et.bit_count(element_type))
    return array.reshape(-1).view(np.uint8)


def view_byte_length(shape, element_type: int, encoding_type: int = DENSE_ROW_MAJOR) -> int:
    """IREE's iree_hal_buffer_compute_view_size: bytes a new view needs."""
    if encoding_type != DENSE_ROW_MAJOR:
        raise UnimplementedError("unimplemented encoding type size calculation")
    if et.bit_count(element_type) == 0:
        raise InvalidArgumentError("opaque element types cannot be indexed")
    return et.byte_size(element_type, element_count(shape))


def buffer_view_from_bytes(shape, element_type: int, data,
                           limit: AllocationLimit = UNLIMITED) -> BufferView:
    """A new dense view over a fresh buffer holding exactly `data` (charged to `limit`)."""
    data = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data
    buffer = HalBuffer(limit.allocate(data.size, host_memory, "an input buffer"))
    buffer.data()[:] = data.reshape(-1).view(np.uint8)
    return BufferView(buffer, shape, element_type, DENSE_ROW_MAJOR)


def buffer_view_from_array(array, element_type: int | None = None,
                           limit: AllocationLimit = UNLIMITED) -> BufferView:
    """A new buffer view holding a copy of `array` (type from its dtype unless given;
    its buffer charged to `limit`)."""
    array = np.asarray(array)
    if element_type is None:
        element_type = et.element_type_for_dtype(array.dtype)
    return buffer_view_from_bytes(array.shape, element_type, view_bytes(array, element_type), limit)


def view_bytes(array: np.ndarray, element_type: int) -> np.ndarray:
    """`array_bytes`, checked to be as many as a view of `array`'s shape needs."""
    data = array_bytes(array, element_type)
    expected = et.byte_size(element_type, array.size)
    if data.size != expected:
        raise InvalidArgumentError(
            f"array of {array.dtype} holds {data.size} bytes but a {array.shape} view of "
            f"{et.element_type_name(element_type)} needs {expected}")
    return data


def array_from_buffer_view(view: BufferView, copy: bool = True) -> np.ndarray:
    """The view's elements as a numpy array of its shape (`copy=False` aliases
    the buffer when the layout allows it)."""
    dtype = et.numpy_dtype(view.element_type)
    if dtype is None:
        raise UnimplementedError(
            f"no numpy dtype for element type {et.element_type_name(view.element_type)} "
            f"({view.element_type:08X})")
    count = math.prod(view.shape)
    length = et.byte_size(view.element_type, count)
    buffer = view.buffer
    if length != buffer.length:
        buffer = buffer.subspan(0, length)   # IREE's range check and error
    if is_packed(view.element_type):
        return _unpack(buffer.data(), et.bit_count(view.element_type), count).view(dtype).reshape(
            view.shape)
    array = np.frombuffer(buffer.allocation, dtype, count, buffer.offset).reshape(view.shape)
    return array.copy() if copy else array
