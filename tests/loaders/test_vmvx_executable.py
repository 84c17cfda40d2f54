"""VMVX executables: loading, per-workgroup dispatch, and compiled entry functions."""

import itertools
import time
from types import SimpleNamespace

import numpy as np
import pytest

from tests.support.modules import DYNAMIC_VMVX, compile_mlir
from tests.support.oracle import have_iree, iree_call
from vmvxjit.errors import Error, InvalidArgumentError, OutOfRangeError
from vmvxjit.loaders.vmvx_executable import NOT_COMPILED_YET, VmvxLoader
from vmvxjit.vm.module_def import load_module_def

EW = """
func.func @ew(%a: tensor<1024xf32>, %b: tensor<1024xf32>) -> tensor<1024xf32> {
  %0 = arith.mulf %a, %b : tensor<1024xf32>
  %1 = arith.addf %0, %a : tensor<1024xf32>
  return %1 : tensor<1024xf32>
}
"""


def _blob(flags):
    module = load_module_def(compile_mlir(EW, flags))
    for segment in module.rodata:
        try:
            load_module_def(segment)
        except Error:
            continue
        return segment
    raise AssertionError("no VMVX executable in the module")


@pytest.fixture(scope="module", params=["loops", "ukernels"])
def blob(request):
    flags = DYNAMIC_VMVX + (["--iree-vmvx-enable-microkernels"] if request.param == "ukernels" else [])
    return _blob(flags)


def _load(blob, tier):
    executable = VmvxLoader().load("vmvx-bytecode-fb", blob, np.zeros(0, np.uint32))
    executable.configure_jit(tier, None)
    return executable


def _bindings(n_out=4096):
    a = np.arange(1024, dtype=np.float32)
    b = np.full(1024, 3, np.float32)
    out = np.zeros(n_out, np.uint8)
    return a, b, [a.view(np.uint8), b.view(np.uint8), out]


