"""Loop distribution (distribution.py): an innermost loop's exps computed ahead in a loop of
their own give the bits of the literal loop and of IREE, and only when the loop's stores leave
the slice's loads alone."""

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest

import vmvxjit
from tests.support.modules import DYNAMIC_VMVX, STATIC, compile_mlir
from tests.support.oracle import have_iree, iree_result, run_iree, run_vmvxjit
from vmvxjit.cli import main
from vmvxjit.vm.jit import distribution, switches

PROGRAM = Path(__file__).parent / "programs" / "distribute.mlir"
SOFTMAX = """
func.func @softmax(%x: tensor<SHAPExf32>) -> tensor<SHAPExf32> {
  %empty = tensor.empty() : tensor<SHAPExf32>
  %r = linalg.softmax dimension(1) ins(%x : tensor<SHAPExf32>)
                                   outs(%empty : tensor<SHAPExf32>) -> tensor<SHAPExf32>
  return %r : tensor<SHAPExf32>
}
"""

pytestmark = pytest.mark.skipif(not have_iree(), reason="needs iree-compile and iree-run-module")

# (n, off, alias, out): `dst[k + off] = exp(-src[k] / 2)` for k < n, then `dst[out] += exp(src[k])`;
# src is dst itself when alias is 1. Lengths below, at and above distribution.CHUNK.
CASES = [("700", "0", "0", "1000"), ("700", "1", "1", "1000"), ("700", "1", "1", "600"),
         ("600", "300", "1", "1000"), ("1000", "0", "1", "1000"), ("5", "1", "1", "3"),
         ("256", "0", "0", "3"), ("257", "2", "0", "1000"), ("0", "0", "1", "0")]


def _run_traced(path, inputs) -> tuple[str, str]:
    stderr, stdout = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        main(["run", str(path), "--function=run", *(f"--input={i}" for i in inputs), "--tier=jit", "--trace"])
    return stdout.getvalue(), stderr.getvalue()


@pytest.mark.parametrize("inputs", CASES)
def test_exps_computed_ahead_match_iree(inputs, loop_opt):
    """Chunked or literal, with or without a store into what the exps read: IREE's bits."""
    path = compile_mlir(PROGRAM.read_text(), ["--compile-mode=vm"])
    iree = run_iree(path, "run", inputs)
    ours = run_vmvxjit(path, "run", inputs, tier="jit")
    assert (ours[0], ours[1]) == (iree[0], iree[1]), ours[2]


@pytest.mark.parametrize("inputs,optimized", [(("700", "1", "0", "1000"), 1), (("700", "1", "1", "1000"), 0),
                                              (("300", "700", "1", "1000"), 1)])
def test_exps_run_ahead_only_when_the_loop_leaves_their_inputs_alone(inputs, optimized):
    """`dst[k + 1] = exp(-dst[k] / 2)` reads what an earlier iteration stored: the literal loop
    runs. Stores above every element read (src = dst, off 700, n 300) let the chunks run."""
    path = compile_mlir(PROGRAM.read_text(), ["--compile-mode=vm"])
    stdout, stderr = _run_traced(path, inputs)
    notes = [line for line in stderr.splitlines() if "computed ahead" in line]
    assert len(notes) == 2 and all(f"chunks of {distribution.CHUNK}" in n for n in notes)
    counts = [line for line in stderr.splitlines() if "entries optimized" in line]
    assert f"{optimized} entries optimized, {1 - optimized} fell back to the literal code" in counts[0]
    assert stdout == run_iree(path, "run", inputs)[1]


def test_switched_off_computes_nothing_ahead(monkeypatch):
    monkeypatch.setattr(switches, "DISABLED", frozenset({"distribute"}))
    path = compile_mlir(PROGRAM.read_text(), ["--compile-mode=vm"])
    _, stderr = _run_traced(path, CASES[0])
    assert "computed ahead" not in stderr and "bounds-checked once" in stderr


@pytest.mark.parametrize("shape", [(1, 1000), (64, 1024)], ids=["1x1000", "64x1024"])
@pytest.mark.parametrize("flags", [pytest.param(STATIC, id="static"),
                                   pytest.param(DYNAMIC_VMVX, id="dynamic_vmvx")])
def test_softmax_bits_are_irees(shape, flags, tmp_path):
    """Softmax rows (sums of exps in order, exps divided by them) as iree-run-module, with
    exps to subnormals and zero, on every call (the first ones interpreted or quick code)."""
    rng = np.random.default_rng(1000)
    x = rng.uniform(-120.0, 10.0, shape).astype(np.float32)
    x[0, :50] = np.linspace(-110.0, -80.0, 50, dtype=np.float32)
    text = SOFTMAX.replace("SHAPE", "x".join(map(str, shape)))
    path = compile_mlir(text, flags)
    expected = iree_result(path, "softmax", x, tmp_path)
    softmax = vmvxjit.load(path, tier="jit")["softmax"]
    for _ in range(3):
        assert np.asarray(softmax(x)).tobytes() == expected.tobytes()


def test_vmvx_entry_function_with_exps_ahead_compiles():
    """The VMVX entry function (compiled by Numba) takes the chunks' stack arrays too: its
    trace names no compile failure."""
    path = compile_mlir(SOFTMAX.replace("SHAPE", "1x1000"), DYNAMIC_VMVX)
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
        main(["run", str(path), "--input=1x1000xf32=0.5", "--tier=jit", "--trace"])
    assert "whole entry function with its workgroup loop" in stderr.getvalue()
    assert "not compiled" not in stderr.getvalue()


def test_inner_loops_of_reordered_nests_get_no_chunks_or_lanes():
    """64x1024 in a VMVX entry function (Numba compiles it, seconds per loop): the max and
    sum loops run jammed, eight rows side by side, so their own loops (run when the nests'
    checks fail) stay plain; the divide loop, in a nest left alone, computes its exps ahead."""
    path = compile_mlir(SOFTMAX.replace("SHAPE", "64x1024"), DYNAMIC_VMVX)
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
        main(["run", str(path), "--input=64x1024xf32=0.5", "--tier=jit", "--trace"])
    notes = stderr.getvalue()
    assert notes.count("jammed") == 2
    assert notes.count("computed ahead") == 1 and "folded in" not in notes
