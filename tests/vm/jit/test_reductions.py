"""Reduction nests run several outer iterations side by side (reductions.py, reduction_code.py):
inline-dynamic VMVX convolutions whose output tiles are not multiples of 64 pixels loop over a
linearized output index (delinearized with div/rem/select) around the channel and kernel loops.
Bit-identical to iree-run-module with the transformation on and off, in dyn-vmvx and static; a
generated nest of that shape (programs/reduce.mlir) bit-identical to the interpreter, or failing
with the same error, when its elements collide, its buffers alias, its divisor is 0 or -1 or its
accesses leave their buffers."""

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
from tests.support.oracle import have_iree, iree_call
from tests.vm.jit.test_nests import NCHW_CONV, _outcome
from vmvxjit.cli import main
from vmvxjit.vm.jit import switches

# VGG-19's light model: the filter a splat constant, each reduction step an fma by it.
SPLAT_CONV = """
func.func @conv(%x: tensor<1x{c}x{h}x{w}xf32>) -> tensor<1x{n}x{oh}x{ow}xf32> {{
  %z = arith.constant 0.0 : f32
  %f = arith.constant dense<0.02> : tensor<{n}x{c}x3x3xf32>
  %e = tensor.empty() : tensor<1x{n}x{oh}x{ow}xf32>
  %a = linalg.fill ins(%z : f32) outs(%e : tensor<1x{n}x{oh}x{ow}xf32>) -> tensor<1x{n}x{oh}x{ow}xf32>
  %r = linalg.conv_2d_nchw_fchw {{dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}}
         ins(%x, %f : tensor<1x{c}x{h}x{w}xf32>, tensor<{n}x{c}x3x3xf32>)
         outs(%a : tensor<1x{n}x{oh}x{ow}xf32>) -> tensor<1x{n}x{oh}x{ow}xf32>
  return %r : tensor<1x{n}x{oh}x{ow}xf32>
}}
"""
SIDE_BY_SIDE = "side by side around the reduction nest below it"
CONFIGS = {"dyn-vmvx": DYNAMIC_VMVX, "static": STATIC}

PROGRAM = Path(__file__).parent / "programs" / "reduce.mlir"
needs_iree = pytest.mark.skipif(not have_iree(), reason="needs iree-run-module (the oracle)")


def _conv(c: int, n: int, oh: int, ow: int, flags: list, splat: bool):
    """The module, its arguments and their npy paths' flags for a 3x3 NCHW convolution."""
    shape = dict(c=c, n=n, h=oh + 2, w=ow + 2, oh=oh, ow=ow)
    source = SPLAT_CONV.format(**shape) if splat else NCHW_CONV.format(k=3, s=1, **shape)
    rng = np.random.default_rng(c * n + oh * ow)
    args = [rng.standard_normal((1, c, oh + 2, ow + 2)).astype(np.float32)]
    if not splat:
        args.append((rng.standard_normal((n, c, 3, 3)) / 5).astype(np.float32))
    return compile_mlir(source, flags), args


def _run(path, args, tmp_path) -> tuple[np.ndarray, str]:
    """vmvxjit's result (compiled code only) and its --trace report."""
    inputs = []
    for n, array in enumerate(args):
        np.save(tmp_path / f"a{n}.npy", array)
        inputs.append(f"--input=@{tmp_path / f'a{n}.npy'}")
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
        assert main(["run", str(path), *inputs, f"--output=@{tmp_path / 'out.npy'}", "--tier=jit",
                     "--trace"]) == 0
    return np.load(tmp_path / "out.npy"), stderr.getvalue()


@needs_iree
@pytest.mark.slow   # iree-compile per shape and configuration
@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("c,n,oh,ow,splat", [(4, 8, 66, 66, False), (3, 5, 65, 67, False),
                                             (8, 4, 66, 65, True)])
@pytest.mark.parametrize("off", [(), ("reduction",)], ids=["reduction", "no-reduction"])
def test_conv_is_bit_identical_to_iree(config, c, n, oh, ow, splat, off, monkeypatch, tmp_path):
    """Tiles of 64 output pixels and a last, shorter one (65-67 wide): block counts below, at and
    between multiples of 8; the filter loaded, or an fma by a constant."""
    monkeypatch.setattr(switches, "DISABLED", frozenset(off))
    path, args = _conv(c, n, oh, ow, CONFIGS[config], splat)
    actual, trace = _run(path, args, tmp_path)
    expected = iree_call(path, "conv", args, tmp_path)
    assert actual.tobytes() == expected.tobytes()
    if off:
        assert SIDE_BY_SIDE not in trace


