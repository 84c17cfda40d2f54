"""The JIT's loop optimizer as a whole (versioned loops, reordered nests): same results as the
interpreter, bit for bit, with it on and off; what --trace says it did. Aliasing buffers:
test_loop_versioning.py."""

import contextlib
import io

import numpy as np
import pytest

import vmvxjit
from tests.support.modules import DYNAMIC_VMVX, STATIC, compile_mlir
from tests.support.oracle import assert_second_process_compiles_nothing
from vmvxjit.cli import main

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

