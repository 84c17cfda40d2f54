"""Every helper generated code may call has one LLVM form: a primitive of
llvm_builtins.py, or helpers.py's own definition lowered by llvm_lower.py."""

import ctypes
import hashlib
import math

import numpy as np
import pytest

from vmvxjit.native import llvm_engine
from vmvxjit.native.libm import LIBM
from vmvxjit.vm.jit import expf, expf_data, helper_library, helpers
from vmvxjit.vm.jit.llvm_builtins import BUILTINS, CONSTANTS
from vmvxjit.vm.jit.llvm_lower import ModuleLowering
from vmvxjit.vm.jit.llvm_types import F32, F64, I64, Array


def test_every_helper_name_has_an_llvm_form():
    lowerable = set(BUILTINS) | set(helper_library.definitions()) | set(CONSTANTS)
    assert set(helper_library.names()) <= lowerable


def test_algorithms_are_lowered_from_helpers_text_not_rewritten_as_primitives():
    algorithms = {"round_even_f32", "round_even_f64", "fpowi_f32", "fpowi_f64", "x86_f2u64",
                  "cast_f32_ui64", "cast_f32_i32", "cast_f64_i32", "inline_expf_fma", "inline_expf_sse2"}
    assert algorithms <= set(helper_library.definitions())
    assert algorithms.isdisjoint(BUILTINS)


_CASES = [
    ("round_even_f64", [F64], ctypes.c_double, [(v,) for v in (0.5, 1.5, 2.5, -0.5, -2.5, 3.7, 1e300, math.inf)]),
    ("fpowi_f64", [F64, I64], ctypes.c_double, [(2.0, 10), (2.0, -3), (-1.5, 7), (3.0, 0), (2.0, -(2**31))]),
    ("x86_f2u64", [F64], ctypes.c_int64, [(v,) for v in (0.0, 1.5, 9.3e18, 1.9e19, -1.0, math.nan, 2.0**64)]),
]


@pytest.mark.parametrize("name,types,result,arguments", _CASES, ids=[c[0] for c in _CASES])
def test_lowered_helper_computes_what_numba_computes(name, types, result, arguments):
    lowering = ModuleLowering("", f"hl_{name}", {})
    fn, _ = lowering.function(name, types, exported=True)
    text = str(lowering.module)
    llvm_engine.compile_ir(text, "helper-library-" + hashlib.sha256(text.encode()).hexdigest()[:24])
    ctype = {I64: ctypes.c_int64, F64: ctypes.c_double}
    native = ctypes.CFUNCTYPE(result, *(ctype[t] for t in types))(llvm_engine.address(fn.name))
    for args in arguments:
        expected = getattr(helpers, name)(*args)
        got = native(*args)
        assert got == expected or (got != got and expected != expected), (name, args, got, expected)


_APPLY = """
def apply(inputs, outputs, n):
    for i in range(n):
        outputs[i] = {name}(inputs[i])
    return n
"""


def _libm_expf(inputs: np.ndarray) -> np.ndarray:
    function = ctypes.CFUNCTYPE(ctypes.c_float, ctypes.c_float)(ctypes.cast(LIBM.expf, ctypes.c_void_p).value)
    return np.array([function(float(x)) for x in inputs], dtype=np.float32)


@pytest.mark.parametrize("level", sorted(llvm_engine.LEVELS))
@pytest.mark.parametrize("name,fused", expf_data.VARIANTS, ids=[v[0] for v in expf_data.VARIANTS])
def test_lowered_expf_in_a_loop_gives_numbas_bits_and_libms(name, fused, level):
    """expf.py's text lowered by llvm_lower.py, called in a loop at each compile level
    (inlined and vectorized from level 2 on): Numba's bits on every probe for both variants
    (llvm.fma is exact without an FMA unit too), libm's for the variant this process's libm is."""
    lowering = ModuleLowering(_APPLY.format(name=name), f"expf_apply_{name}_{level}", {})
    fn, _ = lowering.function("apply", [Array(F32), Array(F32), I64], exported=True)
    text = str(lowering.module)
    key = f"helper-library-{level}-" + hashlib.sha256(text.encode()).hexdigest()[:24]
    llvm_engine.compile_ir(text, key, level)
    apply = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64)(
        llvm_engine.address(fn.name))
    inputs = expf_data.probes()
    outputs = np.empty_like(inputs)
    apply(inputs.ctypes.data, outputs.ctypes.data, len(inputs))
    numba = np.array([expf._expf(x, fused) for x in inputs], dtype=np.float32)
    assert np.array_equal(outputs.view(np.uint32), numba.view(np.uint32))
    if expf.choose() == name:
        assert np.array_equal(outputs.view(np.uint32), _libm_expf(inputs).view(np.uint32))
