"""plans: a function's regions and their code are made once, then read back by later loads."""

import numpy as np

import vmvxjit
from tests.support.modules import DYNAMIC_LLVM, STATIC, compile_mlir
from tests.vm.jit.test_loops import MATMUL
from vmvxjit.vm.jit import codegen, switches

INPUTS = (np.arange(30, dtype=np.float32).reshape(6, 5), np.ones((5, 4), np.float32))


def _generated(monkeypatch) -> list:
    """Counts codegen.generate_lean calls (a plan made, not read)."""
    calls = []
    real = codegen.generate_lean

    def counting(region, name):
        calls.append(region)
        return real(region, name)
    monkeypatch.setattr(codegen, "generate_lean", counting)
    return calls


def test_a_second_load_reads_the_plan_and_computes_the_same(tmp_path, monkeypatch):
    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(tmp_path))
    path = compile_mlir(MATMUL.format(m=6, k=5, n=4), STATIC)
    generated = _generated(monkeypatch)
    first = vmvxjit.load(path, tier="jit").mm(*INPUTS)
    assert generated and list((tmp_path / "plans").glob("*.pkl"))
    made = len(generated)
    second = vmvxjit.load(path, tier="jit").mm(*INPUTS)
    assert len(generated) == made
    np.testing.assert_array_equal(second, first)
    np.testing.assert_array_equal(first, INPUTS[0] @ INPUTS[1])


def test_a_plan_is_made_again_for_other_switches_or_a_damaged_file(tmp_path, monkeypatch):
    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(tmp_path))
    path = compile_mlir(MATMUL.format(m=6, k=5, n=4), STATIC)
    generated = _generated(monkeypatch)
    vmvxjit.load(path, tier="jit").mm(*INPUTS)
    made = len(generated)
    monkeypatch.setattr(switches, "DISABLED", frozenset({"interchange"}))
    vmvxjit.load(path, tier="jit").mm(*INPUTS)
    assert len(generated) == 2 * made
    for file in (tmp_path / "plans").glob("*.pkl"):
        file.write_bytes(b"not a pickle")
    np.testing.assert_array_equal(vmvxjit.load(path, tier="jit").mm(*INPUTS), INPUTS[0] @ INPUTS[1])
    assert len(generated) == 3 * made


def test_a_function_without_loops_gets_no_plan_file(tmp_path, monkeypatch):
    """Nothing there to generate; reading a file would cost more than finding no regions."""
    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(tmp_path))
    path = compile_mlir(MATMUL.format(m=6, k=5, n=4), DYNAMIC_LLVM)
    np.testing.assert_array_equal(vmvxjit.load(path).mm(*INPUTS), INPUTS[0] @ INPUTS[1])
    assert not (tmp_path / "plans").exists()
