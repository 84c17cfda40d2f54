"""mmt4d: numpy reference for layout, accumulate and K = 0 rules; IREE for exact rounding."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.kernels.iree_vmvx import differential
from vmvxjit.errors import InvalidArgumentError, OutOfRangeError, PermissionDeniedError
from vmvxjit.kernels import cpu, mmt4d
from vmvxjit.kernels.buffer_regions import REGION_OK, region_status
from vmvxjit.vm.buffer import VmBuffer

F32, S8 = mmt4d.TYPE_F32F32F32, mmt4d.TYPE_S8S8S32
ACC, FALLBACK = mmt4d.ACCUMULATE, mmt4d.ALLOW_GENERIC_FALLBACK


def reference(lhs, lo, ls, rhs, ro, rs, out, oo, os_, m, n, k, m0, n0, k0, accumulate, wide):
    """IREE's generic tile loops in numpy (f32: multiply, round, add, round)."""
    out = out.copy()
    for i in range(m):
        for j in range(n):
            start = oo + i * os_ + j * m0 * n0
            tile = out[start:start + m0 * n0].reshape(m0, n0).astype(wide)
            if not accumulate:
                tile[:] = 0
            for kk in range(k):
                a = lhs[lo + i * ls + kk * m0 * k0:][:m0 * k0].reshape(m0, k0).astype(wide)
                b = rhs[ro + j * rs + kk * n0 * k0:][:n0 * k0].reshape(n0, k0).astype(wide)
                for q in range(k0):
                    tile = tile + a[:, q:q + 1] * b[None, :, q]
            out[start:start + m0 * n0] = tile.ravel().astype(out.dtype)
    return out


@st.composite
def problems(draw, arch_shapes=False):
    if arch_shapes:
        m0, n0, k0 = draw(st.sampled_from([(16, 16, 1), (8, 16, 1), (1, 16, 1), (8, 8, 1),
                                           (2, 8, 1), (16, 16, 2), (4, 8, 2)]))
    else:
        m0, n0, k0 = (draw(st.sampled_from(v)) for v in ([1, 2, 3, 8, 16], [1, 4, 5, 16, 17],
                                                          [1, 2, 3, 5]))
    m, n, k = draw(st.integers(0, 3)), draw(st.integers(0, 3)), draw(st.integers(0, 5))
    ls = draw(st.sampled_from([k * m0 * k0, k * m0 * k0 + 3, 0]))
    rs = draw(st.sampled_from([k * n0 * k0, k * n0 * k0 + 1, 0]))
    os_ = n * m0 * n0 + draw(st.sampled_from([0, 2]))
    offsets = [draw(st.integers(0, 3)) for _ in range(3)]
    return dict(m=m, n=n, k=k, m0=m0, n0=n0, k0=k0, ls=ls, rs=rs, os=os_, offsets=offsets,
                accumulate=draw(st.booleans()), seed=draw(st.integers(0, 2**32 - 1)))


def make_buffers(p, mmt4d_type, values):
    """Fresh (lhs, rhs, out) VmBuffers sized for problem `p`, filled from `values(rng, n)`."""
    rng = np.random.default_rng(p["seed"])
    lo, ro, oo = p["offsets"]
    in_dtype = np.float32 if mmt4d_type == F32 else np.int8
    out_dtype = np.float32 if mmt4d_type == F32 else np.int32
    sizes = (lo + max(0, p["m"] - 1) * p["ls"] + p["k"] * p["m0"] * p["k0"] + 1,
             ro + max(0, p["n"] - 1) * p["rs"] + p["k"] * p["n0"] * p["k0"] + 1,
             oo + max(0, p["m"] - 1) * p["os"] + p["n"] * p["m0"] * p["n0"] + 2)
    dtypes = (in_dtype, in_dtype, out_dtype)
    return tuple(VmBuffer(values(rng, size).astype(dtype)) for size, dtype in zip(sizes, dtypes))


def call_args(p, buffers, flags):
    lhs, rhs, out = buffers
    lo, ro, oo = p["offsets"]
    return (lhs, lo, p["ls"], rhs, ro, p["rs"], out, oo, p["os"], p["m"], p["n"], p["k"],
            p["m0"], p["n0"], p["k0"], flags | (ACC if p["accumulate"] else 0))


def small_ints(rng, size):
    return rng.integers(-8, 8, size)


