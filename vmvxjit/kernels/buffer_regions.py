"""Checked 2-D strided regions: the argument checks every vmvx export makes.

An operand `(buffer, offset, stride0, stride1)` of sizes `(size0, size1)`
addresses element `offset + i*stride0 + j*stride1` (in elements). IREE's
vmvx module checks it in this order (module.c, MAP_BUFFER_2D_*):

1. sizes and `stride + 1` must fit in 32 bits, else INVALID_ARGUMENT
   "buffer overflow for <name>" (so strides are >= -1);
2. the ref must be a non-null `vm.buffer`;
3. an output buffer must be mutable (PERMISSION_DENIED);
4. the byte range `[offset*esize, +((size0-1)*stride0 + (size1-1)*stride1 + 1)*esize)`,
   computed modulo 2**64 as in C, must end inside the buffer (OUT_OF_RANGE).

Step 4 wraps around: IREE accepts some regions (negative offsets, a -1
stride) that touch bytes outside the buffer. We report IREE's error wherever
IREE reports one, and additionally reject every region whose touched
elements are not all inside the buffer, so kernels never need bounds checks.

`region_overflows` and `region_status` are njit functions so compiled VM
code can make the same checks; `region_error` builds the matching error.
"""

from __future__ import annotations

from numba import njit

from vmvxjit.errors import Error, InvalidArgumentError
from vmvxjit.vm.buffer import VmBuffer, out_of_bounds, read_only
from vmvxjit.vm.ref import require_ref

REGION_OK = 0
REGION_OVERFLOW = 1
REGION_OUT_OF_RANGE = 2

_U32_LIMIT = 1 << 32
_U64_MASK = (1 << 64) - 1


@njit(cache=True)
def region_overflows(stride0, stride1, size0, size1):
    """IREE's 32-bit limits: True when sizes or `stride + 1` leave [0, 2**32)."""
    return not (0 <= size0 < _U32_LIMIT and 0 <= size1 < _U32_LIMIT
                and -1 <= stride0 < _U32_LIMIT - 1 and -1 <= stride1 < _U32_LIMIT - 1)


@njit(cache=True)
def mapped_range(element_size, offset, stride0, stride1, size0, size1):
    """The (byte offset, byte length) IREE maps, wrapped to int64 like C's uint64 math."""
    last = (size0 - 1) * stride0 + (size1 - 1) * stride1
    return offset * element_size, (last + 1) * element_size


@njit(cache=True)
def region_status(buffer_length, element_size, offset, stride0, stride1, size0, size1):
    """REGION_OK, REGION_OVERFLOW or REGION_OUT_OF_RANGE for one operand."""
    if region_overflows(stride0, stride1, size0, size1):
        return REGION_OVERFLOW
    start, length = mapped_range(element_size, offset, stride0, stride1, size0, size1)
    end = start + length
    if end < 0 or end > buffer_length:  # IREE's unsigned `end > buffer length`
        return REGION_OUT_OF_RANGE
    if size0 == 0 or size1 == 0:
        return REGION_OK
    # Every touched element must be inside. Element (0, 0) is touched, and
    # strides are >= -1, so only positive extents can overflow int64.
    capacity = buffer_length // element_size
    if offset < 0 or offset >= capacity:
        return REGION_OUT_OF_RANGE
    room = capacity - 1 - offset
    low = offset
    high = offset
    for count, stride in ((size0 - 1, stride0), (size1 - 1, stride1)):
        if stride < 0:
            low -= count
        elif stride > 0:
            if count > room // stride:
                return REGION_OUT_OF_RANGE
            high += count * stride
    if low < 0 or high >= capacity:
        return REGION_OUT_OF_RANGE
    return REGION_OK


def region_error(status: int, name: str, buffer_length: int, element_size: int, offset: int,
                 stride0: int, stride1: int, size0: int, size1: int) -> Error:
    """The error IREE reports for a failed `region_status` of operand `name`."""
    if status == REGION_OVERFLOW:
        return InvalidArgumentError(f"buffer overflow for {name}")
    start, length = mapped_range(element_size, offset, stride0, stride1, size0, size1)
    start &= _U64_MASK
    length &= _U64_MASK
    if (start + length) & _U64_MASK > buffer_length:
        return out_of_bounds(start, length, element_size, buffer_length)
    # IREE's wrapped check passed but an element lies outside: report the
    # range actually touched.
    low = offset + min(0, (size0 - 1) * stride0) + min(0, (size1 - 1) * stride1)
    high = offset + max(0, (size0 - 1) * stride0) + max(0, (size1 - 1) * stride1)
    return out_of_bounds(low * element_size, (high - low + 1) * element_size, element_size,
                         buffer_length)


def check_region(buffer, name: str, element_size: int, offset: int, stride0: int, stride1: int,
                 size0: int, size1: int, *, writable: bool = False):
    """Checks one operand and returns its bytes (uint8 array); errors in IREE's order."""
    if isinstance(buffer, VmBuffer) and (buffer.mutable or not writable):
        data = buffer.data
        if region_status(data.shape[0], element_size, offset, stride0, stride1, size0,
                         size1) == REGION_OK:
            return data
    if region_overflows(stride0, stride1, size0, size1):
        raise InvalidArgumentError(f"buffer overflow for {name}")
    buffer = require_ref(buffer, VmBuffer)
    if writable and not buffer.mutable:
        raise read_only()
    length = buffer.data.shape[0]
    status = region_status(length, element_size, offset, stride0, stride1, size0, size1)
    raise region_error(status, name, length, element_size, offset, stride0, stride1, size0, size1)
