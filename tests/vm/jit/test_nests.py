"""Interchanged, jammed and blocked loop nests (nests.py, nest_code.py, jam.py, block_code.py) and hoisted
loop-invariant ops (licm.py): bit-identical to the interpreter with every transformation on, off, and
each one off alone, on conv2d (NHWC, and NCHW with strides), row sums and generated nests whose buffers alias (the same buffer, or
overlapping subspans of one allocation)."""

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import vmvxjit
from tests.support.modules import DYNAMIC_VMVX, STATIC, compile_mlir
from tests.support.oracle import run_iree
from vmvxjit.cli import main
from vmvxjit.errors import Error
from vmvxjit.vm import isa
from vmvxjit.vm.decoder import Instr
from vmvxjit.vm.jit import switches
from vmvxjit.vm.jit.loops import slots_written

PROGRAMS = Path(__file__).parent / "programs"
CONV = """
func.func @conv(%x: tensor<1x{h}x{w}x{c}xf32>, %f: tensor<3x3x{c}x{n}xf32>) -> tensor<1x{oh}x{ow}x{n}xf32> {{
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x{oh}x{ow}x{n}xf32>
  %a = linalg.fill ins(%z : f32) outs(%e : tensor<1x{oh}x{ow}x{n}xf32>) -> tensor<1x{oh}x{ow}x{n}xf32>
  %r = linalg.conv_2d_nhwc_hwcf {{dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}}
         ins(%x, %f : tensor<1x{h}x{w}x{c}xf32>, tensor<3x3x{c}x{n}xf32>)
         outs(%a : tensor<1x{oh}x{ow}x{n}xf32>) -> tensor<1x{oh}x{ow}x{n}xf32>
  return %r : tensor<1x{oh}x{ow}x{n}xf32>
}}
"""
NCHW_CONV = """
func.func @conv(%x: tensor<1x{c}x{h}x{w}xf32>, %f: tensor<{n}x{c}x{k}x{k}xf32>) -> tensor<1x{n}x{oh}x{ow}xf32> {{
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x{n}x{oh}x{ow}xf32>
  %a = linalg.fill ins(%z : f32) outs(%e : tensor<1x{n}x{oh}x{ow}xf32>) -> tensor<1x{n}x{oh}x{ow}xf32>
  %r = linalg.conv_2d_nchw_fchw {{dilations = dense<1> : tensor<2xi64>, strides = dense<{s}> : tensor<2xi64>}}
         ins(%x, %f : tensor<1x{c}x{h}x{w}xf32>, tensor<{n}x{c}x{k}x{k}xf32>)
         outs(%a : tensor<1x{n}x{oh}x{ow}xf32>) -> tensor<1x{n}x{oh}x{ow}xf32>
  return %r : tensor<1x{n}x{oh}x{ow}xf32>
}}
"""
ROW_SUMS = """
func.func @sums(%x: tensor<{m}x{n}xf32>) -> tensor<{m}xf32> {{
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{m}xf32>
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<{m}xf32>) -> tensor<{m}xf32>
  %r = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                       iterator_types = ["parallel", "reduction"]}}
         ins(%x : tensor<{m}x{n}xf32>) outs(%z : tensor<{m}xf32>) {{
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  }} -> tensor<{m}xf32>
  return %r : tensor<{m}xf32>
}}
"""
SETTINGS = ["all", "none"] + [f"no-{name}" for name in switches.NAMES]


@pytest.fixture(params=SETTINGS)
def setting(request, monkeypatch):
    if request.param == "none":
        monkeypatch.setattr(switches, "ENABLED", False)
    elif request.param != "all":
        monkeypatch.setattr(switches, "DISABLED", frozenset({request.param[3:]}))
    return request.param