@settings(max_examples=120, deadline=None)
@given(p=problems(), mmt4d_type=st.sampled_from([F32, S8]))
def test_matches_numpy_reference(vmvx, p, mmt4d_type):
    """Small-integer data: every rounding order gives the exact sum."""
    lhs, rhs, out = buffers = make_buffers(p, mmt4d_type, small_ints)
    lo, ro, oo = p["offsets"]
    wide = np.float32 if mmt4d_type == F32 else np.int64
    dtype = np.float32 if mmt4d_type == F32 else np.int32
    in_dtype = np.float32 if mmt4d_type == F32 else np.int8
    expected = reference(lhs.data.view(in_dtype), lo, p["ls"], rhs.data.view(in_dtype), ro,
                         p["rs"], out.data.view(dtype), oo, p["os"], p["m"], p["n"], p["k"],
                         p["m0"], p["n0"], p["k0"], p["accumulate"], wide)
    in_size = 4 if mmt4d_type == F32 else 1
    operands = [(lhs, in_size, lo, p["ls"], p["m"], p["k"] * p["m0"] * p["k0"]),
                (rhs, in_size, ro, p["rs"], p["n"], p["k"] * p["n0"] * p["k0"]),
                (out, 4, oo, p["os"], p["m"], p["n"] * p["m0"] * p["n0"])]
    if any(region_status(b.length, size, offset, stride, 1, rows, cols) != REGION_OK
           for b, size, offset, stride, rows, cols in operands):
        with pytest.raises(OutOfRangeError):  # IREE rejects some empty regions
            vmvx.lookup("mmt4d").call(*call_args(p, buffers, mmt4d_type | FALLBACK))
        return
    vmvx.lookup("mmt4d").call(*call_args(p, buffers, mmt4d_type | FALLBACK))
    np.testing.assert_array_equal(out.data.view(dtype), expected)


def test_generic_f32_rounds_each_step(vmvx):
    """Without an arch tile (M0=3), f32 accumulates unfused: equal to numpy's float32 steps."""
    rng = np.random.default_rng(7)
    p = dict(m=2, n=2, k=6, m0=3, n0=5, k0=2, ls=36, rs=60, os=30, offsets=[0, 0, 0],
             accumulate=True, seed=1)
    buffers = make_buffers(p, F32, lambda r, size: rng.standard_normal(size))
    lhs, rhs, out = buffers
    expected = reference(lhs.data.view(np.float32), 0, 36, rhs.data.view(np.float32), 0, 60,
                         out.data.view(np.float32), 0, 30, 2, 2, 6, 3, 5, 2, True, np.float32)
    vmvx.lookup("mmt4d").call(*call_args(p, buffers, F32 | FALLBACK))
    np.testing.assert_array_equal(out.data.view(np.float32), expected)


def normal_floats(rng, size):
    return rng.standard_normal(size) * rng.choice([1e-3, 1, 1e3], size)


@settings(max_examples=60, deadline=None)
@given(p=problems(arch_shapes=True), mmt4d_type=st.sampled_from([F32, S8]),
       extra_flags=st.sampled_from([FALLBACK, FALLBACK | 0x400, 0]))
def test_arch_shapes_match_iree(vmvx, iree, p, mmt4d_type, extra_flags):
    """IREE's AVX2/AVX-512 tile shapes: fused multiply-add, bit-for-bit."""
    if not mmt4d.has_arch_tile(mmt4d_type, p["m0"], p["n0"], p["k0"], cpu.cpu_level()):
        extra_flags |= FALLBACK  # without an arch tile IREE would crash
    values = normal_floats if mmt4d_type == F32 else (lambda rng, n: rng.integers(-128, 128, n))
    flags = mmt4d_type | extra_flags
    differential(vmvx, iree, "mmt4d",
                 lambda: call_args(p, make_buffers(p, mmt4d_type, values), flags))


@settings(max_examples=60, deadline=None)
@given(p=problems(), mmt4d_type=st.sampled_from([F32, S8]))
def test_generic_shapes_match_iree(vmvx, iree, p, mmt4d_type):
    values = normal_floats if mmt4d_type == F32 else (lambda rng, n: rng.integers(-128, 128, n))
    differential(vmvx, iree, "mmt4d",
                 lambda: call_args(p, make_buffers(p, mmt4d_type, values), mmt4d_type | FALLBACK))


