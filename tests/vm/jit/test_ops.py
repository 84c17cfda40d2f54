"""Every pure op's JIT translation computes what the interpreter computes, bit for bit,
whichever compiler builds it: Numba or llvm_lower.py."""

import ctypes
import hashlib
import math
import struct

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from vmvxjit.vm import isa
from vmvxjit.native import llvm_engine
from vmvxjit.vm.jit.cache import load_source
from vmvxjit.vm.jit.codegen import MODULE_HEADER
from vmvxjit.vm.jit.llvm_lower import ModuleLowering
from vmvxjit.vm.jit.llvm_types import F32, F64, I64
from vmvxjit.vm.jit.ops import FAULTS, TEMPLATES, template
from vmvxjit.vm.semantics import PURE_OPS, f32

_NUMBA_TYPES = {"i32": "int64", "i64": "int64", "f32": "float32", "f64": "float64"}
_EDGE = {
    "i32": [0, 1, -1, 2, 31, 32, 33, -2**31, 2**31 - 1, 12345, -7, 0x80, 0xFF, 0x8000],
    "i64": [0, 1, -1, 63, 64, -2**63, 2**63 - 1, 2**32, -2**32 + 5, 99],
    "f32": [f32(v) for v in (0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 0.5, -0.5, 1e20, -3.75, math.inf,
                             -math.inf, math.nan, 3e9, 0.1, 16.0, 3.4028234663852886e38, 1e-45)],
    "f64": [0.0, -0.0, 1.0, -1.5, 2.5, 1e300, -1e-300, math.inf, -math.inf, math.nan, 0.1,
            9.3e18, -9.3e18, 2.0**63, 1.5e19],
}


def _signature(mnemonic):
    info = isa.BY_MNEMONIC[mnemonic]
    reads = [f.bank for f in info.fields if f.kind.startswith("R.")]
    (write,) = [f.bank for f in info.fields if f.kind.startswith("W.")]
    return reads, write


def _source():
    lines = [MODULE_HEADER]   # what region code imports: every template's names must be there
    for index, mnemonic in enumerate(sorted(TEMPLATES)):
        reads, _ = _signature(mnemonic)
        params = ", ".join(f"a{i}" for i in range(len(reads)))
        expr = template(mnemonic).format(*[f"a{i}" for i in range(len(reads))])
        lines += ["@njit(cache=True, error_model='numpy')", f"def op{index}({params}):",
                  f"    return {expr}", ""]
    return "\n".join(lines)


_LLVM_TYPES = {"i32": I64, "i64": I64, "f32": F32, "f64": F64}
_CTYPES = {I64: ctypes.c_int64, F32: ctypes.c_float, F64: ctypes.c_double}


def _numba_ops() -> dict:
    module = load_source(_source(), "optest")
    return {m: getattr(module, f"op{i}") for i, m in enumerate(sorted(TEMPLATES))}


def _llvm_ops() -> dict:
    """Each op's function lowered by llvm_lower.py, called through ctypes."""
    lowering = ModuleLowering(_source(), "optest", {})
    signatures = {}
    for index, mnemonic in enumerate(sorted(TEMPLATES)):
        reads, _ = _signature(mnemonic)
        types = [_LLVM_TYPES[b] for b in reads]
        fn, result = lowering.function(f"op{index}", types, exported=True)
        signatures[mnemonic] = (fn.name, ctypes.CFUNCTYPE(_CTYPES[result], *(_CTYPES[t] for t in types)))
    text = str(lowering.module)
    llvm_engine.compile_ir(text, "optest-" + hashlib.sha256(text.encode()).hexdigest()[:24])
    return {m: kind(llvm_engine.address(name)) for m, (name, kind) in signatures.items()}


@pytest.fixture(scope="module", params=["numba", "llvm"])
def compiled(request):
    return _numba_ops() if request.param == "numba" else _llvm_ops()


def _bits(value, bank):
    if bank in ("f32", "f64"):
        fmt = "<f" if bank == "f32" else "<d"
        return struct.pack(fmt, value)
    return int(value)


def _check(compiled, mnemonic, args):
    reads, write = _signature(mnemonic)
    fault = FAULTS.get(mnemonic)
    if fault and eval(fault.format(*map(repr, args)), {"INT64_MIN": -2**63}):
        return
    expected = PURE_OPS[mnemonic](*args)
    typed = [getattr(np, _NUMBA_TYPES[b])(a) for a, b in zip(args, reads)]
    actual = compiled[mnemonic](*typed)
    assert _bits(actual, write) == _bits(expected, write), (mnemonic, args, actual, expected)


@pytest.mark.parametrize("mnemonic", sorted(TEMPLATES))
def test_edge_values(compiled, mnemonic):
    reads, _ = _signature(mnemonic)
    pools = [_EDGE[b] for b in reads]
    for i in range(max(len(p) for p in pools) ** min(len(reads), 2)):
        args = [pool[(i // (len(pools[0]) ** k)) % len(pool)] for k, pool in enumerate(pools)]
        _check(compiled, mnemonic, args)


_VALUES = {
    "i32": st.integers(-2**31, 2**31 - 1),
    "i64": st.integers(-2**63, 2**63 - 1),
    "f32": st.floats(width=32, allow_nan=True),
    "f64": st.floats(allow_nan=True),
}


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_random_values(compiled, data):
    mnemonic = data.draw(st.sampled_from(sorted(TEMPLATES)))
    reads, _ = _signature(mnemonic)
    args = [data.draw(_VALUES[b]) for b in reads]
    _check(compiled, mnemonic, args)
