"""Chunks of a parallel loop on the native workers (vm/jit/native_chunks.py); the loops
themselves, both ways, are tests/vm/jit/test_parallel_loops.py's."""

import ctypes
from types import SimpleNamespace

import numpy as np

import vmvxjit
from tests.support.modules import STATIC, compile_mlir
from tests.vm.jit.test_parallel_loops import MATMUL
from vmvxjit.native import native_workers, workers
from vmvxjit.vm.jit import native_chunks


def test_only_llvm_region_code_is_taken():
    assert not native_chunks.available(lambda *args: 0)           # Numba's dispatcher: no address
    assert native_chunks.available(SimpleNamespace(address=1)) == native_workers.supported()


def test_a_busy_pool_runs_nothing_and_the_python_workers_take_the_chunks(monkeypatch):
    """While another loop or dispatch has the workers, `run` returns None without calling
    anything, and the loop's chunks go to the Python workers: same bits."""
    monkeypatch.setattr(workers, "PARALLEL_ABOVE_S", 0.0)
    monkeypatch.setattr(native_chunks, "PARALLEL_ABOVE_S", 0.0)
    frames = [SimpleNamespace(table=(ctypes.c_int64 * native_chunks.FRAME_ARRAYS)()) for _ in range(2)]
    pool = native_workers.pool()
    busy = ctypes.c_int32.from_address(pool.memory)
    busy.value = 1
    try:
        assert native_chunks.run(SimpleNamespace(address=0), frames, 0) is None
        path = compile_mlir(MATMUL, STATIC)
        a = np.arange(64 * 48, dtype=np.float32).reshape(64, 48)
        b = np.ones((48, 80), np.float32)
        module = vmvxjit.load(path, tier="jit", threads=2, host_functions=False)
        assert module.matmul(a, b).tobytes() == vmvxjit.load(path, tier="interp").matmul(a, b).tobytes()
        runs = module.jit_stats()["parallel_loops"].values()
        assert runs and all(run["native_runs"] == 0 for run in runs)
    finally:
        busy.value = 0
