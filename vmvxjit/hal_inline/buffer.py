"""`hal.buffer` and `hal.buffer_view`: host memory with a byte range and a shape.

A HalBuffer is a byte range `[offset, offset+length)` of an allocation (a
numpy uint8 array, 64-byte aligned like IREE's heap allocator). Subspans
always point at the root allocation, as IREE's do, so two buffers alias
exactly when they share `allocation`. `storage()` hands the range to VM code
as a mutable `VmBuffer`; executables get the same bytes as a numpy view.
"""

from __future__ import annotations

import numpy as np

from vmvxjit.errors import OutOfRangeError
from vmvxjit.native.guarded_memory import SLACK, guarded_zeros
from vmvxjit.vm.buffer import VmBuffer
from vmvxjit.vm.ref import register_ref_type

ALLOCATION_ALIGNMENT = 64
DENSE_ROW_MAJOR = 1  # IREE_HAL_ENCODING_TYPE_DENSE_ROW_MAJOR
WHOLE_BUFFER = -1  # IREE_HAL_WHOLE_BUFFER as a signed i64
MAX_DEVICE_SIZE = (1 << 63) - 1


def element_count(shape) -> int:
    """The elements of a `shape`, checked as IREE's buffer view code does
    (a negative dim or a count past the device size is OUT_OF_RANGE)."""
    count = 1
    for i, dim in enumerate(shape):
        count *= dim
        if dim < 0 or count > MAX_DEVICE_SIZE:
            raise OutOfRangeError(f"shape element count overflows device size at dimension {i}")
    return count


GUARD_BYTES = SLACK


def aligned_zeros(length: int, alignment: int = ALLOCATION_ALIGNMENT) -> np.ndarray:
    """A zero-filled uint8 array whose data pointer is `alignment`-aligned, for
    memory native executables may touch: GUARD_BYTES of zeros on each side, then
    guard pages (native/guarded_memory.py)."""
    return guarded_zeros(length, alignment)


# Up to this size, an array argument code reads in place but that is not on a cache line
# (ALLOCATION_ALIGNMENT, as IREE allocates) is read from an aligned copy instead: the copy
# (~40 us per MiB here) costs less than vector loads that split cache lines cost a kernel
# that reads its inputs many times (matmul 256^3: +25% with its second operand 16 bytes
# past a line, as malloc places numpy's arrays); streaming kernels over bigger inputs do
# not notice. Bigger ones need only their elements' alignment (WRAP_ALIGNMENT): VM code
# may read any element type (at most 8 bytes) at multiples of its size, and compiled code
# assumes natural alignment.
ALIGNED_COPY_BYTES = 1 << 20
WRAP_ALIGNMENT = 16


def wrap_alignment(length: int) -> int:
    """The alignment an argument of `length` bytes needs to be read in place."""
    return WRAP_ALIGNMENT if length > ALIGNED_COPY_BYTES else ALLOCATION_ALIGNMENT


def host_memory(length: int, for_native_code: bool = True) -> np.ndarray:
    """`length` zeroed bytes for a buffer: aligned and guarded (see aligned_zeros)
    when native executables may access it; plain numpy memory when only VM code,
    which checks every access, will."""
    if for_native_code:
        return aligned_zeros(length)
    return np.zeros(length, dtype=np.uint8)


def calculate_range(max_length: int, offset: int, length: int) -> tuple[int, int]:
    """IREE's iree_hal_buffer_calculate_range: checks and resolves a subrange."""
    if offset < 0 or offset > max_length:
        raise OutOfRangeError(
            "attempted to access an address off the end of the valid buffer range "
            f"(offset={offset}, length={length}, buffer byte_length={max_length})")
    adjusted = max_length - offset if length == WHOLE_BUFFER else length
    if adjusted == 0:
        return offset, 0
    end = offset + adjusted - 1
    if adjusted < 0 or end >= max_length:
        raise OutOfRangeError(
            "attempted to access an address outside of the valid buffer range "
            f"(offset={offset}, adjusted_length={adjusted}, end={end}, "
            f"buffer byte_length={max_length})")
    return offset, adjusted


@register_ref_type
class HalBuffer:
    """A `hal.buffer`: `allocation[offset:offset+length]`."""

    type_name = "hal.buffer"
    __slots__ = ("allocation", "offset", "length", "_storage", "__weakref__")

    def __init__(self, allocation: np.ndarray, offset: int = 0, length: int | None = None):
        self.allocation = allocation
        self.offset = offset
        self.length = allocation.shape[0] - offset if length is None else length
        self._storage = None

    @classmethod
    def allocate(cls, length: int, for_native_code: bool = True) -> "HalBuffer":
        """A new zero-filled buffer of exactly `length` bytes (see host_memory)."""
        return cls(host_memory(length, for_native_code))

    @classmethod
    def wrap(cls, data: np.ndarray) -> "HalBuffer":
        """Wraps the bytes of a C-contiguous array (no copy)."""
        flat = np.ascontiguousarray(data).reshape(-1).view(np.uint8)
        return cls(flat)

    def data(self) -> np.ndarray:
        """The buffer's bytes as a writable uint8 view."""
        return self.allocation[self.offset:self.offset + self.length]

    def subspan(self, offset: int, length: int) -> "HalBuffer":
        """A view of `[offset, offset+length)` of this buffer (IREE's checks)."""
        offset, length = calculate_range(self.length, offset, length)
        if offset == 0 and length == self.length:
            return self
        return HalBuffer(self.allocation, self.offset + offset, length)

    def storage(self) -> VmBuffer:
        """The mutable vm.buffer over exactly this buffer's bytes, made on first
        use and kept: IREE wraps the bytes anew per query (and expects its
        compiler to CSE the queries); only `vm.cmp.eq.ref` of two queries'
        results could tell the difference."""
        storage = self._storage
        if storage is None:
            storage = self._storage = VmBuffer.over(self.allocation[self.offset:self.offset + self.length])
        return storage

    def __repr__(self) -> str:
        return f"<hal.buffer {self.length} bytes at +{self.offset}>"


@register_ref_type
class BufferView:
    """A `hal.buffer_view`: a buffer plus shape, element type and encoding."""

    type_name = "hal.buffer_view"
    __slots__ = ("buffer", "shape", "element_type", "encoding_type", "__weakref__")

    def __init__(self, buffer: HalBuffer, shape, element_type: int, encoding_type: int = DENSE_ROW_MAJOR):
        self.buffer = buffer
        self.shape = tuple(map(int, shape))
        self.element_type = element_type & 0xFFFFFFFF
        self.encoding_type = encoding_type & 0xFFFFFFFF

    @property
    def rank(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        dims = "x".join(str(d) for d in self.shape)
        return f"<hal.buffer_view {dims} type={self.element_type:08X}>"
