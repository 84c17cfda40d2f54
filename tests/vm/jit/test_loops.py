"""The JIT's loop optimizer (bounds proofs, promotion, interchange): same results as the
interpreter and as IREE, bit for bit, with it on and off."""

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest

import vmvxjit
from tests.support.modules import DYNAMIC_VMVX, STATIC, compile_mlir
from tests.support.oracle import assert_second_process_compiles_nothing, run_iree, run_vmvxjit
from vmvxjit.cli import main
from vmvxjit.vm.jit import switches

PROGRAMS = Path(__file__).parent / "programs"
MATMUL = """
func.func @mm(%a: tensor<{m}x{k}xf32>, %b: tensor<{k}x{n}xf32>) -> tensor<{m}x{n}xf32> {{
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{m}x{n}xf32>
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  %r = linalg.matmul ins(%a, %b : tensor<{m}x{k}xf32>, tensor<{k}x{n}xf32>)
                     outs(%z : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  return %r : tensor<{m}x{n}xf32>
}}
"""

@pytest.fixture(params=[True, False], ids=["opt", "no-opt"])
def loop_opt(request, monkeypatch):
    monkeypatch.setattr(switches, "ENABLED", request.param)
    return request.param


@pytest.mark.parametrize("flags", [STATIC, DYNAMIC_VMVX], ids=["static", "dyn-vmvx"])
@pytest.mark.parametrize("shape", [(5, 7, 3), (33, 17, 9), (64, 64, 64)])
def test_matmul_is_bit_identical_to_the_interpreter(flags, shape, loop_opt):
    m, k, n = shape
    path = compile_mlir(MATMUL.format(m=m, k=k, n=n), flags)
    rng = np.random.default_rng(m * k * n)
    a = (rng.standard_normal((m, k)) / 7).astype(np.float32)
    b = (rng.standard_normal((k, n)) / 3).astype(np.float32)
    expected = vmvxjit.load(path, tier="interp").mm(a, b)
    actual = vmvxjit.load(path, tier="jit").mm(a, b)
    assert actual.tobytes() == expected.tobytes()


@pytest.mark.parametrize("inputs", [("16", "3", "1"), ("16", "3", "0"), ("0", "5", "1"),
                                    ("16", "15", "1"), ("1", "0", "1"), ("16", "16", "0"),
                                    ("3", "15", "1"), ("15", "15", "1")])
def test_aliasing_buffers_match_iree(inputs, loop_opt):
    """`dst[at] += src[k]` where src may be dst itself: promotion must not apply then, unless
    the elements the loop reads (src[0..n-1]) do not include dst[at]."""
    path = compile_mlir((PROGRAMS / "alias.mlir").read_text(), ["--compile-mode=vm"])
    iree = run_iree(path, "run", inputs)
    ours = run_vmvxjit(path, "run", inputs, tier="jit")
    assert (ours[0], ours[1]) == (iree[0], iree[1]), ours[2]


@pytest.mark.parametrize("inputs,optimized", [(("16", "3", "1"), 0), (("3", "15", "1"), 1),
                                              (("16", "3", "0"), 1)])
def test_trace_counts_which_version_each_entry_ran(inputs, optimized):
    """src = dst: the loop still keeps dst[at] in a register when src[0..n-1] leaves it alone
    (byte ranges, not buffers, are compared), and falls back once, not once per iteration,
    when it does not."""
    path = compile_mlir((PROGRAMS / "alias.mlir").read_text(), ["--compile-mode=vm"])
    stderr, stdout = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        main(["run", str(path), "--function=run", *(f"--input={i}" for i in inputs), "--tier=jit", "--trace"])
    counts = [line for line in stderr.getvalue().splitlines() if "entries optimized" in line]
    assert len(counts) == 1
    assert f"{optimized} entries optimized, {1 - optimized} fell back to the literal code" in counts[0]
    assert stdout.getvalue() == run_iree(path, "run", inputs)[1]


def test_trace_reports_the_transformations():
    path = compile_mlir(MATMUL.format(m=8, k=16, n=4), STATIC)
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
        main(["run", str(path), "--input=8x16xf32=1", "--input=16x4xf32=2", "--tier=jit",
              "--trace"])
    report = stderr.getvalue()
    assert "kept in a register" in report
    assert "bounds-checked once at loop entry" in report
    assert "moved innermost" in report


def test_second_process_loads_compiled_code_from_the_disk_cache(tmp_path):
    path = compile_mlir(MATMUL.format(m=6, k=5, n=4), STATIC)
    assert_second_process_compiles_nothing([str(path), "--input=6x5xf32=1", "--input=5x4xf32=2"], tmp_path)

