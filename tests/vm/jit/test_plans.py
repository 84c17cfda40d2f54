"""plans: a function's regions and their code are made once, then read back by later loads; tiles
only in a region's optimized code."""

from pathlib import Path

import numpy as np

import vmvxjit
from tests.support.modules import DYNAMIC_LLVM, STATIC, compile_mlir
from tests.support.oracle import run_iree
from tests.vm.jit.test_loops import MATMUL
from vmvxjit.vm.jit import codegen, switches

NEST_PROGRAM = Path(__file__).parent / "programs" / "nest.mlir"
INPUTS = (np.arange(30, dtype=np.float32).reshape(6, 5), np.ones((5, 4), np.float32))


def _generated(monkeypatch) -> list:
    """Counts codegen.generate_lean calls (a plan made, not read)."""
    calls = []
    real = codegen.generate_lean

    def counting(region, name, **options):
        calls.append(region)
        return real(region, name, **options)
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


def test_tiles_are_left_to_the_optimized_compile(tmp_path, monkeypatch):
    """A nest that runs in register tiles (block_code.py) has them in its region's OPTIMIZED
    code only: the quick compile has no loop vectorizer to use them. Both codes run on one
    frame layout, so a region recompiled at O3 goes on between two entries, with IREE's
    results from either code."""
    from vmvxjit.vm.jit import background, tiering

    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(tiering, "AUTO_THRESHOLD", 1)          # compiled (quick) at first entry
    monkeypatch.setattr(tiering, "MIN_VISITS_PER_FRAME", 1)
    monkeypatch.setattr(tiering, "TIER_UP_S", 1e9)
    monkeypatch.setattr(tiering, "TIER_UP_AGAIN_S", 0.0)       # recompiled when a second call enters
    path = compile_mlir((NEST_PROGRAM).read_text(), ["--compile-mode=vm"])
    args = (0, 9, 0, 37, 3, 0, 0, 40, 40, 0)                    # rows of 37 known at run time
    expected = run_iree(path, "run_tiles", [str(a) for a in args])[1].split("=")[-1].strip()
    module = vmvxjit.load(path, tier="auto", host_functions=False)
    assert str(module.run_tiles(*args)) == expected
    policy = next(p for p in module._program.context.jit_stats.regions if p.optimized)
    assert codegen.same_frame(policy.code, policy.optimized[0])
    assert any("in tiles only in the optimized compile" in n for n in policy.code.notes)
    assert len(policy.optimized[0].module_source) > len(policy.code.module_source)
    assert policy.compiled.run_time[2] == 1                     # quick code ran
    assert str(module.run_tiles(*args)) == expected             # starts the O3 recompile
    background.result(policy.compiled.upgrade)
    assert str(module.run_tiles(*args)) == expected             # the tiled code
    assert policy.compiled.run_time[2] == 3
