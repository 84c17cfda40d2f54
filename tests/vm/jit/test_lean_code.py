"""Lean region code (codegen.generate_lean): a versioned innermost loop whose entry checks
fail leaves the lean code instead of running compiled literal code, and the region's full
code, compiled then, goes on from there on the same frame (tiering.CompiledRegion.run_code)."""

from pathlib import Path

import pytest

import vmvxjit
from tests.support.modules import compile_mlir
from tests.support.oracle import run_iree
from vmvxjit.vm.bytecode_module import BytecodeModule
from vmvxjit.vm.jit import codegen
from vmvxjit.vm.jit.callees import native
from vmvxjit.vm.jit.regions import find_regions

ALIAS = Path(__file__).parent / "programs" / "alias.mlir"
TWO_REGIONS = Path(__file__).parent / "programs" / "two_regions.mlir"


def _accumulate_region():
    module = BytecodeModule.load(str(compile_mlir(ALIAS.read_text(), ["--compile-mode=vm"])))
    function = module.functions[0]                  # @accumulate (private: unnamed)
    region, = find_regions(function.instrs, native(module))
    return region


def test_lean_code_leaves_at_the_loop_header_instead_of_running_its_literal_body():
    region = _accumulate_region()
    lean, full = codegen.generate_lean(region, "region")
    assert full.deopts == [] and len(lean.deopts) == 1
    header = lean.exits[lean.deopts[0]]
    assert header in lean.entry_ids             # the interpreter runs on from the loop's header
    assert len(lean.source) < len(full.source)
    assert "err[0] = 1" in full.source and "err[0] = 1" not in lean.source   # no per-access checks
    assert lean.entry_ids == full.entry_ids and lean.variants == full.variants
    assert codegen.generate(region, "region").deopts == []


@pytest.mark.parametrize("tier", ["jit", "auto"])
def test_failed_checks_go_on_in_the_full_code(tier, tmp_path, monkeypatch):
    """src = dst with dst[at] among src[0..n-1]: the lean code's checks fail on every entry,
    and every call still matches IREE; the full code compiles once."""
    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr("vmvxjit.vm.jit.tiering.AUTO_THRESHOLD", 1)     # auto: compiled at once
    monkeypatch.setattr("vmvxjit.vm.jit.tiering.MIN_VISITS_PER_FRAME", 1)
    path = compile_mlir(ALIAS.read_text(), ["--compile-mode=vm"])
    module = vmvxjit.load(path, tier=tier)
    expected = float(run_iree(path, "run", ("16", "3", "1"))[1].split("=")[-1])
    results = [float(module.run(16, 3, 1)) for _ in range(3)]
    assert results == [expected] * 3
    stats = module.jit_stats()
    assert stats["full_code_compiles"] == 1 and stats["compiled"][0]["run_entries"] == 3
    assert stats["python_region_seconds"] == 0


def test_a_fault_in_a_versioned_loop_is_the_interpreters_error(tmp_path, monkeypatch):
    """An out-of-bounds element: the lean code leaves, and the interpreter raises the exact
    error IREE gives (function and offset)."""
    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(tmp_path))
    path = compile_mlir(ALIAS.read_text(), ["--compile-mode=vm"])
    with pytest.raises(vmvxjit.Error) as jitted:
        vmvxjit.load(path, tier="jit").run(16, 40, 0)
    with pytest.raises(vmvxjit.Error) as interpreted:
        vmvxjit.load(path, tier="interp").run(16, 40, 0)
    assert str(jitted.value) == str(interpreted.value)
    assert "out of bounds" in str(jitted.value).lower() or "OUT_OF_RANGE" in str(jitted.value)


@pytest.mark.parametrize("tier", ["jit", "auto"])
def test_lean_code_leaving_one_region_goes_on_in_that_regions_full_code(tier, tmp_path, monkeypatch):
    """Two regions in one function (an allocation between their loops): the first one's
    checks fail (its loop reads the element it updates), the second's hold. Only the first
    region's full code is compiled, and the results are IREE's."""
    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(tmp_path))
    path = compile_mlir(TWO_REGIONS.read_text(), ["--compile-mode=vm"])
    module = vmvxjit.load(path, tier=tier)
    expected = float(run_iree(path, "run", ("12", "3"))[1].split("=")[-1])
    assert [float(module.run(12, 3)) for _ in range(3)] == [expected] * 3
    stats = module.jit_stats()
    assert stats["full_code_compiles"] == 1 and len(stats["compiled"]) == 2
