"""Loops whose iterations run in parallel chunks (parallel_loops.py, parallel_code.py,
parallel_run.py): which loops qualify, the entry check's verdicts, and results and errors
bit-identical to the interpreter's and to one thread, on generated loops and on a static
matmul."""

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import vmvxjit
from tests.support.modules import STATIC, compile_mlir
from tests.support.oracle import run_iree
from vmvxjit.cli import main
from vmvxjit.errors import Error
from vmvxjit.native import workers
from vmvxjit.vm.bytecode_module import BytecodeModule
from vmvxjit.vm.jit import background, native_chunks, parallel_loops, parallel_run, switches
from vmvxjit.vm.jit.callees import native
from vmvxjit.vm.jit.regions import find_regions

PROGRAM = Path(__file__).parent / "programs" / "parallel.mlir"
MATMUL = """
func.func @matmul(%a: tensor<64x48xf32>, %b: tensor<48x80xf32>) -> tensor<64x80xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x80xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<64x80xf32>) -> tensor<64x80xf32>
  %r = linalg.matmul ins(%a, %b : tensor<64x48xf32>, tensor<48x80xf32>) outs(%c : tensor<64x80xf32>) -> tensor<64x80xf32>
  return %r : tensor<64x80xf32>
}
"""
# The private functions of parallel.mlir, in its order, and what the analysis says of their loop.
VERDICTS = [("rows", None), ("tiles", None), ("carried", "an iteration reads"),
            ("reduce", None), ("divides", None), ("last_row", "not counted")]


@pytest.fixture(params=["native", "python"])
def chunked(request, monkeypatch):
    """Every loop that qualifies, however little work it has, runs in chunks from its first
    run: on the native workers (native_chunks.py), or on the Python ones."""
    monkeypatch.setattr(switches, "PARALLEL_MIN_WORK", 0)
    monkeypatch.setattr(workers, "PARALLEL_ABOVE_S", 0.0)
    monkeypatch.setattr(native_chunks, "PARALLEL_ABOVE_S", 0.0)
    if request.param == "python":
        monkeypatch.setattr(native_chunks, "available", lambda function: False)
    return request.param


def _path() -> Path:
    return compile_mlir(PROGRAM.read_text(), ["--compile-mode=vm"])


def _outcome(module, function, args):
    try:
        return getattr(module, function)(*args)
    except Error as error:
        return type(error), str(error)


def _chunked_runs(module) -> int:
    return sum(run["runs"] for run in module.jit_stats()["parallel_loops"].values())


@pytest.fixture
def modules(chunked):
    """parallel.mlir interpreted, and compiled on two threads."""
    path = _path()
    return vmvxjit.load(path, tier="interp"), vmvxjit.load(path, tier="jit", threads=2)


def test_which_loops_may_run_in_chunks(chunked):
    module = BytecodeModule.load(_path())
    for function, (name, expected) in zip(module.functions, VERDICTS):
        (region,) = find_regions(function.instrs, native(module))
        why = list(region.serial_loops.values())
        assert len(region.parallel) + len(why) == 1, name
        assert not why if expected is None else expected in why[0], (name, why)


def test_little_work_is_not_worth_chunks():
    module = BytecodeModule.load(_path())
    (region,) = find_regions(module.functions[0].instrs, native(module))
    assert not region.parallel
    assert list(region.serial_loops.values())[0].startswith("too little work per entry")


def test_the_switch_turns_the_analysis_off(chunked, monkeypatch):
    monkeypatch.setattr(switches, "DISABLED", frozenset({"parallel"}))
    module = BytecodeModule.load(_path())
    assert not any(r.parallel for f in module.functions[:6] for r in find_regions(f.instrs, native(module)))
    interp, jit = (vmvxjit.load(_path(), tier=t, threads=2) for t in ("interp", "jit"))
    assert jit.run_tiles(16) == interp.run_tiles(16)
    assert _chunked_runs(jit) == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nj=st.integers(0, 24), nk=st.integers(0, 40), at=st.integers(-3, 300), off=st.integers(-3, 300),
       cs=st.integers(-3, 50), alias=st.integers(0, 1))