@needs_iree
@pytest.mark.parametrize("splat", [False, True], ids=["loaded-filter", "splat-filter"])
def test_trace_says_dyn_vmvx_conv_runs_its_reduction_nest_side_by_side(splat, tmp_path):
    """Each output element kept in a register over the channel and kernel loops, 8 elements at a
    time; the nest's entries all run the optimized code."""
    path, args = _conv(4, 8, 66, 66, DYNAMIC_VMVX, splat)
    _, trace = _run(path, args, tmp_path)
    notes = [line for line in trace.splitlines() if SIDE_BY_SIDE in line]
    assert len(notes) == 1, trace
    assert "8 iterations of %i" in notes[0] and "kept in a register over the nest" in notes[0]
    head = notes[0].split(":")[1].strip()
    counts = [line for line in trace.splitlines() if line.strip().startswith(f"jit:     {head}:")
              and "entries optimized" in line]
    assert counts and counts[0].endswith(", 0 fell back to the literal code"), trace
    assert " 0 entries optimized" not in counts[0]


@pytest.fixture(scope="module")
def interpreted():
    return vmvxjit.load(compile_mlir(PROGRAM.read_text(), ["--compile-mode=vm"]), tier="interp")


@pytest.fixture(params=["all", "none", "no-reduction"])
def compiled(request, monkeypatch):
    """reduce.mlir loaded anew, so its code is generated with every loop optimization, none, or
    all but this one."""
    if request.param == "none":
        monkeypatch.setattr(switches, "ENABLED", False)
    elif request.param != "all":
        monkeypatch.setattr(switches, "DISABLED", frozenset({request.param[3:]}))
    return vmvxjit.load(compile_mlir(PROGRAM.read_text(), ["--compile-mode=vm"]), tier="jit")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nj=st.integers(0, 60), nc=st.integers(0, 4), nk=st.integers(0, 5), at=st.integers(-3, 260),
       off=st.integers(-3, 260), d=st.integers(-3, 40), rs=st.integers(-2, 40), cs=st.integers(-3, 40),
       alias=st.integers(0, 1))
@example(nj=37, nc=3, nk=4, at=5, off=7, d=6, rs=7, cs=20, alias=0)     # side by side, 5 left over
@example(nj=60, nc=3, nk=4, at=5, off=7, d=3, rs=3, cs=20, alias=0)     # vectors of 32 and 16, then 8
@example(nj=57, nc=2, nk=3, at=9, off=1, d=24, rs=24, cs=60, alias=0)   # rows of 24: vectors of 16 and
                                                                        # blocks of 8 side by side
@example(nj=37, nc=3, nk=4, at=5, off=7, d=6, rs=3, cs=20, alias=0)     # elements collide
@example(nj=37, nc=3, nk=4, at=5, off=7, d=0, rs=7, cs=20, alias=0)     # division by zero
@example(nj=30, nc=3, nk=4, at=5, off=100, d=-1, rs=-7, cs=20, alias=0)
@example(nj=37, nc=3, nk=4, at=5, off=7, d=6, rs=7, cs=20, alias=1)     # src is dst
@example(nj=37, nc=3, nk=4, at=200, off=7, d=6, rs=7, cs=20, alias=0)   # dst's elements leave it
@example(nj=40, nc=3, nk=4, at=5, off=7, d=6, rs=7, cs=80, alias=0)     # src's reads leave it
def test_generated_reduction_nests_match_the_interpreter(interpreted, compiled, nj, nc, nk, at, off, d, rs,
                                                         cs, alias):
    """Same hash of dst, or the same error."""
    args = (nj, nc, nk, at, off, d, rs, cs, alias)
    assert _outcome(compiled, "run", args) == _outcome(interpreted, "run", args)


@pytest.mark.parametrize("args,optimized", [((37, 3, 4, 5, 7, 6, 7, 20, 0), True),
                                            ((37, 3, 4, 5, 7, 6, 7, 20, 1), False),
                                            ((30, 3, 4, 5, 100, -1, -7, 20, 0), False)],
                         ids=["apart", "aliased", "divisor--1"])
def test_trace_counts_reduction_nests(args, optimized):
    """The nest runs side by side, or falls back when src is dst or the divisor -1."""
    path = compile_mlir(PROGRAM.read_text(), ["--compile-mode=vm"])
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
        assert main(["run", str(path), *(f"--input={a}" for a in args), "--tier=jit", "--trace"]) == 0
    notes = [line for line in stderr.getvalue().splitlines() if SIDE_BY_SIDE in line]
    assert len(notes) == 1 and "8 iterations of %i" in notes[0], stderr.getvalue()
    head = notes[0].split(":")[1].strip()
    ran, fell = map(int, re.search(f"{head}: (\\d+) entries optimized, (\\d+) fell back", stderr.getvalue()).groups())
    assert (ran > 0, fell > 0) == (bool(optimized), not optimized)
