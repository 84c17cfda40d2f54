"""How `auto` gets compiled code: from the disk cache at first entry, ahead of time for
regions whose one entry costs more interpreted than compiled, at once for hot ones; big
components split into regions; compiles on worker threads; the progress line."""

import os
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest

import vmvxjit
from tests.support.modules import STATIC, compile_mlir
from tests.support.oracle import have_iree, iree_call
from tests.vm.jit.test_loops import MATMUL
from vmvxjit.vm.jit import background, cost, progress, regions
from vmvxjit.vm.jit.callees import native

# A minimal region function (codegen.generate's signature); {tag} makes each test's text new.
REGION_SOURCE = """
def region(entry, ri, rf, tags, addrs, lens, mut, err, counts):
    ri[0] = ri[0] + {tag} % 7
    return 0
"""


def _run(path, tier, env, *inputs):
    command = [sys.executable, "-m", "vmvxjit", "run", str(path), *(f"--input={i}" for i in inputs),
               f"--tier={tier}", "--trace"]
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env}, check=True)
    return result.stdout, result.stderr


def test_auto_loads_a_cached_region_at_first_entry(tmp_path):
    """A 6x5x4 matmul never gets hot; once `jit` has compiled it, `auto` uses the cached code."""
    path = compile_mlir(MATMUL.format(m=6, k=5, n=4), STATIC)
    env = {"VMVXJIT_CACHE_DIR": str(tmp_path)}
    inputs = ("6x5xf32=1", "5x4xf32=2")
    cold_out, cold = _run(path, "auto", env, *inputs)
    assert "0 regions compiled" in cold
    _run(path, "jit", env, *inputs)
    warm_out, warm = _run(path, "auto", env, *inputs)
    assert "1 regions compiled (1 loaded from the disk cache)" in warm
    assert warm_out == cold_out


def test_heavy_regions_compile_ahead_and_light_ones_do_not(tmp_path):
    """With the visit threshold out of reach, only the cost estimate can start a compile:
    a 96x96x96 matmul (constant trip counts) compiles; an 8x16x4 one stays interpreted."""
    env = {"VMVXJIT_CACHE_DIR": str(tmp_path), "VMVXJIT_JIT_THRESHOLD": str(10**12)}
    big = compile_mlir(MATMUL.format(m=96, k=96, n=96), STATIC)
    small = compile_mlir(MATMUL.format(m=8, k=16, n=4), STATIC)
    assert "1 regions compiled (0 loaded" in _run(big, "auto", env, "96x96xf32=1", "96x96xf32=2")[1]
    assert "0 regions compiled" in _run(small, "auto", env, "8x16xf32=1", "16x4xf32=2")[1]


@pytest.mark.skipif(not have_iree(), reason="iree-run-module not on PATH")
@pytest.mark.parametrize("quick_speedup, n, level", [(cost.QUICK_SPEEDUP, 96, 1), (1, 80, 3)])
def test_a_reordered_nest_whose_quick_code_would_run_long_compiles_at_o3_first(
        quick_speedup, n, level, tmp_path, monkeypatch):
    """A 96x96xn matmul's nest runs reordered; its quick code is estimated to take ~1 ms,
    less than an O3 compile adds, so it compiles quick; were quick code as slow as the
    estimate's fused Python (QUICK_SPEEDUP 1), its first compile would be O3, with the
    interpreter's and iree-run-module's bits either way. (Two sizes: a process keeps the
    code it compiled.)"""
    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cost, "QUICK_SPEEDUP", quick_speedup)
    path = compile_mlir(MATMUL.format(m=96, k=96, n=n), STATIC)
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((96, 96), dtype=np.float32), rng.standard_normal((96, n), dtype=np.float32)
    module = vmvxjit.load(path, host_functions=False)
    result = module.mm(a, b)
    assert [c["llvm_level"] for c in module.jit_stats()["compiled"]] == [level]
    assert result.tobytes() == vmvxjit.load(path, tier="interp").mm(a, b).tobytes()
    assert result.tobytes() == iree_call(path, "mm", (a, b), tmp_path).tobytes()


def test_o3_first_pays_where_quick_code_would_run_longer_than_the_o3_compile_adds():
    """VGG-19's biggest conv region (estimated 2,908 s interpreted, 23 kB of code: 1.3 s in
    quick code) compiles at O3 first; ResNet-50's biggest (211 s, 57 kB: 0.1 s) does not."""
    assert cost.optimized_first(2908.0, "x" * 22916)
    assert not cost.optimized_first(211.0, "x" * 56565)


