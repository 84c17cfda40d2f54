"""A running maximum folded in lanes (running_max.py): the bits of iree-run-module's sequential
fold, NaNs, infinities and both zeros included, and the lanes in use."""

import contextlib
import io

import numpy as np
import pytest

import vmvxjit
from tests.support.modules import DYNAMIC_VMVX, STATIC, compile_mlir
from tests.support.oracle import have_iree, iree_result
from vmvxjit.cli import main
from vmvxjit.vm.jit import running_max

ROWMAX = """
func.func @rowmax(%x: tensor<6xNxf32>) -> tensor<6xf32> {
  %nan = arith.constant 0xFFC00000 : f32
  %empty = tensor.empty() : tensor<6xf32>
  %init = linalg.fill ins(%nan : f32) outs(%empty : tensor<6xf32>) -> tensor<6xf32>
  %r = linalg.reduce ins(%x : tensor<6xNxf32>) outs(%init : tensor<6xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %m = arith.maxnumf %in, %acc : f32
      linalg.yield %m : f32
    }
  return %r : tensor<6xf32>
}
"""

pytestmark = pytest.mark.skipif(not have_iree(), reason="needs iree-compile and iree-run-module")


def _rows(n: int) -> np.ndarray:
    """Rows whose maximum is: a normal value; +0 after an earlier -0, and -0 after an earlier
    +0 (the first zero wins); a value among NaNs of several payloads; only NaNs (the initial
    NaN stays); +inf repeated after a NaN first element."""
    rng = np.random.default_rng(n)
    x = rng.standard_normal((6, n)).astype(np.float32)
    x[1] = -np.abs(x[1]) - 1
    x[1, n // 3], x[1, 2 * n // 3] = -0.0, 0.0
    x[2] = -np.abs(x[2]) - 1
    x[2, n // 4], x[2, n - 1] = 0.0, -0.0
    nans = np.array([0x7FC00001, 0xFFC12345, 0x7FA00000], dtype=np.uint32).view(np.float32)
    x[3, ::3] = nans[np.arange(len(x[3, ::3])) % 3]
    x[4] = nans[np.arange(n) % 3]
    x[5, 0] = nans[0]
    x[5, n // 2:] = np.inf
    return x


@pytest.mark.parametrize("n", [1000, 40, 20])
@pytest.mark.parametrize("flags", [pytest.param(STATIC, id="static"),
                                   pytest.param(DYNAMIC_VMVX, id="dynamic_vmvx")])
def test_maximum_bits_are_irees(n, flags, tmp_path):
    path = compile_mlir(ROWMAX.replace("6xN", f"6x{n}"), flags)
    x = _rows(n)
    expected = iree_result(path, "rowmax", x, tmp_path)
    rowmax = vmvxjit.load(path, tier="jit")["rowmax"]
    for _ in range(3):
        assert np.asarray(rowmax(x)).view(np.uint32).tolist() == expected.view(np.uint32).tolist()


def test_static_row_maximum_is_folded_in_lanes():
    path = compile_mlir(ROWMAX.replace("6xN", "6x1000"), STATIC)
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
        main(["run", str(path), "--input=6x1000xf32=0.5", "--tier=jit", "--trace"])
    assert f"folded in {running_max.LANES} lanes" in stderr.getvalue()
