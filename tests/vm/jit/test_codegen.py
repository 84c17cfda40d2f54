"""The head of generated modules: helpers.py's names imported one by one."""

import re

from vmvxjit.vm.jit import codegen, helpers


def test_generated_code_imports_what_helpers_offers_by_name():
    """HELPER_NAMES is read from helpers.py's source: each exists there, and nothing the
    module itself imports (numpy, Numba, its libm tables) reaches generated code."""
    assert all(hasattr(helpers, name) for name in codegen.HELPER_NAMES)
    offered = {name for name in vars(helpers) if name.startswith(("libm_", "round_even_", "fpowi_"))}
    assert offered <= set(codegen.HELPER_NAMES)
    assert {"np", "njit", "LIBM_F32", "bits_from_f32", "annotations"}.isdisjoint(codegen.HELPER_NAMES)
    assert "import *" not in codegen.MODULE_HEADER


def test_each_exit_hands_back_the_written_registers_live_where_it_goes_on():
    """A region's code stores, just before each exit, the registers it wrote that are
    live at the exit's target (so LLVM carries a register only to the exits that need it);
    nothing is stored after the block loop."""
    from tests.vm.jit.test_lean_code import _accumulate_region

    region = _accumulate_region()
    for code in filter(None, codegen.generate_lean(region, "region")):
        slots = {i: slot for i, (slot, _) in enumerate(code.int_vars)}
        exits = re.findall(r"^\s*(.*?)\bex = (\d+)$", code.source, re.M)
        assert exits
        for stores, k in exits:
            stored = {slots[int(i)] for i in re.findall(r"ri\[(\d+)\] = ", stores)}
            target = code.exits[int(k)]
            assert stored == set(code.written) & region.live[target]
        assert not re.search(r"^    ri\[\d+\] = ", code.source, re.M)
