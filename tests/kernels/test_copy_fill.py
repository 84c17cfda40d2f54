"""copy.2d.x8/x16/x32/x64 and fill.2d.x32 against numpy and IREE."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.kernels.iree_vmvx import differential
from tests.kernels.strided import Region, all_accepted, regions
from vmvxjit.errors import OutOfRangeError, PermissionDeniedError
from vmvxjit.vm.buffer import VmBuffer

COPIES = {"copy.2d.x8": np.uint8, "copy.2d.x16": np.uint16, "copy.2d.x32": np.uint32,
          "copy.2d.x64": np.uint64}


@pytest.mark.parametrize("name", sorted(COPIES))
@settings(max_examples=40, deadline=None)
@given(data=st.data(), size0=st.integers(0, 5), size1=st.integers(0, 9))
def test_copy_matches_numpy(vmvx, name, data, size0, size1):
    dtype = COPIES[name]
    size = np.dtype(dtype).itemsize
    src = data.draw(regions(size0, size1, size))
    out = data.draw(regions(size0, size1, size, distinct=True))
    call = (*src.args(), *out.args(), size0, size1)
    if not all_accepted(size, size0, size1, src, out):
        with pytest.raises(OutOfRangeError):
            vmvx.lookup(name).call(*call)
        return
    expected = out.elements(dtype).copy()
    expected[out.indices(size0, size1)] = src.gather(dtype, size0, size1)
    vmvx.lookup(name).call(*call)
    np.testing.assert_array_equal(out.elements(dtype), expected)


@pytest.mark.parametrize("name", sorted(COPIES))
def test_copy_matches_iree(vmvx, iree, name):
    """Overlapping in-place copy (shift right by one element): the i-major order shows."""

    def make_args():
        buffer = VmBuffer(np.arange(64, dtype=np.uint8))
        return (buffer, 0, 4, 1, buffer, 1, 4, 1, 3, 4)

    differential(vmvx, iree, name, make_args)


@settings(max_examples=60, deadline=None)
@given(size0=st.integers(0, 5), size1=st.integers(0, 7), gap=st.integers(0, 3),
       offset=st.integers(0, 4), value=st.integers(-(1 << 31), (1 << 31) - 1),
       slack=st.integers(0, 5))
def test_fill_matches_numpy(vmvx, size0, size1, gap, offset, value, slack):
    row_stride = size1 + gap
    elements = offset + max(0, size0 - 1) * row_stride + size1 + slack
    out = Region(VmBuffer(np.arange(4 * elements, dtype=np.uint8)), offset, row_stride, 1)
    call = (value, out.buffer, offset, row_stride, size0, size1)
    if not all_accepted(4, size0, size1, out):
        with pytest.raises(OutOfRangeError):
            vmvx.lookup("fill.2d.x32").call(*call)
        return
    expected = out.elements(np.int32).copy()
    expected[out.indices(size0, size1)] = value
    vmvx.lookup("fill.2d.x32").call(*call)
    np.testing.assert_array_equal(out.elements(np.int32), expected)


@pytest.mark.parametrize("offset, row_stride, size0, size1", [
    (0, 4, 3, 4), (2, 5, 2, 3), (0, 0, 3, 2), (3, -1, 3, 1), (0, 4, 4, 5), (0, 1, 1, 17)])
def test_fill_matches_iree(vmvx, iree, offset, row_stride, size0, size1):
    def make_args():
        return (-123456, VmBuffer(np.zeros(64, np.uint8)), offset, row_stride, size0, size1)

    differential(vmvx, iree, "fill.2d.x32", make_args)


def test_fill_read_only(vmvx):
    with pytest.raises(PermissionDeniedError):
        vmvx.lookup("fill.2d.x32").call(1, VmBuffer(np.zeros(4, np.uint8), mutable=False),
                                        0, 1, 1, 1)