@example(nj=16, nk=32, at=0, off=0, cs=32, alias=0)     # disjoint rows: in chunks
@example(nj=16, nk=32, at=0, off=0, cs=20, alias=0)     # overlapping rows
@example(nj=16, nk=32, at=0, off=32, cs=32, alias=1)    # each row reads the next one's
@example(nj=16, nk=32, at=600, off=0, cs=32, alias=0)   # past the end: the serial error
def test_generated_rows_match_the_interpreter(modules, nj, nk, at, off, cs, alias):
    interp, jit = modules
    args = (nj, nk, at, off, cs, alias)
    assert _outcome(jit, "run_rows", args) == _outcome(interp, "run_rows", args)


@pytest.mark.parametrize("cs, off, alias, chunks", [
    (32, 0, 0, True), (20, 0, 0, False), (32, 32, 1, False), (32, 512, 1, True)])
def test_rows_run_in_chunks_only_when_no_iteration_touches_anothers_writes(modules, cs, off, alias, chunks):
    interp, jit = modules
    args = (16, 32, 0, off, cs, alias)
    assert jit.run_rows(*args) == interp.run_rows(*args)
    assert (_chunked_runs(jit) > 0) == chunks


def test_workgroup_tiles_numbered_by_div_and_rem_run_in_chunks(modules, chunked):
    interp, jit = modules
    assert jit.run_tiles(16) == interp.run_tiles(16)
    runs = jit.jit_stats()["parallel_loops"].values()
    assert runs and all(run["threads"] == 2 for run in runs)
    assert all(run["native_runs"] == (run["runs"] if chunked == "native" else 0) for run in runs)


def test_a_reduction_over_the_loop_runs_on_one_thread(modules):
    interp, jit = modules
    assert jit.run_reduce(16, 32) == interp.run_reduce(16, 32)
    assert _chunked_runs(jit) == 0


@pytest.mark.parametrize("zero", [5, 300, 510, 800])
def test_a_fault_in_a_chunk_is_the_serial_error(modules, zero):
    interp, jit = modules
    expected = _outcome(interp, "run_divides", (16, 32, zero))
    assert _outcome(jit, "run_divides", (16, 32, zero)) == expected
    assert isinstance(expected, tuple) == (zero < 512)
    assert _chunked_runs(jit) == 1


def test_one_thread_runs_no_chunks(chunked):
    path = _path()
    serial = vmvxjit.load(path, tier="jit", threads=1)
    assert serial.run_tiles(16) == vmvxjit.load(path, tier="interp").run_tiles(16)
    assert _chunked_runs(serial) == 0


