"""Which back-edges compiled code leaves without a deadline check: those of counted loops."""

import pytest

from tests.support.modules import STATIC, compile_mlir
from tests.support.oracle import have_iree
from tests.test_api import MATMUL
from tests.vm.test_deadline import PROGRAM, VM_FLAGS
from vmvxjit.vm.bytecode_module import BytecodeModule
from vmvxjit.vm.jit import callees, codegen
from vmvxjit.vm.jit.counted import counted_back_edges
from vmvxjit.vm.jit.regions import find_regions

pytestmark = pytest.mark.skipif(not have_iree(), reason="needs iree-compile")


def _regions(path, name: str | None = None) -> list:
    module = BytecodeModule.load(str(path))
    found = callees.analyze(module)
    functions = [module.functions[module.exports[name]]] if name else module.functions
    return [r for f in functions for r in find_regions(f.instrs, found)]


def _back_edges(region) -> set:
    return {(b.pc, t) for b in region.blocks for t in b.successors if t <= b.pc and t in region.pcs}


def test_a_counted_loop_needs_no_check_and_an_endless_one_gets_one():
    path = compile_mlir(PROGRAM.read_text(), VM_FLAGS)
    (counted,) = _regions(path, "counted")
    assert counted_back_edges(counted.blocks, counted.consts) == _back_edges(counted)
    assert "fuel" not in codegen.generate(counted, "region").source
    (spin,) = _regions(path, "spin")
    assert counted_back_edges(spin.blocks, spin.consts) == set()
    source = codegen.generate(spin, "region").source
    assert "fuel = err[" in source and "if monotonic_ns() > err[" in source


def test_every_loop_iree_emits_for_a_matmul_is_counted():
    """IREE's loops (`i += constant < bound`, counters reset on exit edges) carry no check:
    compiled code with no deadline check is the same code as before the deadline existed."""
    regions = _regions(compile_mlir(MATMUL, STATIC))
    assert regions
    for region in regions:
        assert counted_back_edges(region.blocks, region.consts) == _back_edges(region)