def test_arch_tile_table():
    level = cpu.AVX512_VNNI
    assert mmt4d.has_arch_tile(F32, 16, 16, 1, level)
    assert mmt4d.has_arch_tile(F32, 8, 8, 1, cpu.AVX2_FMA)
    assert not mmt4d.has_arch_tile(F32, 16, 16, 1, cpu.AVX2_FMA)
    assert not mmt4d.has_arch_tile(F32, 16, 8, 1, level)  # AVX2 tiles stop at M0 = 8
    assert not mmt4d.has_arch_tile(F32, 3, 16, 1, level)
    assert not mmt4d.has_arch_tile(F32, 8, 4, 1, level)
    assert mmt4d.has_arch_tile(S8, 16, 16, 2, level)
    assert not mmt4d.has_arch_tile(S8, 16, 16, 1, level)
    assert not mmt4d.has_arch_tile(F32, 8, 8, 1, cpu.BASELINE)


def test_k_zero_rules(vmvx):
    """K = 0: zero tiles without ACCUMULATE, untouched with it."""
    lhs, rhs = VmBuffer(np.zeros(4, np.float32)), VmBuffer(np.zeros(4, np.float32))
    out = VmBuffer(np.full(8, 5, np.float32))
    vmvx.lookup("mmt4d").call(lhs, 0, 0, rhs, 0, 0, out, 0, 4, 2, 1, 0, 2, 2, 1, F32 | ACC)
    assert list(out.data.view(np.float32)) == [5] * 8
    vmvx.lookup("mmt4d").call(lhs, 0, 0, rhs, 0, 0, out, 0, 4, 2, 1, 0, 2, 2, 1, F32 | FALLBACK)
    assert list(out.data.view(np.float32)) == [0] * 8


def test_flag_and_argument_errors(vmvx):
    small = VmBuffer(np.zeros(64, np.uint8))
    mmt = vmvx.lookup("mmt4d").call
    with pytest.raises(InvalidArgumentError, match="unhandled flags"):
        mmt(small, 0, 0, small, 0, 0, small, 0, 0, 1, 1, 1, 1, 1, 1, 3 | FALLBACK)
    with pytest.raises(InvalidArgumentError, match="fallback not enabled"):
        mmt(small, 0, 0, small, 0, 0, small, 0, 0, 1, 1, 1, 3, 1, 1, F32)
    with pytest.raises(OutOfRangeError):
        mmt(small, 0, 0, small, 0, 0, small, 0, 0, 1, 1, 17, 1, 1, 1, F32 | FALLBACK)
    with pytest.raises(InvalidArgumentError, match="buffer overflow for rhs"):
        mmt(small, 0, 0, small, 0, -2, small, 0, 0, 1, 1, 1, 1, 1, 1, F32 | FALLBACK)
    with pytest.raises(PermissionDeniedError):
        mmt(small, 0, 0, small, 0, 0, VmBuffer(np.zeros(4, np.uint8), mutable=False), 0, 0,
            1, 1, 1, 1, 1, 1, F32 | FALLBACK)
    # K*M0*K0 wrapping to 0 passes IREE's check; the ukernel's own limits reject it.
    with pytest.raises(InvalidArgumentError, match="M, N, K"):
        mmt(small, 0, 0, small, 0, 0, small, 0, 0, 1, 1, 1 << 62, 0, 1, 4, F32 | FALLBACK)


@pytest.mark.parametrize("mode", [mmt4d.FUSED, mmt4d.UNFUSED, mmt4d.WRAPPING])
@pytest.mark.parametrize("m0, n0, k0", [(16, 16, 1), (7, 8, 2), (3, 5, 3), (1, 16, 4)])
def test_tiled_and_generic_kernels_agree(mode, m0, n0, k0):
    """The register-tiled kernels compute exactly what the generic kernel computes."""
    rng = np.random.default_rng(m0 * 100 + n0 * 10 + k0)
    m, n, k = 3, 2, 9
    in_dtype, out_dtype = (np.int8, np.int32) if mode == mmt4d.WRAPPING else (np.float32,) * 2
    lhs = (rng.standard_normal(m * k * m0 * k0) * 50).astype(in_dtype)
    rhs = (rng.standard_normal(n * k * n0 * k0) * 50).astype(in_dtype)
    start = (rng.standard_normal(m * n * m0 * n0) * 50).astype(out_dtype)
    results = []
    for kernel in (mmt4d.generic_kernel(mode), mmt4d.tiled_kernel(mode, n0, k0)):
        out = start.copy()
        kernel(lhs.view(np.uint8), 0, k * m0 * k0, rhs.view(np.uint8), 0, k * n0 * k0,
               out.view(np.uint8), 0, n * m0 * n0, m, n, k, m0, n0, k0, True)
        results.append(out)
    np.testing.assert_array_equal(results[0], results[1])