def test_cost_estimate_uses_the_constant_trip_counts():
    """Work grows with m*k*n for a matmul whose loop bounds are constants."""
    estimates = []
    for size in (8, 16):
        path = compile_mlir(MATMUL.format(m=size, k=size, n=size), STATIC)
        module = vmvxjit.load(path, tier="interp")._program.module
        function = next(f for f in module.functions if f.name == "mm")
        found = regions.find_regions(function.instrs, native(module))
        shape = cost.FunctionShape(regions.split_blocks(function.instrs))
        estimates.append(sum(cost.interpreted_seconds(r, shape) for r in found))
    assert 6 < estimates[1] / estimates[0] < 10


def _block(pc, *successors):
    return regions.Block(pc, [], list(successors))


def test_big_components_split_between_top_level_loop_nests(monkeypatch):
    """Three loops of 3 blocks each (header, body, latch), 9 blocks, cut at most 4 a region:
    the cuts fall between the loops, never inside one."""
    monkeypatch.setattr(regions, "MAX_REGION_BLOCKS", 4)
    blocks = []
    for base in (0, 10, 20):
        blocks += [_block(base, base + 1, base + 10), _block(base + 1, base + 2), _block(base + 2, base)]
    chunks = regions._chunks(blocks)
    assert [[b.pc for b in c] for c in chunks] == [[0, 1, 2], [10, 11, 12], [20, 21, 22]]
    monkeypatch.setattr(regions, "MAX_REGION_BLOCKS", 2)
    assert [len(c) for c in regions._chunks(blocks)] == [3, 3, 3]   # a loop is never cut


def test_workers_run_lower_priorities_first_and_hand_back_errors():
    started = threading.Event()
    release = threading.Event()
    order = []
    blocker = background.submit(0, lambda: (started.set(), release.wait(10)))
    assert started.wait(10)
    later = background.submit(5, order.append, "later")
    sooner = background.submit(1, order.append, "sooner")
    failing = background.submit(2, lambda: 1 / 0)
    release.set()
    for future in (blocker, later, sooner):
        future.result(10)
    assert order == ["sooner", "later"]
    with pytest.raises(ZeroDivisionError):
        failing.result(10)


def test_progress_line_only_on_a_terminal(monkeypatch):
    written = []
    fake = SimpleNamespace(isatty=lambda: True, write=written.append, flush=lambda: None)
    monkeypatch.setattr(progress.sys, "stderr", fake)
    monkeypatch.setattr(progress.atexit, "register", lambda fn: None)
    line = progress.Progress()
    line.regions = 3
    line.finished(2.5)
    assert written[-1] == "\rjit: 1/3 regions compiled, 2.5 s compiling"
    fake.isatty = lambda: False
    line.finished(0.5)
    assert len(written) == 1


@pytest.mark.slow
def test_auto_result_is_the_interpreters_with_compiles_ahead(tmp_path, monkeypatch):
    """Compiles ahead run on a worker while the interpreter goes on; the result keeps its bits."""
    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(tmp_path))
    path = compile_mlir(MATMUL.format(m=96, k=96, n=96), STATIC)
    rng = np.random.default_rng(7)
    a, b = (rng.standard_normal((96, 96)).astype(np.float32) for _ in range(2))
    expected = vmvxjit.load(path, tier="interp").mm(a, b)
    assert vmvxjit.load(path, tier="auto").mm(a, b).tobytes() == expected.tobytes()


def test_trace_names_a_region_run_as_python_and_why(tmp_path):
    """A 16x16x16 matmul (a few ms as Python, far below a compile's cost) in `auto` with
    the visit threshold out of reach runs as Python: the trace says how long and why."""
    env = {"VMVXJIT_CACHE_DIR": str(tmp_path), "VMVXJIT_JIT_THRESHOLD": str(10**12)}
    path = compile_mlir(MATMUL.format(m=16, k=16, n=16), STATIC)
    _, trace = _run(path, "auto", env, "16x16xf32=1", "16x16xf32=2")
    assert "0 regions compiled" in trace
    line = next(x for x in trace.splitlines() if "as Python" in x and "region at" in x)
    assert "not hot:" in line and "visits" in line


