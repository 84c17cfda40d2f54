"""The `expf` LLVM-compiled region code calls (llvm_expf.py): checked against this
process's libm by cached machine code, and softmax's bits as IREE's."""

import os
import subprocess
import sys

import numpy as np
import pytest

import vmvxjit
from tests.support.modules import DYNAMIC_VMVX, STATIC, compile_mlir
from tests.support.oracle import have_iree, iree_result
from vmvxjit.vm.jit import expf, expf_data, llvm_expf

SOFTMAX = """
func.func @softmax(%x: tensor<3x1000xf32>) -> tensor<3x1000xf32> {
  %empty = tensor.empty() : tensor<3x1000xf32>
  %r = linalg.softmax dimension(1) ins(%x : tensor<3x1000xf32>)
                                   outs(%empty : tensor<3x1000xf32>) -> tensor<3x1000xf32>
  return %r : tensor<3x1000xf32>
}
"""
_CHOOSE = ("import sys; from vmvxjit.vm.jit import llvm_expf; print(llvm_expf.choose(), "
           "'numba' in sys.modules, 'vmvxjit.vm.jit.llvm_lower' in sys.modules)")


def test_choice_is_numbas():
    """Both compilers' copies of expf.py's text match libm alike."""
    assert llvm_expf.choose() == expf.choose()


def test_mismatch_falls_back_to_libm(monkeypatch):
    monkeypatch.setattr(llvm_expf, "mismatches", lambda name, inputs: 1)
    assert llvm_expf.choose.__wrapped__() == "libm_f32_exp"


def test_fma_mismatch_picks_sse2(monkeypatch):
    monkeypatch.setattr(llvm_expf, "mismatches", lambda name, inputs: int(name == "inline_expf_fma"))
    assert llvm_expf.choose.__wrapped__() == "inline_expf_sse2"


def test_mismatches_counts_the_other_builds_differences():
    """The two inputs on which glibc's builds differ are all the other variant gets wrong."""
    distinct = np.array([0x4202422F, 0xC27C65D9], dtype=np.uint32).view(np.float32)
    chosen = llvm_expf.choose()
    if chosen == expf_data.LIBM:
        pytest.skip("libm's expf is not glibc's algorithm")
    other = next(name for name, _ in expf_data.VARIANTS if name != chosen)
    assert llvm_expf.mismatches(chosen, distinct) == 0
    assert llvm_expf.mismatches(other, distinct) == 2


def test_cached_start_checks_without_lowering_or_numba(tmp_path):
    """A second process loads the probe loops' machine code: no lowering, no Numba."""
    env = dict(os.environ, VMVXJIT_CACHE_DIR=str(tmp_path))
    runs = [subprocess.run([sys.executable, "-c", _CHOOSE], env=env, capture_output=True, text=True,
                           check=True).stdout.split() for _ in range(2)]
    assert runs[0] == [llvm_expf.choose(), "False", "True"]
    assert runs[1] == [llvm_expf.choose(), "False", "False"]


def test_sse2_build_chosen_without_fma():
    """With AVX2 and FMA hidden from glibc, its ifunc takes the SSE2 build, and so does choose()."""
    if llvm_expf.choose() == expf_data.LIBM:
        pytest.skip("libm's expf is not glibc's algorithm")
    env = dict(os.environ, GLIBC_TUNABLES="glibc.cpu.hwcaps=-AVX2,-FMA")
    out = subprocess.run([sys.executable, "-c", _CHOOSE], env=env, capture_output=True, text=True,
                         check=True).stdout.split()[0]
    assert out == "inline_expf_sse2"


@pytest.mark.skipif(not have_iree(), reason="iree-run-module not on PATH")
@pytest.mark.parametrize("flags", [pytest.param(STATIC, id="static"),
                                   pytest.param(DYNAMIC_VMVX, id="dynamic_vmvx")])
def test_softmax_bits_are_irees(flags, tmp_path):
    """exp of 0 down to below -104 (zeros and subnormals: expf's special cases) in
    compiled code, first call and later ones, bit for bit as iree-run-module."""
    rng = np.random.default_rng(14)
    x = rng.uniform(-120.0, 10.0, (3, 1000)).astype(np.float32)
    x[1, :50] = np.linspace(-110.0, -80.0, 50, dtype=np.float32)
    path = compile_mlir(SOFTMAX, flags)
    expected = iree_result(path, "softmax", x, tmp_path)
    softmax = vmvxjit.load(path, tier="jit")["softmax"]
    for _ in range(3):
        assert np.asarray(softmax(x)).tobytes() == expected.tobytes()