@pytest.mark.slow   # a cold Numba compile per program and switch setting
@pytest.mark.parametrize("flags", [STATIC, DYNAMIC_VMVX], ids=["static", "dyn-vmvx"])
def test_conv2d_is_bit_identical_to_the_interpreter(flags, setting):
    h, w, c, n = 7, 6, 5, 16
    path = compile_mlir(CONV.format(h=h, w=w, c=c, n=n, oh=h - 2, ow=w - 2), flags)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((1, h, w, c)).astype(np.float32)
    f = (rng.standard_normal((3, 3, c, n)) / 5).astype(np.float32)
    expected = vmvxjit.load(path, tier="interp").conv(x, f)
    actual = vmvxjit.load(path, tier="jit").conv(x, f)
    assert actual.tobytes() == expected.tobytes()


def _outcome(module, function, args):
    try:
        return getattr(module, function)(*args)
    except Error as error:
        return type(error), str(error)


@pytest.fixture(scope="module")
def nest_modules():
    path = compile_mlir((PROGRAMS / "nest.mlir").read_text(), ["--compile-mode=vm"])
    return vmvxjit.load(path, tier="interp"), vmvxjit.load(path, tier="jit")


@pytest.fixture
def jit_for_setting(setting):
    """nest.mlir loaded anew, so its code is generated under `setting`."""
    return vmvxjit.load(compile_mlir((PROGRAMS / "nest.mlir").read_text(), ["--compile-mode=vm"]), tier="jit")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nj=st.integers(0, 40), nk=st.integers(0, 6), at=st.integers(-3, 260),
       off=st.integers(-3, 260), stride=st.integers(-3, 70), alias=st.integers(0, 1))
def test_generated_nests_match_the_interpreter(nest_modules, nj, nk, at, off, stride, alias):
    """`dst[at + j] = dst[at + j] * 0.5 + src[off + k * stride + j]` with src the same buffer
    or another one, in bounds or not: same hash of dst, or the same error."""
    interp, jit = nest_modules
    args = (nj, nk, at, off, stride, alias)
    assert _outcome(jit, "run", args) == _outcome(interp, "run", args)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nj=st.integers(0, 20), nk=st.integers(0, 12), at=st.integers(-3, 260), off=st.integers(-3, 100),
       cs=st.integers(-3, 3), ks=st.integers(-2, 3), alias=st.integers(0, 1))
@example(nj=13, nk=5, at=0, off=0, cs=1, ks=1, alias=0)
@example(nj=17, nk=9, at=40, off=3, cs=-2, ks=-1, alias=0)
def test_generated_jammed_nests_match_the_interpreter(nest_modules, jit_for_setting, nj, nk, at, off,
                                                      cs, ks, alias):
    """`dst[at + j * cs] = (dst[at + j * cs] + src[off + j * 16 + k * ks]) * 0.5` (rows 16 apart:
    jammed 8 at a time) with outer trip
    counts not multiples of the factor, rows sharing an element (cs = 0), src the same buffer or
    another one, in bounds or not: same hash of dst, or the same error."""
    args = (nj, nk, at, off, cs, ks, alias)
    assert _outcome(jit_for_setting, "run_rows", args) == _outcome(nest_modules[0], "run_rows", args)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nw=st.integers(0, 14), nk=st.integers(0, 5), at=st.integers(-3, 200), off=st.integers(-3, 200),
       ws=st.integers(-9, 17), ks=st.integers(-2, 9), alias=st.integers(0, 1))
@example(nw=9, nk=3, at=0, off=0, ws=8, ks=8, alias=0)
@example(nw=11, nk=4, at=150, off=5, ws=-8, ks=3, alias=0)
@example(nw=6, nk=2, at=3, off=0, ws=5, ks=8, alias=0)
@example(nw=9, nk=3, at=0, off=0, ws=8, ks=8, alias=1)
def test_generated_blocked_nests_match_the_interpreter(nest_modules, jit_for_setting, nw, nk, at, off,
                                                       ws, ks, alias):
    """`dst[at + w * ws + j] = dst[at + w * ws + j] * 0.5 + src[off + w * 2 + k * ks + j]`, j < 8
    (w blocked 4 at a time) with trip counts not multiples of 4, rows overlapping (|ws| < 8) or
    reversed, src the same buffer or another one, in bounds or not: same hash of dst, or the same
    error."""
    args = (nw, nk, at, off, ws, ks, alias)
    assert _outcome(jit_for_setting, "run_blocks", args) == _outcome(nest_modules[0], "run_blocks", args)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nj=st.integers(0, 20), nm=st.integers(0, 3), nk=st.integers(0, 4), at=st.integers(-3, 200),
       off=st.integers(-3, 100), js=st.integers(-2, 10), ms=st.integers(-5, 9), alias=st.integers(0, 1))
