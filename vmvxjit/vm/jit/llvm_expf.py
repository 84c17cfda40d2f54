"""Which `expf` region code compiled by LLVM calls for vm.exp.f32: the inline
variant of expf.py, lowered from its text as regions lower it, that gives libm's
bits on every probe (expf_data.py), else libm's own call.

The check runs as machine code: the probe loops are lowered and compiled once
and then loaded from the LLVM engine's disk cache (keyed by the compiler's
sources), so a process whose regions come from the cache checks its libm in
about a millisecond, without lowering anything or importing Numba.
"""

from __future__ import annotations

import ctypes
import functools

from vmvxjit.native import llvm_engine
from vmvxjit.vm.jit import expf_data, llvm_backend

_PREFIX = "expf_probe"
_LOOP = """
def mismatches_{name}(inputs, n):
    count = 0
    for i in range(n):
        if bits_from_f32({name}(inputs[i])) != bits_from_f32(libm_f32_exp(inputs[i])):
            count += 1
    return count
"""
_SIGNATURE = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64)


def _lowered() -> str:
    """The probe loops' LLVM IR: one function per variant, its count of mismatches."""
    from vmvxjit.vm.jit.llvm_lower import ModuleLowering
    from vmvxjit.vm.jit.llvm_types import F32, I64, Array

    source = "".join(_LOOP.format(name=name) for name, _ in expf_data.VARIANTS)
    lowering = ModuleLowering(source, _PREFIX, {})
    for name, _ in expf_data.VARIANTS:
        lowering.function(f"mismatches_{name}", [Array(F32), I64], exported=True)
    return str(lowering.module)


def mismatches(name: str, inputs) -> int:
    """How many of float32 array `inputs` the LLVM-compiled variant `name` maps to
    other bits than libm's `expf`."""
    key = f"expf-probe-{llvm_backend.compiler_digest()}"
    if not llvm_engine.cached(key):
        llvm_engine.compile_ir(_lowered(), key, llvm_backend.BALANCED)
    loop = _SIGNATURE(llvm_engine.address(f"{_PREFIX}_mismatches_{name}"))
    return loop(inputs.ctypes.data, len(inputs))


@functools.cache
def choose() -> str:
    """The helper LLVM-compiled region code calls for vm.exp.f32 in this process."""
    inputs = expf_data.probes()
    return expf_data.first_match(lambda name, fused: mismatches(name, inputs))
