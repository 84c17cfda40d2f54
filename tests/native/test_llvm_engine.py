"""llvm_engine: each compile level gives the same results; objects land in the disk cache."""

import ctypes
import hashlib

import pytest

from vmvxjit.native import llvm_engine
from vmvxjit.vm.jit.llvm_lower import ModuleLowering
from vmvxjit.vm.jit.llvm_types import I64

SOURCE = '''
def dot(n):
    total = np.float32(0)
    for i in range(n):
        total = total + np.float32(i) * np.float32(0.5) + np.float32(total > np.float32(100))
    return np.int64(total * np.float32(8))
'''


def _python(n):
    import numpy as np

    total = np.float32(0)
    for i in range(n):
        total = total + np.float32(i) * np.float32(0.5) + np.float32(total > np.float32(100))
    return int(np.int64(total * np.float32(8)))


@pytest.mark.parametrize("level", sorted(llvm_engine.LEVELS))
def test_every_level_computes_the_same_bits(level, tmp_path, monkeypatch):
    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(tmp_path))
    lowering = ModuleLowering(SOURCE, f"leveltest{level}", {})
    fn, _ = lowering.function("dot", [I64], exported=True)
    text = str(lowering.module)
    key = f"leveltest{level}-" + hashlib.sha256(text.encode()).hexdigest()[:24]
    llvm_engine.compile_ir(text, key, level)
    assert (llvm_engine.cache_dir() / f"{key}.o").exists()
    assert llvm_engine.cached(key) == "process"
    dot = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64)(llvm_engine.address(fn.name))
    assert [dot(n) for n in (0, 1, 7, 100, 1000)] == [_python(n) for n in (0, 1, 7, 100, 1000)]
