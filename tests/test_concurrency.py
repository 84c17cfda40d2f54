"""Several Python threads calling one loaded module at once: every result is the serial one.

Each configuration's module is loaded fresh and called from 8 threads × 20 calls with
different inputs from the first call on, so functions are prepared, regions compiled and
entered, VMVX entry functions compiled and native dispatches split into parts while other
calls run; every result must equal, bit for bit, what a separate module computed serially.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import vmvxjit
from tests.support.modules import DYNAMIC_LLVM, DYNAMIC_VMVX, STATIC, compile_mlir
from vmvxjit.native import native_workers
from vmvxjit.native import workers as worker_threads
from vmvxjit.vm.jit import native_chunks, switches, tiering

THREADS, CALLS = 8, 20
INTERPRETED_CALLS = 4       # the interpreter alone: a call costs ~20 ms
# A matmul and an elementwise tail: loop nests, reductions, several dispatches.
PROGRAM = """
func.func @f(%a: tensor<8x8xf32>, %b: tensor<8x128xf32>, %c: tensor<8x128xf32>) -> tensor<8x128xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x128xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<8x128xf32>) -> tensor<8x128xf32>
  %m = linalg.matmul ins(%a, %b : tensor<8x8xf32>, tensor<8x128xf32>)
                     outs(%z : tensor<8x128xf32>) -> tensor<8x128xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>,
                                        affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m, %c : tensor<8x128xf32>, tensor<8x128xf32>) outs(%e : tensor<8x128xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %t = arith.maximumf %s, %zero : f32
    linalg.yield %t : f32
  } -> tensor<8x128xf32>
  return %r : tensor<8x128xf32>
}
"""
# (flags, tier, whether dispatches or loops must have run in parts inside the calls)
CASES = [pytest.param(STATIC, tier, tier == "jit", id=f"static-{tier}") for tier in ("interp", "auto", "jit")] + [
    pytest.param(DYNAMIC_LLVM, "auto", True, id="dynamic_llvm"),
    pytest.param(DYNAMIC_VMVX, "auto", True, id="dynamic_vmvx-auto"),     # interpreted entries
    pytest.param(DYNAMIC_VMVX, "jit", True, id="dynamic_vmvx-jit"),    # compiled entry functions
]


def _inputs(thread: int, call: int) -> tuple:
    rng = np.random.default_rng(1000 * thread + call)
    return (rng.standard_normal((8, 8), dtype=np.float32),
            rng.standard_normal((8, 128), dtype=np.float32),
            rng.standard_normal((8, 128), dtype=np.float32))


@pytest.fixture
def eager(monkeypatch):
    """Regions compile after a few visits and every dispatch and loop of inline-static code
    may split, so these happen while other threads' calls run."""
    monkeypatch.setattr(tiering, "AUTO_THRESHOLD", 50)
    monkeypatch.setattr(tiering, "MIN_VISITS_PER_FRAME", 1)
    monkeypatch.setattr(worker_threads, "PARALLEL_ABOVE_S", 0.0)
    monkeypatch.setattr(native_workers, "PARALLEL_ABOVE_S", 0.0)
    monkeypatch.setattr(native_chunks, "PARALLEL_ABOVE_S", 0.0)
    monkeypatch.setattr(switches, "PARALLEL_MIN_WORK", 0)


@pytest.mark.parametrize("flags, tier, in_parts", CASES)
def test_threads_calling_one_module_get_the_serial_results(flags, tier, in_parts, eager):
    path = compile_mlir(PROGRAM, flags)
    calls = INTERPRETED_CALLS if tier == "interp" else CALLS
    serial = vmvxjit.load(path, tier=tier, threads=1)
    expected = [[serial.f(*_inputs(t, i)).tobytes() for i in range(calls)] for t in range(THREADS)]
    module = vmvxjit.load(path, tier=tier, threads=2)
    got = [[None] * calls for _ in range(THREADS)]
    errors = []
    start = threading.Barrier(THREADS, timeout=60)

    def run(t: int) -> None:
        try:
            start.wait()
            for i in range(calls):
                got[t][i] = module.f(*_inputs(t, i)).tobytes()
        except BaseException as error:  # reported below, with the thread
            errors.append((t, error))
    workers = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert not errors, errors
    assert got == expected
    stats = module.jit_stats()
    assert stats["parallel_dispatches"] or stats["parallel_loops"] or not in_parts


def test_entries_of_one_compiled_region_at_once_keep_their_own_frames(monkeypatch):
    """Two calls hold the same compiled region's entry at once (each waits inside for the
    other, its registers and buffers filled in): each computes with its own."""
    path = compile_mlir(PROGRAM, STATIC)
    inputs = [_inputs(t, 0) for t in range(2)]
    serial = vmvxjit.load(path, tier="jit")
    expected = [serial.f(*args).tobytes() for args in inputs]
    inside, waited = threading.Barrier(2, timeout=60), set()
    run = tiering._Frame.run

    def both_inside(frame, fn, entry_id):
        if threading.get_ident() not in waited:    # each call's first entry
            waited.add(threading.get_ident())
            inside.wait()
        return run(frame, fn, entry_id)
    monkeypatch.setattr(tiering._Frame, "run", both_inside)
    module = vmvxjit.load(path, tier="jit")
    with ThreadPoolExecutor(2) as pool:
        got = list(pool.map(lambda args: module.f(*args).tobytes(), inputs))
    assert got == expected