def test_trace_says_which_loops_ran_in_chunks(chunked):
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        assert main(["run", str(_path()), "--function=run_tiles", "--input=16", "--tier=jit",
                     "--threads=2", "--trace"]) == 0
    assert "iterations may run in parallel chunks" in err.getvalue()
    native = int(chunked == "native")
    assert f"1 run(s) with its iterations in chunks on up to 2 threads ({native} on the native workers)" in err.getvalue()


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("tier", ["jit", "auto"])
def test_two_loops_of_one_region_each_run_to_their_own_bound(chunked, tier, threads, tmp_path, monkeypatch):
    """Two loops in one region with different bounds, the first one's exit the second one's
    header (DenseNet-121's dense blocks): entered from the first loop, after its chunks, and
    in the full code going on where the second one's lean code left (its inner loop reads
    the element it updates in one row), the second loop runs to its own bound."""
    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr("vmvxjit.vm.jit.tiering.AUTO_THRESHOLD", 1)
    monkeypatch.setattr("vmvxjit.vm.jit.tiering.MIN_VISITS_PER_FRAME", 1)
    # Not interchanged, the second nest's inner loop keeps its element in a register behind
    # an entry check, which fails where the element is among the ones it reads.
    monkeypatch.setattr(switches, "DISABLED", frozenset({"interchange"}))
    path = _path()
    module = BytecodeModule.load(path)
    region, = find_regions(module.functions[6].instrs, native(module))
    assert len(region.parallel) == 2
    args = (4, 12, 32, 40, 1)       # the second loop's row 1 sums src[32 .. 63] into dst[41]
    expected = vmvxjit.load(path, tier="interp").run_two_loops(*args)
    assert run_iree(path, "run_two_loops", [str(a) for a in args])[1].split("=")[-1].strip() == str(expected)
    module = vmvxjit.load(path, tier=tier, threads=threads)
    assert [module.run_two_loops(*args) for _ in range(2)] == [expected] * 2
    assert module.jit_stats()["full_code_compiles"] == 1
    assert (_chunked_runs(module) > 0) == (threads > 1)


@pytest.mark.parametrize("threads", [1, 2])
def test_static_matmul_is_the_same_on_two_threads(threads, monkeypatch):
    monkeypatch.setattr(workers, "PARALLEL_ABOVE_S", 0.0)
    monkeypatch.setattr(native_chunks, "PARALLEL_ABOVE_S", 0.0)
    path = compile_mlir(MATMUL, STATIC)
    rng = np.random.default_rng(3)
    a = rng.standard_normal((64, 48), dtype=np.float32)
    b = rng.standard_normal((48, 80), dtype=np.float32)
    expected = vmvxjit.load(path, tier="interp").matmul(a, b)
    module = vmvxjit.load(path, tier="jit", threads=threads)
    for _ in range(2):
        assert module.matmul(a, b).tobytes() == expected.tobytes()
    assert (_chunked_runs(module) > 0) == (threads > 1)


def _footprint(addr, t, base, strides, write=True, size=4):
    lo = base + sum(min(0, d * (c - 1)) for d, c in strides)
    hi = base + sum(max(0, d * (c - 1)) for d, c in strides)
    return addr, size, write, t, base, strides, lo, hi


def test_the_check_compares_runs_not_envelopes():
    # Two 4x4 tiles side by side in a 16-wide matrix: their envelopes overlap, their rows do not.
    left, right = _footprint(0, 0, 0, [(16, 4), (1, 4)]), _footprint(0, 1, 4, [(16, 4), (1, 4)])
    assert parallel_run._disjoint([left, right])
    assert not parallel_run._disjoint([left, _footprint(0, 1, 2, [(16, 4), (1, 4)])])
    # A read of the other tile's bytes, or a write of the same bytes in another buffer's view.
    assert not parallel_run._disjoint([left, right, _footprint(0, 1, 3, [(1, 1)], write=False)])
    assert parallel_run._disjoint([left, _footprint(0, 0, 3, [(1, 1)], write=False), right])
    assert not parallel_run._disjoint([left, _footprint(8, 1, 0, [(1, 1)])])


def test_the_check_gives_up_past_its_interval_budget(monkeypatch):
    monkeypatch.setattr(parallel_run, "MAX_INTERVALS", 10)
    left, right = _footprint(0, 0, 0, [(16, 8), (1, 4)]), _footprint(0, 1, 4, [(16, 8), (1, 4)])
    assert not parallel_run._disjoint([left, right])