@example(nj=17, nm=3, nk=3, at=0, off=0, js=2, ms=5, alias=0)
@example(nj=9, nm=2, nk=4, at=0, off=3, js=8, ms=1, alias=0)
@example(nj=9, nm=2, nk=4, at=0, off=3, js=9, ms=1, alias=0)
@example(nj=12, nm=2, nk=2, at=20, off=0, js=2, ms=3, alias=1)
def test_generated_strided_nests_match_the_interpreter(nest_modules, jit_for_setting, nj, nm, nk, at, off,
                                                       js, ms, alias):
    """`dst[at + j] = dst[at + j] * 0.5 + src[off + j * js + m * ms + k]` (j moved innermost
    reads src js apart: interchanged for 0 <= js <= 8 unless `strided` is off) with src the same
    buffer or another one, in bounds or not: same hash of dst, or the same error."""
    args = (nj, nm, nk, at, off, js, ms, alias)
    assert _outcome(jit_for_setting, "run_strided", args) == _outcome(nest_modules[0], "run_strided", args)


@pytest.mark.parametrize("js,optimized", [(0, True), (1, True), (2, True), (8, True), (9, False), (-1, False)])
@pytest.mark.parametrize("off", [(), ("strided",)], ids=["strided", "no-strided"])
def test_trace_counts_strided_nests(js, optimized, off, monkeypatch):
    """A stride known only at run time is checked at the nest's entry: up to 8 elements with
    `strided` on, 0 or 1 with it off."""
    monkeypatch.setattr(switches, "DISABLED", frozenset(off))
    path = compile_mlir((PROGRAMS / "nest.mlir").read_text(), ["--compile-mode=vm"])
    inputs = [str(i) for i in (20, 3, 4, 0, 40, js, 5, 0)]
    stdout, report = _run_traced(path, "run_strided", inputs)
    assert stdout == run_iree(path, "run_strided", inputs)[1]
    note, = [x for x in report if "moved innermost below 2 loop(s)" in x]
    optimized = optimized and (not off or js in (0, 1))
    expected = "1 entries optimized, 0 fell back" if optimized else "0 entries optimized, 1 fell back"
    assert _counts(report, note).startswith(expected), report


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nj=st.integers(0, 24), nk=st.integers(0, 6), at=st.integers(-3, 260), off=st.integers(-3, 260),
       stride=st.integers(-3, 40))
@example(nj=16, nk=4, at=0, off=100, stride=20)
@example(nj=16, nk=4, at=0, off=10, stride=20)
@example(nj=16, nk=4, at=100, off=0, stride=20)
def test_generated_nests_reading_the_buffer_they_update_match_the_interpreter(nest_modules, jit_for_setting,
                                                                              nj, nk, at, off, stride):
    """`buf[at + j] = buf[at + j] * 0.5 + buf[off + k * stride + j]` through one buffer register
    (`shared`: optimized when the elements read are not those updated), in bounds or not: same
    hash of buf, or the same error."""
    args = (nj, nk, at, off, stride)
    assert _outcome(jit_for_setting, "run_inplace", args) == _outcome(nest_modules[0], "run_inplace", args)


@pytest.mark.parametrize("inputs,optimized", [((16, 4, 0, 100, 20), True), ((16, 4, 100, 0, 20), True),
                                              ((16, 4, 0, 10, 20), False), ((16, 4, 60, 0, 20), False)])
