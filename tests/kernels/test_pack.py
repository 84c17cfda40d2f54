"""pack / unpack: a reshape/transpose numpy reference, IREE's bytes, and flag handling."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.kernels.iree_vmvx import differential
from tests.kernels.strided import Region, all_accepted, regions
from vmvxjit.errors import InvalidArgumentError, OutOfRangeError, PermissionDeniedError
from vmvxjit.kernels import pack
from vmvxjit.vm.buffer import VmBuffer

INNER, OUTER = pack.TRANSPOSE_INNER, pack.TRANSPOSE_OUTER
TYPES = {pack.TYPE_F32: np.uint32, pack.TYPE_I32: np.uint32, pack.TYPE_I8: np.uint8}


def tiles_of(matrix, n0, n1, t0, t1, pad, inner, outer):
    """The 4-D tiled array (outer0, outer1, size2, size3) holding `matrix`, padded."""
    padded = np.full((n0 * t0, n1 * t1), pad, matrix.dtype)
    padded[:matrix.shape[0], :matrix.shape[1]] = matrix
    tiles = padded.reshape(n0, t0, n1, t1).transpose(0, 2, 1, 3)
    if inner:
        tiles = tiles.transpose(0, 1, 3, 2)
    if outer:
        tiles = tiles.transpose(1, 0, 2, 3)
    return tiles


def tiled_indices(offset, stride0, sizes):
    s0, s1, s2, s3 = sizes
    grid = np.ix_(range(s0), range(s1), range(s2), range(s3))
    return offset + grid[0] * stride0 + grid[1] * s2 * s3 + grid[2] * s3 + grid[3]


@st.composite
def layouts(draw):
    """Matrix size, tiled sizes (covering the matrix) and transpose flags."""
    t0, t1 = draw(st.sampled_from([1, 2, 3, 4, 8, 16])), draw(st.sampled_from([1, 2, 4, 5, 16]))
    rows, cols = draw(st.integers(0, 20)), draw(st.integers(0, 20))
    n0 = -(-rows // t0) + draw(st.sampled_from([0, 0, 1]))
    n1 = -(-cols // t1) + draw(st.sampled_from([0, 0, 1]))
    inner, outer = draw(st.booleans()), draw(st.booleans())
    size2, size3 = (t1, t0) if inner else (t0, t1)
    size0, size1 = (n1, n0) if outer else (n0, n1)
    return rows, cols, (size0, size1, size2, size3), inner, outer


@st.composite
def tiled_operands(draw, sizes, element_size):
    s0, s1, s2, s3 = sizes
    stride0 = s1 * s2 * s3 + draw(st.sampled_from([0, 0, 3]))
    offset = draw(st.integers(0, 3))
    elements = offset + max(0, s0 - 1) * stride0 + s1 * s2 * s3 + draw(st.integers(0, 2))
    seed = draw(st.integers(0, 2**32 - 1))
    data = np.random.default_rng(seed).integers(0, 256, elements * element_size, dtype=np.uint8)
    return Region(VmBuffer(data), offset, stride0, 1)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), layout=layouts(), pack_type=st.sampled_from(sorted(TYPES)),
       padding=st.integers(-(1 << 63), (1 << 63) - 1))
def test_pack_matches_numpy(vmvx, data, layout, pack_type, padding):
    rows, cols, sizes, inner, outer = layout
    dtype = TYPES[pack_type]
    size = np.dtype(dtype).itemsize
    src = data.draw(regions(rows, cols, size))
    out = data.draw(tiled_operands(sizes, size))
    flags = pack_type | (INNER if inner else 0) | (OUTER if outer else 0)
    call = (*src.args(), *out.args(), rows, cols, *sizes, padding, flags)
    if not all_accepted(size, rows, cols, src) or not all_accepted(
            size, sizes[0], sizes[1] * sizes[2] * sizes[3], out):
        with pytest.raises(OutOfRangeError):
            vmvx.lookup("pack").call(*call)
        return
    expected = out.elements(dtype).copy()
    if 0 not in sizes:
        n0, n1, t0, t1 = pack.tiled_layout(*sizes, inner, outer)
        pad = dtype(padding & ((1 << 8 * size) - 1))
        tiles = tiles_of(src.gather(dtype, rows, cols), n0, n1, t0, t1, pad, inner, outer)
        expected[tiled_indices(out.offset, out.stride0, sizes)] = tiles
    vmvx.lookup("pack").call(*call)
    np.testing.assert_array_equal(out.elements(dtype), expected)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), layout=layouts(), unpack_type=st.sampled_from([pack.TYPE_F32,
                                                                      pack.TYPE_I32]))
def test_unpack_matches_numpy(vmvx, data, layout, unpack_type):
    rows, cols, sizes, inner, outer = layout
    src = data.draw(tiled_operands(sizes, 4))
    out = data.draw(regions(rows, cols, 4, distinct=True))
    flags = unpack_type | (INNER if inner else 0) | (OUTER if outer else 0)
    call = (*src.args(), *out.args(), *sizes, rows, cols, flags)
    if not all_accepted(4, rows, cols, out) or not all_accepted(
            4, sizes[0], sizes[1] * sizes[2] * sizes[3], src):
        with pytest.raises(OutOfRangeError):
            vmvx.lookup("unpack").call(*call)
        return
    expected = out.elements(np.uint32).copy()
    if rows and cols:
        n0, n1, t0, t1 = pack.tiled_layout(*sizes, inner, outer)
        tiled = src.elements(np.uint32)[tiled_indices(src.offset, src.stride0, sizes)]
        if outer:
            tiled = tiled.transpose(1, 0, 2, 3)
        if inner:
            tiled = tiled.transpose(0, 1, 3, 2)
        matrix = tiled.transpose(0, 2, 1, 3).reshape(n0 * t0, n1 * t1)
        expected[out.indices(rows, cols)] = matrix[:rows, :cols]
    vmvx.lookup("unpack").call(*call)
    np.testing.assert_array_equal(out.elements(np.uint32), expected)


@settings(max_examples=80, deadline=None)
@given(layout=layouts(), pack_type=st.sampled_from(sorted(TYPES)), seed=st.integers(0, 99),
       in_stride1=st.sampled_from([1, 2]))
def test_pack_and_unpack_match_iree(vmvx, iree, layout, pack_type, seed, in_stride1):
    rows, cols, sizes, inner, outer = layout
    size = np.dtype(TYPES[pack_type]).itemsize
    flags = pack_type | (INNER if inner else 0) | (OUTER if outer else 0)
    tiled_stride0 = sizes[1] * sizes[2] * sizes[3] + 1
    tiled_bytes = size * (sizes[0] * tiled_stride0 + 1)
    matrix_bytes = size * (rows * cols * in_stride1 + 2)

    def random_buffer(length):
        return VmBuffer(np.random.default_rng(seed).integers(0, 256, length, dtype=np.uint8))

    differential(vmvx, iree, "pack", lambda: (
        random_buffer(matrix_bytes), 1, cols * in_stride1, in_stride1,
        random_buffer(tiled_bytes), 1, tiled_stride0, 0, rows, cols, *sizes,
        0x0123456789ABCDEF, flags))
    if pack_type != pack.TYPE_I8:
        differential(vmvx, iree, "unpack", lambda: (
            random_buffer(tiled_bytes), 1, tiled_stride0, 0,
            random_buffer(matrix_bytes), 1, cols * in_stride1, in_stride1, *sizes, rows, cols,
            flags))


def test_flag_errors(vmvx):
    buffer = VmBuffer(np.zeros(64, np.uint8))
    with pytest.raises(InvalidArgumentError, match="unhandled flags"):
        vmvx.lookup("pack").call(buffer, 0, 1, 1, buffer, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 4)
    with pytest.raises(InvalidArgumentError, match="unhandled flags"):
        vmvx.lookup("unpack").call(buffer, 0, 1, 1, buffer, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                   pack.TYPE_I8)
    with pytest.raises(PermissionDeniedError):
        vmvx.lookup("pack").call(buffer, 0, 1, 1, VmBuffer(np.zeros(4, np.uint8), mutable=False),
                                 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, pack.TYPE_F32)


def test_tiles_must_cover_the_matrix(vmvx):
    """IREE's ukernels assume it (and write outside the output region otherwise)."""
    buffer = VmBuffer(np.zeros(256, np.uint8))
    with pytest.raises(InvalidArgumentError, match="cover"):
        vmvx.lookup("pack").call(buffer, 0, 4, 1, buffer, 0, 4, 4, 5, 4, 1, 1, 4, 4, 0,
                                 pack.TYPE_I8)
    with pytest.raises(InvalidArgumentError, match="cover"):
        vmvx.lookup("unpack").call(buffer, 0, 4, 4, buffer, 0, 8, 1, 1, 1, 2, 2, 2, 3,
                                   pack.TYPE_F32)


def test_empty_tiles_are_a_no_op(vmvx):
    buffer = VmBuffer(np.arange(64, dtype=np.uint8))
    vmvx.lookup("pack").call(buffer, 0, 4, 1, buffer, 0, 4, 4, 5, 4, 0, 1, 4, 4, 0,
                             pack.TYPE_I8)
    assert list(buffer.data) == list(range(64))