def test_library_reports_jit_statistics(tmp_path, monkeypatch):
    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(tmp_path))
    path = compile_mlir(MATMUL.format(m=6, k=5, n=4), STATIC)
    module = vmvxjit.load(path, tier="jit")
    module.mm(np.ones((6, 5), np.float32), np.ones((5, 4), np.float32))
    stats = module.jit_stats()
    assert stats["regions_compiled"] == 1 and stats["loaded_from_disk_cache"] == 0
    (region,) = stats["compiled"]
    assert region["function"] == "mm" and region["run_entries"] >= 1 and region["llvm_level"] == 3
    assert stats["compile_seconds"] > 0 and stats["python_region_seconds"] == 0


def test_a_waiting_caller_runs_queued_jobs_itself():
    """While the one job it waits for is running elsewhere, `result` runs queued ones."""
    release = threading.Event()
    started = threading.Event()
    callers = []
    waited = background.submit(0, lambda: (started.set(), release.wait(10), "done")[-1])
    assert started.wait(10)
    blockers = [background.submit(0, release.wait, 10) for _ in range(background.worker_count() - 1)]
    queued = background.submit(1, lambda: callers.append(threading.current_thread().name))
    threading.Timer(0.5, release.set).start()
    assert background.result(waited) == "done"
    assert queued.result(10) is None and callers == [threading.main_thread().name]
    for future in blockers:
        future.result(10)


def test_a_waiting_caller_leaves_optimized_recompiles_to_the_workers():
    """A recompile at BACKGROUND_ONLY priority is not taken on by a thread waiting for
    the compile it needs: that thread returns as soon as its own job is done."""
    release = threading.Event()
    started = threading.Event()
    waited = background.submit(0, lambda: (started.set(), release.wait(10), "done")[-1])
    assert started.wait(10)
    blockers = [background.submit(0, release.wait, 10) for _ in range(background.worker_count() - 1)]
    callers = []
    recompile = background.submit(background.BACKGROUND_ONLY,
                                  lambda: callers.append(threading.current_thread().name))
    threading.Timer(0.5, release.set).start()
    assert background.result(waited) == "done"
    assert recompile.result(10) is None and callers != [threading.main_thread().name]
    for future in blockers:
        future.result(10)


def test_a_recompile_reuses_the_lowered_ir_from_disk(tmp_path, monkeypatch):
    """The O3 recompile of a region (here or in a later process) lowers nothing: the IR
    text the first compile lowered is read back from the disk cache."""
    from vmvxjit.vm.jit import llvm_backend, llvm_lower

    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(tmp_path))
    source = REGION_SOURCE.format(tag=time.time_ns())
    llvm_backend.compile_region(source, "region", 8, llvm_backend.QUICK)
    monkeypatch.setattr(llvm_lower, "ModuleLowering", None)     # any lowering would fail now
    fn, from_disk = llvm_backend.compile_region(source, "region", 8, llvm_backend.OPTIMIZED)
    assert not from_disk and fn.address


def test_a_region_that_ran_long_is_marked_for_its_optimized_compile(tmp_path, monkeypatch):
    from vmvxjit.vm.jit import llvm_backend

    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(tmp_path))
    source = REGION_SOURCE.format(tag=time.time_ns())
    assert not llvm_backend.optimized_wanted(source)
    llvm_backend.want_optimized(source)
    assert llvm_backend.optimized_wanted(source)


def test_a_second_call_starts_the_optimized_compile_of_a_region_that_ran_a_while(tmp_path, monkeypatch):
    """Quick code has no loop vectorizer: a function called again is a warm workload, so its
    regions that ran a millisecond recompile at O3 when a second call enters them, not only
    after TIER_UP_S in all. (This region compiles at its function's second call.)"""
    from vmvxjit.vm.jit import tiering

    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(tiering, "TIER_UP_S", 1e9)
    monkeypatch.setattr(tiering, "TIER_UP_AGAIN_S", 0.0)
    path = compile_mlir(MATMUL.format(m=24, k=24, n=24), STATIC)
    a, b = np.ones((24, 24), np.float32), np.full((24, 24), 0.5, np.float32)
    module = vmvxjit.load(path, host_functions=False)
    expected = [module.mm(a, b) for _ in range(2)][0]
    policy, = module._program.context.jit_stats.regions
    assert policy.compiled.run_time[2] == 1 and policy.compiled.upgrade is None  # one call in quick code
    module.mm(a, b)                                  # a second call enters it: the recompile starts
    background.result(policy.compiled.upgrade)
    np.testing.assert_array_equal(module.mm(a, b), expected)     # and the next call runs it
    assert [c["llvm_level"] for c in module.jit_stats()["compiled"]] == [3]