def _workgroups(executable):
    return (1024 // 64, 1, 1)


@pytest.mark.parametrize("tier", ["interp", "jit"])
def test_dispatch_computes_in_every_tier(blob, tier):
    executable = _load(blob, tier)
    assert executable.export_names and executable.binding_count(0) == 3
    a, b, bindings = _bindings()
    executable.dispatch(0, _workgroups(executable), np.zeros(0, np.uint32), bindings)
    np.testing.assert_array_equal(bindings[2].view(np.float32), a * b + a)


def test_short_binding_faults_the_same_in_both_tiers(blob):
    messages = []
    for tier in ("interp", "jit"):
        executable = _load(blob, tier)
        _, _, bindings = _bindings(n_out=1000)
        with pytest.raises(OutOfRangeError) as info:
            executable.dispatch(0, _workgroups(executable), np.zeros(0, np.uint32), bindings)
        messages.append(info.value.message)
    assert messages[0] == messages[1]


def test_wrong_binding_count_is_rejected(blob):
    executable = _load(blob, "jit")
    _, _, bindings = _bindings()
    with pytest.raises(InvalidArgumentError, match="bindings"):
        executable.dispatch(0, (1, 1, 1), np.zeros(0, np.uint32), bindings[:2])


def test_unexpected_constants_are_rejected(blob):
    with pytest.raises(InvalidArgumentError, match="no executable-level constants"):
        VmvxLoader().load("vmvx-bytecode-fb", blob, np.ones(2, np.uint32))


@pytest.mark.parametrize("compiling", [0.0, 5.0])
def test_auto_counts_interpretation_not_numba_compiles(blob, monkeypatch, compiling):
    """An interpreted run whose 5 s were all Numba compiling (a cold cache) costs nothing
    towards `auto` compiling the dispatch; one that was all interpreting counts in full."""
    from vmvxjit.loaders import vmvx_executable

    clock, compiled = itertools.count(0.0, 5.0), iter([0.0, compiling])   # the part runs 5 s
    monkeypatch.setattr(vmvx_executable, "time", SimpleNamespace(perf_counter=lambda: next(clock)))
    monkeypatch.setattr(vmvx_executable, "compile_seconds", lambda: next(compiled))
    executable = _load(blob, "auto")
    a, b, bindings = _bindings()
    executable.dispatch(0, _workgroups(executable), np.zeros(0, np.uint32), bindings)
    np.testing.assert_array_equal(bindings[2].view(np.float32), a * b + a)
    assert list(executable._interpreted_seconds.values()) == [pytest.approx(5.0 - compiling, abs=0.01)]


def test_auto_does_not_count_time_in_compiled_regions(blob, monkeypatch):
    """A dispatch whose time went into compiled loop regions costs nothing towards
    compiling its entry function whole (Numba's whole-function code is slower)."""
    from vmvxjit.loaders import vmvx_executable

    clock = itertools.count(0.0, 5.0)     # the part runs 5 s
    monkeypatch.setattr(vmvx_executable, "time", SimpleNamespace(perf_counter=lambda: next(clock)))
    monkeypatch.setattr(vmvx_executable, "compile_seconds", lambda: 0.0)
    executable = _load(blob, "auto")
    stats = executable.state.jit_stats
    run = executable._run_workgroups

    def four_seconds_in_regions(*args, **kwargs):
        run(*args, **kwargs)
        stats.compiled_seconds += 4.0
    monkeypatch.setattr(executable, "_run_workgroups", four_seconds_in_regions)
    a, b, bindings = _bindings()
    executable.dispatch(0, _workgroups(executable), np.zeros(0, np.uint32), bindings)
    assert list(executable._interpreted_seconds.values()) == [pytest.approx(1.0, abs=0.01)]


def test_auto_compiles_whole_sooner_with_microkernel_calls(blob, monkeypatch, request):
    """After a second interpreted (outside compiled regions), an entry function that calls
    microkernels compiles whole, one without does not yet."""
    from vmvxjit.vm.jit import vmvx_entry_runner

    compiled = []
    monkeypatch.setattr(vmvx_entry_runner, "compile_entry", lambda state, fn: compiled.append(fn) or fn)
    executable = _load(blob, "auto")
    function = executable.state.module.exports[executable.export_names[0]]
    executable._interpreted_seconds = {function: 1.0}
    executable._compiled_entry(function)
    assert len(compiled) == (request.node.callspec.params["blob"] == "ukernels")


def test_with_a_deadline_entry_functions_compile_on_a_worker(blob, monkeypatch):
    """A call with a deadline waits for no compile (nothing stops one: a mutated softmax's
    entry took 28 s of Numba against a 5 s deadline); the dispatch is interpreted until
    the worker's compile is done, then runs compiled."""
    import threading

    from vmvxjit.vm.deadline import Deadline
    from vmvxjit.vm.jit import vmvx_entry_runner

    release = threading.Event()
    real = vmvx_entry_runner.compile_entry

    def slow_compile(state, fn):
        release.wait(60)
        return real(state, fn)
    monkeypatch.setattr(vmvx_entry_runner, "compile_entry", slow_compile)
    executable = VmvxLoader().load("vmvx-bytecode-fb", blob, np.zeros(0, np.uint32))
    executable.configure_jit("jit", None, Deadline(60.0))
    a, b, bindings = _bindings()
    executable.dispatch(0, _workgroups(executable), np.zeros(0, np.uint32), bindings)
    np.testing.assert_array_equal(bindings[2].view(np.float32), a * b + a)
    assert executable.compiled_entry(0) is NOT_COMPILED_YET
    release.set()
    for _ in range(600):
        if executable.compiled_entry(0) is not NOT_COMPILED_YET:
            break
        time.sleep(0.1)
    assert executable.compiled_entry(0) is not NOT_COMPILED_YET


@pytest.fixture
def in_parts(monkeypatch):
    """Every dispatch of an executable with threads > 1 runs in parts from its first run."""
    from vmvxjit.native import workers
    monkeypatch.setattr(workers, "PARALLEL_ABOVE_S", 0.0)


def _load_threaded(blob, threads, tier):
    from vmvxjit.vm.jit.stats import JitStats

    executable = VmvxLoader().load("vmvx-bytecode-fb", blob, np.zeros(0, np.uint32))
    executable.threads = threads
    executable.configure_jit(tier, JitStats())
    return executable


@pytest.mark.parametrize("tier", ["interp", "jit"])   # interpreted, compiled whole
def test_dispatch_in_parts_gives_the_serial_bits(blob, in_parts, tier):
    results = []
    for threads in (1, 2, 4):
        executable = _load_threaded(blob, threads, tier)
        a, b, bindings = _bindings()
        executable.dispatch(0, _workgroups(executable), np.zeros(0, np.uint32), bindings)
        results.append(bindings[2].tobytes())
        runs = executable.state.jit_stats.parallel
        assert runs == ({} if threads == 1 else {executable.export_names[0]: [1, threads]})
    assert results[0] == results[1] == results[2]
    np.testing.assert_array_equal(np.frombuffer(results[0], np.float32), a * b + a)


@pytest.mark.parametrize("tier", ["interp", "jit"])
def test_dispatch_in_parts_fails_as_the_serial_run(blob, in_parts, tier):
    """Workgroups 3 to 15 write past a 1000-byte output: each of 4 parts fails, and the
    error is the serial run's, at workgroup 3."""
    messages = []
    for threads in (1, 4):
        executable = _load_threaded(blob, threads, tier)
        _, _, bindings = _bindings(n_out=1000)
        with pytest.raises(OutOfRangeError) as info:
            executable.dispatch(0, _workgroups(executable), np.zeros(0, np.uint32), bindings)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_an_entry_function_reading_a_constant_compiles_whole():
    """Its rodata is a read-only row of the compiled entry's buffer table."""
    import vmvxjit

    source = """
    func.func @c(%a: tensor<4xf32>) -> tensor<4xf32> {
      %k = arith.constant dense<[1.5, -2.0, 3.25, 0.5]> : tensor<4xf32>
      %0 = arith.mulf %a, %k : tensor<4xf32>
      return %0 : tensor<4xf32>
    }
    """
    path = compile_mlir(source, DYNAMIC_VMVX)
    a = np.arange(4, dtype=np.float32)
    compiled = vmvxjit.load(path, tier="jit", host_functions=False)
    assert compiled.c(a).tobytes() == vmvxjit.load(path, tier="interp").c(a).tobytes()
    assert compiled.c(a).tolist() == [0.0, -2.0, 6.5, 1.5]
    [entry] = compiled.jit_stats()["compiled"]
    assert entry["notes"][0] == "whole entry function with its workgroup loop"


def test_entry_functions_compile_through_llvm_lower_unless_they_call_microkernels(blob, request):
    """An entry function of loops is lowered by llvm_lower.py (a C function, no Numba);
    one that calls the vmvx microkernels falls back to Numba, as the trace says; both
    give the interpreter's bits."""
    from vmvxjit.vm.jit import vmvx_entry_runner

    executable = _load(blob, "jit")
    a, b, bindings = _bindings()
    executable.dispatch(0, _workgroups(executable), np.zeros(0, np.uint32), bindings)
    np.testing.assert_array_equal(bindings[2].view(np.float32), a * b + a)
    entry = executable.compiled_entry(0)
    assert isinstance(entry, vmvx_entry_runner.CompiledEntry)
    stats = executable.state.jit_stats
    if request.node.callspec.params["blob"] == "loops":
        assert entry.native == entry.address() and stats.compiled[-1].notes[0].endswith("workgroup loop")
    else:
        assert entry.native is None and stats.compiled[-1].notes[0].endswith("(Numba)")
        assert stats.fallbacks


SOFTMAX = """
func.func @softmax(%x: tensor<1x1000xf32>) -> tensor<1x1000xf32> {
  %empty = tensor.empty() : tensor<1x1000xf32>
  %r = linalg.softmax dimension(1) ins(%x : tensor<1x1000xf32>)
                                   outs(%empty : tensor<1x1000xf32>) -> tensor<1x1000xf32>
  return %r : tensor<1x1000xf32>
}
"""


@pytest.mark.skipif(not have_iree(), reason="iree-run-module not on PATH")
def test_an_entry_function_with_scratch_allocations_lowered_by_llvm_lower_gives_irees_bits(tmp_path, monkeypatch):
    """A softmax's entry allocates scratch (`vm.buffer.alloc`: heap arrays in the lowered
    code); compiled whole in `jit`, on the interpreter's path and from the export compiled
    whole, its results are iree-run-module's, call after call."""
    import vmvxjit
    from vmvxjit.vm.jit import vmvx_entry_runner

    made = []
    compile_entry = vmvx_entry_runner.compile_entry
    monkeypatch.setattr(vmvx_entry_runner, "compile_entry",
                        lambda state, function: made.append(compile_entry(state, function)) or made[-1])
    path = compile_mlir(SOFTMAX, DYNAMIC_VMVX)
    module = vmvxjit.load(path, tier="jit")
    rng = np.random.default_rng(21)
    for _ in range(3):
        x = rng.standard_normal((1, 1000), dtype=np.float32) * 4
        assert module.softmax(x).tobytes() == iree_call(path, "softmax", [x], tmp_path).tobytes()
    [entry] = made
    assert entry.native is not None and entry.alloc_rows > 0
    assert module.jit_stats()["host_functions"]["softmax"].startswith("compiled whole, host code included")