def test_chunks_that_lose_to_one_thread_give_way_to_it(monkeypatch):
    """A loop state's first run is on one thread; once its CHUNKED_TRIALS runs in chunks
    after the first were slower (here each waits 20 ms), it runs on one thread and the
    region no longer hands it to Python."""
    import time

    monkeypatch.setattr(switches, "PARALLEL_MIN_WORK", 0)
    monkeypatch.setattr(workers, "PARALLEL_ABOVE_S", 1e-9)
    monkeypatch.setattr(native_chunks, "PARALLEL_ABOVE_S", 1e-9)
    chunks, runs = parallel_run.LoopRunner._chunks, []
    monkeypatch.setattr(parallel_run.LoopRunner, "_chunks",
                        lambda self, compiled, frames: time.sleep(0.02) or chunks(self, compiled, frames))
    run = parallel_run.LoopRunner.run
    monkeypatch.setattr(parallel_run.LoopRunner, "run", lambda self, *a: runs.append(1) or run(self, *a))
    interp, jit = (vmvxjit.load(_path(), tier=t, threads=2) for t in ("interp", "jit"))
    expected = interp.run_tiles(16)
    for _ in range(10):
        assert jit.run_tiles(16) == expected
        background.wait_idle()       # runs beside a compile are not counted
    assert _chunked_runs(jit) == 1 + parallel_run.CHUNKED_TRIALS
    assert len(runs) == 3 + parallel_run.CHUNKED_TRIALS    # twice on one thread, the first in chunks, the trials


def test_a_verdict_keeps_chunks_that_win():
    verdict = parallel_run._Verdict(independent=True)
    assert not verdict.in_chunks()              # not measured on one thread yet
    verdict.ran(False, 1e-3)
    for seconds in (2e-3, 0.6e-3, 2e-3):
        assert verdict.in_chunks() and not verdict.settled()
        verdict.ran(True, seconds)
    assert verdict.in_chunks()
    losing = parallel_run._Verdict(independent=True)
    losing.ran(False, 1e-3)
    for _ in range(1 + parallel_run.CHUNKED_TRIALS):
        losing.ran(True, 1.5e-3)
    assert losing.settled() and not losing.in_chunks()
    assert parallel_run._Verdict(independent=False).settled()
    assert parallel_run._Verdict(independent=True, always=True).in_chunks()


def conv_mlir(size: int, channels: int, filters: int) -> str:
    """@conv: a 3x3 conv of a 1 x `size` x `size` x `channels` NHWC input into `filters`
    channels, on a zero fill of its result (IREE's fill loop, then its conv loop)."""
    out = size - 2
    x, w, r = f"1x{size}x{size}x{channels}xf32", f"3x3x{channels}x{filters}xf32", f"1x{out}x{out}x{filters}xf32"
    return f"""
func.func @conv(%x: tensor<{x}>, %w: tensor<{w}>) -> tensor<{r}> {{
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{r}>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<{r}>) -> tensor<{r}>
  %r = linalg.conv_2d_nhwc_hwcf {{dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}}
         ins(%x, %w : tensor<{x}>, tensor<{w}>) outs(%c : tensor<{r}>) -> tensor<{r}>
  return %r : tensor<{r}>
}}
"""


CONV = conv_mlir(32, 16, 16)


def test_a_little_loop_next_to_one_worth_chunks_runs_in_chunks_too(monkeypatch):
    # The conv's fill loop (30x30x16 stores) leaves straight into the conv loop's header:
    # far under the threshold, it runs in chunks split as the conv's are, while that does.
    module = BytecodeModule.load(compile_mlir(CONV, STATIC))
    (function,) = [f for f in module.functions if f.name == "conv"]
    (region,) = [r for r in find_regions(function.instrs, native(module)) if r.parallel]
    (fill, conv) = region.parallel
    assert fill.work < switches.PARALLEL_MIN_WORK <= conv.work
    assert fill.exit == conv.header
    monkeypatch.setattr(switches, "PARALLEL_MIN_WORK", conv.work + 1)
    regions = find_regions(function.instrs, native(module))
    assert not any(r.parallel for r in regions)
    whys = [why for r in regions for why in r.serial_loops.values()]
    assert sorted(why.split(" (")[0] for why in whys) == ["too little work per entry"] * 2