@pytest.mark.parametrize("off", [(), ("shared",)], ids=["shared", "no-shared"])
def test_trace_counts_nests_reading_the_buffer_they_update(inputs, optimized, off, monkeypatch):
    """The nest is interchanged when the bytes it reads are disjoint from the elements it updates
    (checked once at its entry), else the literal code runs; with `shared` off it is left alone."""
    monkeypatch.setattr(switches, "DISABLED", frozenset(off))
    path = compile_mlir((PROGRAMS / "nest.mlir").read_text(), ["--compile-mode=vm"])
    inputs = [str(i) for i in inputs]
    stdout, report = _run_traced(path, "run_inplace", inputs)
    assert stdout == run_iree(path, "run_inplace", inputs)[1]
    moved = [x for x in report if "moved innermost below 1 loop(s)" in x and "nest at" in x]
    if off:
        assert not moved and any("no single element it could keep in a register" in x for x in report)
        return
    expected = "1 entries optimized, 0 fell back" if optimized else "0 entries optimized, 1 fell back"
    assert _counts(report, moved[0]).startswith(expected), report


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.integers(0, 2), n=st.integers(0, 12), nk=st.integers(0, 5), at=st.integers(-2, 200),
       off=st.integers(-2, 200), p=st.integers(-3, 17), q=st.integers(-2, 9), da=st.integers(0, 256),
       sa=st.integers(0, 256))
@example(kind=0, n=8, nk=2, at=0, off=0, p=8, q=0, da=0, sa=100)
@example(kind=1, n=9, nk=4, at=0, off=0, p=1, q=1, da=0, sa=200)
@example(kind=2, n=8, nk=2, at=0, off=0, p=8, q=8, da=0, sa=100)
@example(kind=2, n=8, nk=2, at=0, off=0, p=8, q=8, da=40, sa=0)
def test_generated_nests_on_overlapping_subspans_match_the_interpreter(nest_modules, jit_for_setting, kind, n,
                                                                       nk, at, off, p, q, da, sa):
    """The interchanged (kind 0), jammed (1) and blocked (2) nests above with dst and src subspans
    of one allocation at random element offsets da and sa, overlapping or not, the ranges they
    touch overlapping or not: same hash of the allocation, or the same error."""
    args = (kind, n, nk, at, off, p, q, da, sa)
    assert _outcome(jit_for_setting, "spans", args) == _outcome(nest_modules[0], "spans", args)


