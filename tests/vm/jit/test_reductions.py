"""Reduction nests run several outer iterations side by side (reductions.py, reduction_code.py):
inline-dynamic VMVX convolutions whose output tiles are not multiples of 64 pixels loop over a
linearized output index (delinearized with div/rem/select) around the channel and kernel loops.
Bit-identical to iree-run-module with the transformation on and off, in dyn-vmvx and static."""

import contextlib
import io

import numpy as np
import pytest

from tests.support.modules import DYNAMIC_VMVX, STATIC, compile_mlir
from tests.support.oracle import have_iree, iree_call
from tests.vm.jit.test_nests import NCHW_CONV
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

pytestmark = pytest.mark.skipif(not have_iree(), reason="needs iree-run-module (the oracle)")


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
