"""x32 elementwise exports: numpy references over random strided regions, and IREE's bits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.kernels.iree_vmvx import differential
from tests.kernels.strided import all_accepted, regions
from vmvxjit.errors import ArithmeticFault, OutOfRangeError, PermissionDeniedError
from vmvxjit.vm.buffer import VmBuffer

F32, I32, U32 = np.float32, np.int32, np.uint32


def _f32(fn):
    """A float op on uint32 bit patterns."""
    def op(*bits):
        with np.errstate(all="ignore"):
            return np.asarray(fn(*(b.view(F32) for b in bits)), F32).view(U32)
    return op


def _shift_count(b):
    return (b & 31).astype(np.int64)


def _divs(a, b):
    x, y = a.view(I32).astype(np.int64), b.view(I32).astype(np.int64)
    q = np.abs(x) // np.abs(y)
    return np.where((x < 0) != (y < 0), -q, q).astype(np.int64).astype(U32)


def _ctlz(a):
    return np.array([32 - int(v).bit_length() for v in a.ravel()], U32).reshape(a.shape)


BINARY = {
    "add.2d.f32": _f32(np.add),
    "sub.2d.f32": _f32(np.subtract),
    "mul.2d.f32": _f32(np.multiply),
    "div.2d.f32": _f32(np.divide),
    "add.2d.i32": lambda a, b: a + b,
    "sub.2d.i32": lambda a, b: a - b,
    "mul.2d.i32": lambda a, b: a * b,
    "and.2d.i32": np.bitwise_and,
    "or.2d.i32": np.bitwise_or,
    "xor.2d.i32": np.bitwise_xor,
    "shl.2d.i32": lambda a, b: (a.astype(np.uint64) << _shift_count(b).astype(np.uint64)
                                ).astype(U32),
    "shrs.2d.i32": lambda a, b: (a.view(I32) >> _shift_count(b)).astype(I32).view(U32),
    "shru.2d.i32": lambda a, b: a >> _shift_count(b).astype(U32),
    "divs.2d.i32": _divs,
    "divu.2d.i32": lambda a, b: a // b,
}
UNARY = {
    "abs.2d.f32": _f32(np.abs),
    "neg.2d.f32": _f32(np.negative),
    "ceil.2d.f32": _f32(np.ceil),
    "floor.2d.f32": _f32(np.floor),
    "rsqrt.2d.f32": _f32(lambda x: F32(1) / np.sqrt(x)),
    "exp.2d.f32": _f32(lambda x: np.exp(x.astype(np.float64))),
    "log.2d.f32": _f32(lambda x: np.log(x.astype(np.float64))),
    "ctlz.2d.i32": _ctlz,
}
# numpy's float64 exp/log rounded to f32 may differ from libm's expf/logf by an ulp.
ULP_TOLERANT = {"exp.2d.f32", "log.2d.f32"}


def assert_bits_equal(name, got, want):
    if name.endswith(".f32"):
        got_f, want_f = got.view(F32), want.view(F32)
        both_nan = np.isnan(got_f) & np.isnan(want_f)
        if name in ULP_TOLERANT:
            close = np.abs(got.view(I32).astype(np.int64) - want.view(I32).astype(np.int64)) <= 1
            assert np.all(close | both_nan), (got_f, want_f)
            return
        assert np.all((got == want) | both_nan), (got_f, want_f)
    else:
        np.testing.assert_array_equal(got, want)


def valid_divisors(name, lhs, rhs):
    """Replaces divisors IREE would crash on (x/0, INT_MIN/-1) with 1."""
    if name == "divu.2d.i32":
        return np.where(rhs == 0, U32(1), rhs)
    if name == "divs.2d.i32":
        bad = (rhs == 0) | ((lhs == U32(0x80000000)) & (rhs == U32(0xFFFFFFFF)))
        return np.where(bad, U32(1), rhs)
    return rhs


@st.composite
def shapes(draw):
    return draw(st.integers(0, 5)), draw(st.integers(0, 7))


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_binary_matches_numpy(vmvx, name, data):
    size0, size1 = data.draw(shapes())
    lhs = data.draw(regions(size0, size1, 4))
    rhs = data.draw(regions(size0, size1, 4))
    out = data.draw(regions(size0, size1, 4, distinct=True))
    a = lhs.gather(U32, size0, size1)
    b = rhs.gather(U32, size0, size1)
    if name.startswith("div") and name.endswith("i32"):
        fixed = valid_divisors(name, a, b)
        rhs.elements(U32)[rhs.indices(size0, size1)] = fixed
        b = rhs.gather(U32, size0, size1)  # a zero stride may alias fixed and unfixed slots
        if not np.array_equal(valid_divisors(name, a, b), b):
            return
    before = out.buffer.data.copy()
    call = (*lhs.args(), *rhs.args(), *out.args(), size0, size1)
    if not all_accepted(4, size0, size1, lhs, rhs, out):
        with pytest.raises(OutOfRangeError):
            vmvx.lookup(name).call(*call)
        return
    vmvx.lookup(name).call(*call)
    assert_bits_equal(name, out.gather(U32, size0, size1), BINARY[name](a, b))
    untouched = np.ones(out.buffer.length, bool)
    idx = out.indices(size0, size1).ravel()
    for k in range(4):
        untouched[idx * 4 + k] = False
    np.testing.assert_array_equal(out.buffer.data[untouched], before[untouched])


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_unary_matches_numpy(vmvx, name, data):
    size0, size1 = data.draw(shapes())
    src = data.draw(regions(size0, size1, 4))
    out = data.draw(regions(size0, size1, 4, distinct=True))
    a = src.gather(U32, size0, size1)
    call = (*src.args(), *out.args(), size0, size1)
    if not all_accepted(4, size0, size1, src, out):
        with pytest.raises(OutOfRangeError):
            vmvx.lookup(name).call(*call)
        return
    vmvx.lookup(name).call(*call)
    assert_bits_equal(name, out.gather(U32, size0, size1), UNARY[name](a))


def special_bits(count, seed):
    """Random f32/i32 bit patterns mixed with zeros, infinities, NaNs and INT_MIN."""
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 1 << 32, count, dtype=np.uint64).astype(U32)
    specials = np.array([0, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001,
                         0x7F800001, 1, 0x3F800000, 0xBF800000, 31, 32, 33, 0xFFFFFFFF], U32)
    bits[::3] = rng.choice(specials, bits[::3].size)
    floats = (rng.standard_normal(count) * rng.choice([1, 10, 100], count)).astype(F32)
    bits[1::3] = floats[1::3].view(U32)
    return bits


@pytest.mark.parametrize("name", sorted(BINARY) + sorted(UNARY))
def test_bits_match_iree(vmvx, iree, name):
    """1000 elements of random and special values, 2-D strided, bit-for-bit equal to IREE."""
    size0, size1 = 25, 40
    lhs = special_bits(size0 * size1, 1)
    rhs = valid_divisors(name, lhs, special_bits(size0 * size1, 2))

    def make_args():
        out = VmBuffer(np.zeros(4 * (size0 * 48), np.uint8))
        operands = [(VmBuffer(lhs.view(np.uint8).copy()), 0, size1, 1)]
        if name in BINARY:
            reversed_rows = rhs.reshape(size0, size1)[:, ::-1].copy()
            operands.append((VmBuffer(reversed_rows.view(np.uint8).ravel()), size1 - 1, size1, -1))
        return (*[x for op in operands for x in op], out, 3, 48, 1, size0, size1)

    differential(vmvx, iree, name, make_args)


@pytest.mark.parametrize("name, lhs, rhs", [
    ("divs.2d.i32", 7, 0), ("divs.2d.i32", -(1 << 31), -1), ("divu.2d.i32", 7, 0)])
def test_division_faults(vmvx, name, lhs, rhs):
    a = VmBuffer(np.array([1, lhs], I32))
    b = VmBuffer(np.array([1, rhs], I32))
    out = VmBuffer.allocate(8)
    with pytest.raises(ArithmeticFault, match=name):
        vmvx.lookup(name).call(a, 0, 0, 1, b, 0, 0, 1, out, 0, 0, 1, 1, 2)


def test_division_rounds_toward_zero(vmvx):
    a = VmBuffer(np.array([7, -7, 7, -7, -(1 << 31)], I32))
    b = VmBuffer(np.array([2, 2, -2, -2, 1], I32))
    out = VmBuffer.allocate(20)
    vmvx.lookup("divs.2d.i32").call(a, 0, 0, 1, b, 0, 0, 1, out, 0, 0, 1, 1, 5)
    assert list(out.data.view(I32)) == [3, -3, -3, 3, -(1 << 31)]


def test_in_place_and_read_only(vmvx):
    buffer = VmBuffer(np.arange(6, dtype=F32))
    vmvx.lookup("mul.2d.f32").call(buffer, 0, 3, 1, buffer, 0, 3, 1, buffer, 0, 3, 1, 2, 3)
    assert list(buffer.data.view(F32)) == [0, 1, 4, 9, 16, 25]
    read_only = VmBuffer(np.zeros(8, np.uint8), mutable=False)
    with pytest.raises(PermissionDeniedError):
        vmvx.lookup("neg.2d.f32").call(buffer, 0, 0, 1, read_only, 0, 0, 1, 1, 2)


def test_zero_stride_output_keeps_last_element(vmvx):
    """All elements written to one slot: the last in i-major, j-minor order stays."""
    src = VmBuffer(np.arange(6, dtype=F32))
    out = VmBuffer.allocate(4)
    vmvx.lookup("abs.2d.f32").call(src, 0, 3, 1, out, 0, 0, 0, 2, 3)
    assert out.data.view(F32)[0] == 5
