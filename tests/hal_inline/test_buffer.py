"""HAL buffers: aligned, zero-filled, guarded allocations and IREE's subspan rules."""

import ctypes

import numpy as np
import pytest

from vmvxjit.errors import OutOfRangeError
from vmvxjit.hal_inline.buffer import ALLOCATION_ALIGNMENT, GUARD_BYTES, HalBuffer


@pytest.mark.parametrize("length", [1, 24, 4096])
def test_allocations_are_aligned_zeroed_and_guarded(length):
    data = HalBuffer.allocate(length).data()
    assert data.ctypes.data % ALLOCATION_ALIGNMENT == 0 and data.shape == (length,)
    around = ctypes.string_at(data.ctypes.data - GUARD_BYTES, length + 2 * GUARD_BYTES)
    assert around == bytes(length + 2 * GUARD_BYTES)    # zeros on both sides, readable


def test_empty_allocation():
    assert HalBuffer.allocate(0).data().shape == (0,)


def test_subspans_point_at_the_root_allocation():
    buffer = HalBuffer.allocate(64)
    sub = buffer.subspan(16, 32).subspan(8, 8)
    assert sub.allocation is buffer.allocation and (sub.offset, sub.length) == (24, 8)
    assert buffer.subspan(0, 64) is buffer
    with pytest.raises(OutOfRangeError):
        buffer.subspan(60, 8)
    np.testing.assert_array_equal(buffer.subspan(0, -1).data(), np.zeros(64, np.uint8))
