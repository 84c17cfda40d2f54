"""The head of generated modules: helpers.py's names imported one by one."""

from vmvxjit.vm.jit import codegen, helpers


def test_generated_code_imports_what_helpers_offers_by_name():
    """HELPER_NAMES is read from helpers.py's source: each exists there, and nothing the
    module itself imports (numpy, Numba, its libm tables) reaches generated code."""
    assert all(hasattr(helpers, name) for name in codegen.HELPER_NAMES)
    offered = {name for name in vars(helpers) if name.startswith(("libm_", "round_even_", "fpowi_"))}
    assert offered <= set(codegen.HELPER_NAMES)
    assert {"np", "njit", "LIBM_F32", "bits_from_f32", "annotations"}.isdisjoint(codegen.HELPER_NAMES)
    assert "import *" not in codegen.MODULE_HEADER