def _run_traced(path, function, inputs):
    """(stdout, the lines of --trace) of a jit run."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        main(["run", str(path), f"--function={function}", *(f"--input={i}" for i in inputs), "--tier=jit",
              "--trace"])
    return stdout.getvalue(), stderr.getvalue().splitlines()


def _counts(report: list, note: str) -> str:
    """What --trace counted for the loop or nest a trace `note` is about (its label:
    `loop nest at 00000026`, prefixed `callee @f: ` inside a natively called function)."""
    label = re.search(r"(callee @\S+: )?loop( nest)? at [0-9A-F]{8}", note).group()
    line, = [x for x in report if f"{label}: " in x and "entries optimized" in x]
    return line.split(f"{label}: ", 1)[1]


@pytest.mark.parametrize("inputs,optimized", [
    ((0, 8, 2, 0, 0, 8, 0, 0, 100), True),     # interchanged; src 100.. of the allocation, dst 0..7
    ((0, 8, 2, 0, 0, 8, 0, 0, 4), False),      # src 4..19 overlaps dst 0..7
    ((1, 9, 4, 0, 0, 1, 1, 0, 200), True),     # jammed; src 200..331, dst 0..8
    ((1, 9, 4, 0, 0, 1, 1, 0, 0), False),
    ((2, 8, 2, 0, 0, 8, 8, 0, 100), True),     # blocked; src 100..129, dst 0..63
    ((2, 8, 2, 0, 0, 8, 8, 0, 40), False),
])
def test_nests_on_one_storage_run_optimized_when_the_touched_ranges_are_disjoint(inputs, optimized):
    """dst and src are overlapping subspans of one allocation: the optimized nest runs when the
    bytes it writes and the bytes it reads are disjoint (counted once for the whole nest), else
    the literal code (counted once, not per iteration); both print what iree-run-module prints."""
    path = compile_mlir((PROGRAMS / "nest.mlir").read_text(), ["--compile-mode=vm"])
    inputs = [str(i) for i in inputs]
    stdout, report = _run_traced(path, "spans", inputs)
    assert stdout == run_iree(path, "spans", inputs)[1]
    expected = "1 entries optimized, 0 fell back" if optimized else "0 entries optimized, 1 fell back"
    entered = [x for x in report if "loop nest at" in x and "entries optimized" in x
               and "0 entries optimized, 0 fell back" not in x]
    assert entered and expected in entered[0], report   # the first nest the kernel entered


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(0, 40), c=st.integers(-2, 260), alias=st.integers(0, 1))
@example(n=16, c=3, alias=1)
@example(n=16, c=20, alias=1)
def test_hoisted_invariant_loads_match_the_interpreter(nest_modules, jit_for_setting, n, c, alias):
    """`dst[k] = src[k] * (w[c] - 0.5)`: w[c] - 0.5 is hoisted out of the loop unless w is dst
    and the loop overwrites w[c]; in bounds or not: same hash of dst, or the same error."""
    args = (n, c, alias)
    assert _outcome(jit_for_setting, "run_scale", args) == _outcome(nest_modules[0], "run_scale", args)


@pytest.mark.parametrize("inputs,optimized", [((16, 3, 1), False), ((16, 20, 1), True), ((16, 3, 0), True)])
@pytest.mark.parametrize("off", [(), ("licm",)], ids=["licm", "no-licm"])
def test_trace_says_what_licm_hoisted(inputs, optimized, off, monkeypatch):
    """The hoisted load and subtraction are reported; when w[c] is among the elements the loop
    writes, the loop falls back to the literal code."""
    monkeypatch.setattr(switches, "DISABLED", frozenset(off))
    path = compile_mlir((PROGRAMS / "nest.mlir").read_text(), ["--compile-mode=vm"])
    inputs = [str(i) for i in inputs]
    stdout, report = _run_traced(path, "run_scale", inputs)
    assert stdout == run_iree(path, "run_scale", inputs)[1]
    hoisted = [x for x in report if "2 loop-invariant op(s) hoisted (1 load(s))" in x]
    assert len(hoisted) == (0 if off else 1)
    if hoisted:
        expected = "1 entries optimized, 0 fell back" if optimized else "0 entries optimized, 1 fell back"
        assert _counts(report, hoisted[0]).startswith(expected), report


@pytest.mark.slow   # a cold Numba compile per program and switch setting
@pytest.mark.parametrize("ow,n", [(3, 16), (5, 16), (9, 8), (11, 32), (6, 33)])
def test_blocked_conv2d_is_bit_identical_to_the_interpreter(ow, n, setting):
    """Output pixels blocked 4 at a time: widths below, above and between multiples of 4; rows
    of 8 to 32 channels (33: too long to block)."""
    h, c = 5, 3
    path = compile_mlir(CONV.format(h=h, w=ow + 2, c=c, n=n, oh=h - 2, ow=ow), STATIC)
    rng = np.random.default_rng(ow * n)
    x = rng.standard_normal((1, h, ow + 2, c)).astype(np.float32)
    f = (rng.standard_normal((3, 3, c, n)) / 5).astype(np.float32)
    expected = vmvxjit.load(path, tier="interp").conv(x, f)
    actual = vmvxjit.load(path, tier="jit").conv(x, f)
    assert actual.tobytes() == expected.tobytes()


@pytest.mark.slow   # a cold Numba compile per program and switch setting
@pytest.mark.parametrize("stride,ow", [(2, 3), (2, 9), (2, 40), (4, 5)])
def test_strided_nchw_conv2d_is_bit_identical_to_the_interpreter(stride, ow, setting):
    """NCHW convolutions with strides 2 and 4 (rows short enough to block 4 at a time, and not)."""
    c, n, k, oh = 3, 4, 3, 2
    h, w = (oh - 1) * stride + k, (ow - 1) * stride + k
    path = compile_mlir(NCHW_CONV.format(h=h, w=w, c=c, n=n, k=k, oh=oh, ow=ow, s=stride), STATIC)
    rng = np.random.default_rng(stride * ow)
    x = rng.standard_normal((1, c, h, w)).astype(np.float32)
    f = (rng.standard_normal((n, c, k, k)) / 5).astype(np.float32)
    expected = vmvxjit.load(path, tier="interp").conv(x, f)
    actual = vmvxjit.load(path, tier="jit").conv(x, f)
    assert actual.tobytes() == expected.tobytes()


@pytest.mark.parametrize("off", [(), ("strided",)], ids=["strided", "no-strided"])
def test_trace_says_when_a_strided_nest_is_interchanged(off, monkeypatch):
    monkeypatch.setattr(switches, "DISABLED", frozenset(off))
    path = compile_mlir(NCHW_CONV.format(h=9, w=41, c=3, n=4, k=3, oh=4, ow=20, s=2), STATIC)
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
        main(["run", str(path), "--input=1x3x9x41xf32=1", "--input=4x3x3x3xf32=1", "--tier=jit", "--trace"])
    assert ("2 elements apart" in stderr.getvalue()) == bool(off)
    assert ("its 20 elements of %r" in stderr.getvalue()) == (not off)


@pytest.mark.parametrize("off", [(), ("block",)], ids=["block", "no-block"])
def test_trace_says_when_a_nest_is_blocked(off, monkeypatch):
    monkeypatch.setattr(switches, "DISABLED", frozenset(off))
    path = compile_mlir(CONV.format(h=5, w=11, c=3, n=16, oh=3, ow=9), STATIC)
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
        main(["run", str(path), "--input=1x5x11x3xf32=1", "--input=3x3x3x16xf32=1", "--tier=jit", "--trace"])
    assert ("4 iterations of %i" in stderr.getvalue()) == (not off)
    assert "moved innermost" in stderr.getvalue()


@pytest.mark.slow   # a cold Numba compile per program and switch setting
@pytest.mark.parametrize("rows", [1, 7, 8, 9, 13, 16, 33])
@pytest.mark.parametrize("cols", [1, 5, 32])
def test_jammed_row_sums_are_bit_identical_to_the_interpreter(rows, cols, setting):
    """Row sums are jammed 4 rows at a time: row counts below, at and between multiples of 4."""
    path = compile_mlir(ROW_SUMS.format(m=rows, n=cols), STATIC)
    x = np.random.default_rng(rows * cols).standard_normal((rows, cols)).astype(np.float32)
    expected = vmvxjit.load(path, tier="interp").sums(x)
    actual = vmvxjit.load(path, tier="jit").sums(x)
    assert actual.tobytes() == expected.tobytes()


@pytest.mark.parametrize("off", [(), ("jam",)], ids=["jam", "no-jam"])
def test_trace_says_when_a_nest_is_jammed(off, monkeypatch):
    monkeypatch.setattr(switches, "DISABLED", frozenset(off))
    path = compile_mlir(ROW_SUMS.format(m=13, n=32), STATIC)
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
        main(["run", str(path), "--input=13x32xf32=1", "--tier=jit", "--trace"])
    assert "not interchanged (the inner loop over" in stderr.getvalue()
    assert "elements apart" in stderr.getvalue()
    assert ("jammed: 4 iterations" in stderr.getvalue()) == (not off)


def test_a_32_bit_write_leaves_the_next_64_bit_register_alone():
    """A loop header's i32 condition in the slot below an i64 loop start (ResNet-50's convolutions:
    `%i11 = cmp.lt.i64.s ...` beside `%i12:13 = 0`) does not make the start change in the nest;
    a 64-bit write touches its two slots."""
    cmp = Instr(0, 8, isa.BY_MNEMONIC["vm.cmp.lt.i64.s"], (40, 34, 11))
    load = Instr(8, 16, isa.BY_MNEMONIC["vm.buffer.load.f32"], (26 | isa.REF_BIT, 50, 11))
    add = Instr(16, 24, isa.BY_MNEMONIC["vm.add.i64"], (48, 32, 48))
    assert slots_written(cmp) == [11] and slots_written(load) == [11]
    assert slots_written(add) == [48, 49]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.integers(0, 1), nw=st.integers(0, 11), j0=st.integers(-2, 5), nj=st.integers(0, 40),
       nk=st.integers(0, 5), at=st.integers(-3, 500), off=st.integers(-3, 500), ws=st.integers(-41, 41),
       ks=st.integers(-2, 40), alias=st.integers(0, 1))
@example(kind=0, nw=9, j0=0, nj=37, nk=3, at=0, off=0, ws=40, ks=40, alias=0)
@example(kind=0, nw=6, j0=3, nj=19, nk=2, at=500, off=5, ws=-40, ks=3, alias=0)
@example(kind=0, nw=5, j0=0, nj=32, nk=2, at=0, off=600, ws=32, ks=1, alias=1)
@example(kind=1, nw=9, j0=0, nj=0, nk=3, at=0, off=0, ws=12, ks=12, alias=0)
@example(kind=1, nw=7, j0=0, nj=0, nk=4, at=100, off=400, ws=-13, ks=2, alias=1)
@example(kind=0, nw=8, j0=0, nj=20, nk=3, at=0, off=0, ws=10, ks=5, alias=0)
def test_generated_tiled_nests_match_the_interpreter(nest_modules, jit_for_setting, kind, nw, j0, nj, nk, at,
                                                     off, ws, ks, alias):
    """`dst[at + w * ws + j] = dst[at + w * ws + j] * 0.5 + src[off + w * 2 + k * ks + j]` with j
    in [j0, nj) known only at run time (kind 0: tiles of 16 columns, the last one moved back to end
    at the row's end) or j < 12 (kind 1: tiles of 8, overlapping), w blocked 4 at a time, rows
    overlapping (|ws| below the row's length) or reversed, src the same buffer or another one, in
    bounds or not: same hash of dst, or the same error."""
    args = (kind, nw, j0, nj, nk, at, off, ws, ks, alias)
    assert _outcome(jit_for_setting, "run_tiles", args) == _outcome(nest_modules[0], "run_tiles", args)


@pytest.mark.parametrize("kind,nj,tiles", [(0, 37, "4 x 16"), (0, 12, None), (1, 0, "4 x 8")])
@pytest.mark.parametrize("off", [(), ("tile",)], ids=["tile", "no-tile"])
def test_trace_says_when_a_nest_runs_in_tiles(kind, nj, tiles, off, monkeypatch):
    """A blocked nest whose rows are known only at run time, or 12 long, runs in register tiles
    (a row shorter than 16 columns at run time falls back to the nest interchanged alone);
    with `tile` off it is not blocked, or (12) blocked in whole rows."""
    monkeypatch.setattr(switches, "DISABLED", frozenset(off))
    path = compile_mlir((PROGRAMS / "nest.mlir").read_text(), ["--compile-mode=vm"])
    inputs = [str(i) for i in (kind, 9, 0, nj, 3, 0, 0, 40, 40, 0)]
    stdout, report = _run_traced(path, "run_tiles", inputs)
    assert stdout == run_iree(path, "run_tiles", inputs)[1]
    entered = [x for x in report if "loop nest at" in x and "entries optimized" in x
               and "0 entries optimized, 0 fell back" not in x]
    tiled = [x for x in report if "tiles of" in x]
    if off:
        assert not tiled
    elif tiles is None:
        assert any("0 entries optimized, 1 fell back" in x for x in entered), report
    else:
        assert any(f"tiles of {tiles}" in x for x in tiled), report
        assert _counts(report, [x for x in tiled if f"tiles of {tiles}" in x][0]).startswith(
            "1 entries optimized, 0 fell back"), report
