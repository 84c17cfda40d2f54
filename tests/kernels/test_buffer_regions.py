"""Region checks: IREE's overflow and range rules, plus our every-element guarantee."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.kernels.iree_vmvx import differential, outcome
from tests.kernels.strided import extent
from vmvxjit.errors import Error, InvalidArgumentError, OutOfRangeError, PermissionDeniedError
from vmvxjit.kernels.buffer_regions import (REGION_OK, REGION_OUT_OF_RANGE, REGION_OVERFLOW,
                                     check_region, mapped_range, region_status)
from vmvxjit.vm.buffer import VmBuffer

U32 = 1 << 32


def iree_accepts(length, esize, offset, stride0, stride1, size0, size1) -> bool:
    """IREE's wrapped range check alone (after the overflow check)."""
    start, span = mapped_range(esize, offset, stride0, stride1, size0, size1)
    return (start + span) % (1 << 64) <= length


def touches_only_inside(length, esize, offset, stride0, stride1, size0, size1) -> bool:
    low, high = extent(size0, size1, stride0, stride1)
    if size0 == 0 or size1 == 0:
        return True
    return offset + low >= 0 and (offset + high + 1) * esize <= length


@pytest.mark.parametrize("args, status", [
    ((16, 4, 0, 0, 1, 1, 4), REGION_OK),
    ((16, 4, 0, 0, 1, 1, 5), REGION_OUT_OF_RANGE),
    ((16, 4, 0, 0, 1, U32 - 1, 0), REGION_OK),
    ((16, 4, 0, 0, 1, U32, 1), REGION_OVERFLOW),
    ((16, 4, 0, 0, 1, -1, 1), REGION_OVERFLOW),
    ((16, 4, 0, 0, U32 - 2, 1, 1), REGION_OK),
    ((16, 4, 0, 0, U32 - 1, 1, 1), REGION_OVERFLOW),
    ((16, 4, 0, -2, 1, 1, 1), REGION_OVERFLOW),
    ((16, 4, 3, -1, 1, 4, 1), REGION_OK),
    ((16, 4, 2, -1, 1, 4, 1), REGION_OUT_OF_RANGE),  # IREE accepts, touches element -1
    ((16, 4, -1, 0, 1, 1, 1), REGION_OUT_OF_RANGE),  # IREE accepts (wraps), reads before
    ((16, 4, 0, 1, 1, 0, 0), REGION_OUT_OF_RANGE),  # IREE rejects an empty region here
    ((16, 4, 2 ** 61, 0, 1, 1, 1), REGION_OUT_OF_RANGE),
    ((16, 4, 0, 2 ** 31, 1, 2 ** 31, 1), REGION_OUT_OF_RANGE),
    ((18, 4, 3, 0, 1, 1, 1), REGION_OK),  # trailing partial element ignored
    ((15, 4, 3, 0, 1, 1, 1), REGION_OUT_OF_RANGE),
    ((0, 1, 0, 0, 1, 1, 0), REGION_OK),
])
def test_region_status_cases(args, status):
    assert region_status(*args) == status


@settings(max_examples=400, deadline=None)
@given(length=st.integers(0, 64), esize=st.sampled_from([1, 2, 4, 8]),
       offset=st.integers(-40, 40), stride0=st.integers(-3, 12), stride1=st.integers(-3, 12),
       size0=st.integers(-1, 6), size1=st.integers(-1, 6))
def test_region_status_matches_its_definition(length, esize, offset, stride0, stride1, size0,
                                              size1):
    status = region_status(length, esize, offset, stride0, stride1, size0, size1)
    if not (0 <= size0 and 0 <= size1 and stride0 >= -1 and stride1 >= -1):
        assert status == REGION_OVERFLOW
    elif not iree_accepts(length, esize, offset, stride0, stride1, size0, size1):
        assert status == REGION_OUT_OF_RANGE
    else:
        inside = touches_only_inside(length, esize, offset, stride0, stride1, size0, size1)
        assert status == (REGION_OK if inside else REGION_OUT_OF_RANGE)


def test_check_region_errors_in_iree_order():
    ro = VmBuffer(np.zeros(16, np.uint8), mutable=False)
    with pytest.raises(InvalidArgumentError, match="buffer overflow for lhs"):
        check_region(None, "lhs", 4, 0, -2, 1, 1, 1)
    with pytest.raises(InvalidArgumentError, match="ref is null"):
        check_region(None, "lhs", 4, 0, 0, 1, 1, 1)
    with pytest.raises(PermissionDeniedError, match="read-only"):
        check_region(ro, "out", 4, 0, 0, 1, 1, 99, writable=True)
    with pytest.raises(OutOfRangeError, match=r"offset=0, length=20, alignment=4, "
                                              r"buffer length=16"):
        check_region(ro, "in", 4, 0, 0, 1, 1, 5)
    assert check_region(ro, "in", 4, 0, 0, 1, 1, 4) is ro.data


def test_wrapped_offset_reports_unsigned_like_iree():
    buffer = VmBuffer(np.zeros(16, np.uint8))
    with pytest.raises(OutOfRangeError, match=r"offset=18446744073709551612, length=24"):
        check_region(buffer, "in", 4, -1, 0, 1, 1, 6)


@settings(max_examples=150, deadline=None)
@given(length=st.integers(0, 40), offset=st.integers(-6, 12), stride0=st.integers(-2, 6),
       stride1=st.integers(-2, 6), size0=st.integers(0, 5), size1=st.integers(0, 5),
       mutable=st.booleans(), operand=st.sampled_from(["in", "out"]))
def test_errors_match_iree(iree, vmvx, length, offset, stride0, stride1, size0, size1, mutable,
                           operand):
    """copy.2d.x32 with one random operand: the same error, or the same bytes, as IREE."""
    region_args = (length, 4, offset, stride0, stride1, size0, size1)
    if iree_accepts(*region_args) and not touches_only_inside(*region_args):
        return  # IREE would access memory outside the buffer

    def make_args():
        content = np.arange(length, dtype=np.uint8) if mutable else np.zeros(length, np.uint8)
        subject = VmBuffer(content, mutable=mutable)
        other = VmBuffer(np.arange(4 * 64, dtype=np.uint8))
        region, plain = (subject, offset, stride0, stride1), (other, 0, 6, 1)
        src, out = (region, plain) if operand == "in" else (plain, region)
        return (*src, *out, size0, size1)

    ours = differential(vmvx, iree, "copy.2d.x32", make_args)
    if isinstance(ours, Error):
        untouched = make_args()
        vmvx_args = make_args()
        outcome(vmvx.lookup("copy.2d.x32").call, *vmvx_args)
        for before, after in zip(untouched, vmvx_args):
            if isinstance(before, VmBuffer):
                np.testing.assert_array_equal(before.data, after.data)
