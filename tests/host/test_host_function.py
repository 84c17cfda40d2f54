"""Exports compiled whole (vmvxjit/host): the same results and errors as the
interpreter's path, the fallbacks and their reasons, calls from several threads."""

from __future__ import annotations

import ctypes
import gc
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import vmvxjit
from tests.hal_inline.test_read_only_arguments import ADD     # @f: a 4-element add
from tests.test_api import MATMUL as SMALL_MATMUL
from tests.test_api import BIG_ADD, UPDATED_IN_PLACE, _big_inputs
from tests.vm.jit.test_parallel_loops import CONV as CONV_32X32X16, MATMUL as ROWS_MATMUL, conv_mlir
from tests.support.modules import DATA_TILED_VMVX, DYNAMIC_LLVM, DYNAMIC_VMVX, STATIC, compile_mlir
from tests.support.oracle import IREE_RUN_MODULE, have_iree, iree_call
from tests.support.threads import split_dispatches
from vmvxjit.host import arenas, entry_ir, host_chunks, host_function
from vmvxjit.loaders import native_dispatch
from vmvxjit.native import memory_parts, native_workers
from vmvxjit.vm.jit import background, parallel_run, switches

DEFAULT_MIN_WORK = switches.PARALLEL_MIN_WORK

# A matmul and a softmax: loop nests, a transient vm.buffer, exp, two results.
TWO = """
func.func @two(%a: tensor<8x16xf32>, %b: tensor<16x8xf32>) -> (tensor<8x8xf32>, tensor<8x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<8x8xf32>) -> tensor<8x8xf32>
  %m = linalg.matmul ins(%a, %b : tensor<8x16xf32>, tensor<16x8xf32>)
                     outs(%z : tensor<8x8xf32>) -> tensor<8x8xf32>
  %e2 = tensor.empty() : tensor<8x16xf32>
  %s = linalg.softmax dimension(1) ins(%a : tensor<8x16xf32>) outs(%e2 : tensor<8x16xf32>) -> tensor<8x16xf32>
  return %m, %s : tensor<8x8xf32>, tensor<8x16xf32>
}
"""
# Reads its first argument at indices from its second: out of bounds faults.
PICK = """
func.func @pick(%t: tensor<4xf32>, %i: tensor<2xi32>) -> tensor<2xf32> {
  %e = tensor.empty() : tensor<2xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d) -> (d)>, affine_map<(d) -> (d)>],
                       iterator_types = ["parallel"]}
      ins(%i : tensor<2xi32>) outs(%e : tensor<2xf32>) {
  ^bb0(%idx: i32, %o: f32):
    %k = arith.index_cast %idx : i32 to index
    %v = tensor.extract %t[%k] : tensor<4xf32>
    linalg.yield %v : f32
  } -> tensor<2xf32>
  return %r : tensor<2xf32>
}
"""
# A constant (rodata) operand, a 0-d result, integers, a transpose.
CONSTANT = """
func.func @c(%a: tensor<4xf32>) -> tensor<4xf32> {
  %k = arith.constant dense<[1.5, -2.0, 3.25, 0.5]> : tensor<4xf32>
  %0 = arith.mulf %a, %k : tensor<4xf32>
  return %0 : tensor<4xf32>
}
"""
SCALAR = """
func.func @s(%a: tensor<i32>, %b: tensor<3x2xi32>) -> (tensor<i32>, tensor<2x3xi32>) {
  %e = tensor.empty() : tensor<2x3xi32>
  %t = linalg.transpose ins(%b : tensor<3x2xi32>) outs(%e : tensor<2x3xi32>) permutation = [1, 0]
  %s = arith.addi %a, %a : tensor<i32>
  return %s, %t : tensor<i32>, tensor<2x3xi32>
}
"""
DYNAMIC = """
func.func @neg(%a: tensor<?xf32>) -> tensor<?xf32> {
  %0 = arith.negf %a : tensor<?xf32>
  return %0 : tensor<?xf32>
}
"""
COMPILED = "compiled whole, host code included"
# inline-static: the whole function is region code; inline-dynamic llvm-cpu: host code
# and native dispatches; inline-dynamic vmvx: host code and compiled VMVX entry functions.
CONFIGS = [pytest.param(STATIC, id="static"), pytest.param(DYNAMIC_LLVM, id="dynamic_llvm"),
           pytest.param(DYNAMIC_VMVX, id="dynamic_vmvx")]


def _pair(source: str, flags=STATIC, **options):
    """The module with exports compiled whole (at the second call) and without."""
    path = compile_mlir(source, flags)
    return (vmvxjit.load(path, tier="jit", **options),
            vmvxjit.load(path, tier="jit", host_functions=False, **options))


@pytest.mark.parametrize("source, name, args", [
    (CONSTANT, "c", (np.arange(4, dtype=np.float32),)),
    (SCALAR, "s", (np.array(7, np.int32), np.arange(6, dtype=np.int32).reshape(3, 2))),
], ids=["constant", "scalar-and-transpose"])
@pytest.mark.parametrize("flags", CONFIGS)
def test_constants_rank_0_and_integers(source, name, args, flags):
    compiled, reference = _pair(source, flags)
    expected = _bytes(reference[name](*args))
    for _ in range(3):
        assert _bytes(compiled[name](*args)) == expected
    assert compiled.jit_stats()["host_functions"][name].startswith(COMPILED)


def _bytes(result) -> list:
    return [r.tobytes() for r in (result if isinstance(result, tuple) else (result,))]


def _two_inputs(seed: int):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((8, 16), dtype=np.float32), rng.standard_normal((16, 8), dtype=np.float32))


@pytest.mark.parametrize("flags", CONFIGS)
def test_results_are_the_interpreter_paths_bit_for_bit(flags):
    compiled, reference = _pair(TWO, flags)
    for seed in range(3):
        ours, theirs = compiled.two(*_two_inputs(seed)), reference.two(*_two_inputs(seed))
        assert [r.tobytes() for r in ours] == [r.tobytes() for r in theirs]
    assert compiled.jit_stats()["host_functions"]["two"].startswith(COMPILED)
    assert reference.jit_stats()["host_functions"]["two"] == "not compiled whole (host_functions off)"


@pytest.mark.parametrize("flags", CONFIGS)
def test_results_own_their_memory_and_later_calls_leave_them_alone(flags):
    compiled, _ = _pair(ADD, flags)
    a, b = np.arange(4, dtype=np.float32), np.full(4, 10, np.float32)
    first = compiled.f(a, b)
    second = compiled.f(b, b)
    assert first.flags.writeable and first.dtype == np.float32
    assert first.base is None or flags == STATIC     # dispatches' small results: copied out of the arena
    assert not np.may_share_memory(first, second) and not np.may_share_memory(first, a)
    assert first.tolist() == [10, 11, 12, 13] and second.tolist() == [20, 20, 20, 20]
    assert compiled.jit_stats()["host_functions"]["f"].startswith(COMPILED)


@pytest.mark.skipif(not have_iree(), reason="iree-run-module not on PATH")
def test_big_static_allocations_come_from_the_pool_and_go_back_to_it_once_results_are_dropped(tmp_path):
    """An export compiled whole without dispatches takes allocations of POOLED_BYTES from
    the program's pool (already faulted: no fresh pages per call), zeroed again when
    reused, and never while a result over one is held; misaligned arguments it copies
    come from the pool too."""
    compiled, reference = _pair(BIG_ADD, STATIC)
    a, b = _big_inputs(15)
    compiled.add(a, b)                                   # compiled at the second call
    first = compiled.add(a, b)
    held = first.copy()
    second = compiled.add(b, b)
    assert not np.may_share_memory(first, second) and first.tobytes() == held.tobytes()
    assert second.tobytes() == reference.add(b, b).tobytes()
    assert iree_call(compile_mlir(BIG_ADD, STATIC), "add", (b, b), tmp_path).tobytes() == second.tobytes()
    address = second.ctypes.data
    del second
    again = compiled.add(a, a)
    assert again.ctypes.data == address and again.tobytes() == reference.add(a, a).tobytes()
    shifted = np.frombuffer(np.zeros(a.nbytes + 64, np.uint8)[16:16 + a.nbytes], np.float32)
    shifted[:] = a
    assert compiled.add(shifted, b).tobytes() == reference.add(a, b).tobytes()
    assert compiled.jit_stats()["host_functions"]["add"].startswith(COMPILED)


@pytest.mark.skipif(not have_iree(), reason="iree-run-module not on PATH")
@pytest.mark.parametrize("flags", CONFIGS[1:])
def test_an_entry_leaves_hal_inline_allocations_to_the_program_and_zeroes_the_rest(flags, monkeypatch, tmp_path):
    """A hal_inline.buffer.allocate's contents are undefined until the program writes
    them (IREE allocates it "with uninitialized contents"), so an entry with dispatches
    does not zero it: on arenas handed over full of 0xFF bytes the result is still the
    interpreter path's and iree-run-module's, and the guard bytes around it are zeroed
    every call."""
    aligned_zeros = arenas.aligned_zeros

    def poisoned(length, alignment=64):
        memory = aligned_zeros(length, alignment)
        memory[...] = 0xFF
        return memory

    monkeypatch.setattr(arenas, "aligned_zeros", poisoned)
    compiled, reference = _pair(BIG_ADD, flags)
    a, b = _big_inputs(16)
    expected = reference.add(a, b).tobytes()
    assert iree_call(compile_mlir(BIG_ADD, flags), "add", (a, b), tmp_path).tobytes() == expected
    for _ in range(3):
        result = compiled.add(a, b)
        assert result.tobytes() == expected
    assert [memory.zeroed for memory in compiled.functions["add"]._host.plan.allocations] == [False]
    arena, start = result.base, result.ctypes.data - result.base.ctypes.data
    end = start + result.nbytes
    guard = entry_ir.ARENA_GUARD
    assert not arena[start - guard:start].any() and not arena[end:end + guard].any()


@pytest.mark.parametrize("make", [
    lambda a: a.astype(np.float64),                          # another dtype: the same error
    lambda a: np.zeros(5, np.float32),                       # another shape: the same error
    lambda a: [1.0, 2.0, 3.0, 4.0],                          # a list: converted
    lambda a: np.repeat(a, 2)[::2],                          # not contiguous: copied
    lambda a: a.astype(">f4"),                               # big-endian: converted
    lambda a: np.frombuffer(b"\0" + a.tobytes(), np.float32, 4, 1),  # unaligned: copied
    lambda a: vmvxjit.buffer_view(a),                        # a buffer view
], ids=["float64", "shape", "list", "strided", "big-endian", "unaligned", "buffer-view"])
@pytest.mark.parametrize("flags", CONFIGS)
def test_other_arguments_take_the_interpreters_path(make, flags):
    compiled, reference = _pair(ADD, flags)
    a = np.arange(4, dtype=np.float32)
    compiled.f(a, a)

    def outcome(module):
        try:
            return module.f(make(a), a).tobytes()
        except vmvxjit.Error as error:
            return type(error), str(error)
    assert outcome(compiled) == outcome(reference)


@pytest.mark.parametrize("flags", [pytest.param(STATIC, id="static"), pytest.param(DYNAMIC_VMVX, id="dynamic_vmvx")])
def test_a_fault_raises_the_interpreters_error(flags):
    """Region code and compiled VMVX entries check their accesses (llvm-cpu code does not)."""
    compiled, reference = _pair(PICK, flags)
    t = np.arange(4, dtype=np.float32)
    for _ in range(2):
        assert compiled.pick(t, np.array([3, 1], np.int32)).tolist() == [3, 1]
    assert compiled.jit_stats()["host_functions"]["pick"].startswith(COMPILED)
    errors = []
    for module in (compiled, reference):
        with pytest.raises(vmvxjit.OutOfRangeError) as info:
            module.pick(t, np.array([1, 9], np.int32))
        errors.append(str(info.value))
    assert errors[0] == errors[1] and "out-of-bounds access" in errors[0]
    assert compiled.pick(t, np.array([2, 0], np.int32)).tolist() == [2, 0]


# Data tiling with microkernels: the matmul's operands are packed by `vmvx.pack`, which
# compiled entry functions do not call.
PACKING = "the entry function of VMVX export '_encoding_0_encode_8x16xf32_to_8x16xf32'"


@pytest.mark.parametrize("source, flags, options, reason", [
    (DYNAMIC, STATIC, {}, "argument 0 is not a tensor of static shape"),
    (TWO, DATA_TILED_VMVX, {}, f"{PACKING} is not compiled"),
    (TWO, DATA_TILED_VMVX, {"tier": "auto"}, f"{PACKING} has ops the JIT cannot compile"),
    (ADD, STATIC, {"max_allocation": "1G"}, "an allocation cap is set"),
], ids=["dynamic-shape", "dyn-vmvx-entry-not-compiled", "dyn-vmvx-entry-not-compilable", "allocation-cap"])
def test_exports_that_do_not_qualify_keep_the_interpreters_path_and_say_why(source, flags, options, reason):
    path = compile_mlir(source, flags)
    module = vmvxjit.load(path, **{"tier": "jit", **options})
    name = next(iter(module.functions))
    args = _two_inputs(0) if source is TWO else (np.arange(4, dtype=np.float32),) * (1 + (source is ADD))
    expected = _bytes(vmvxjit.load(path, tier="interp")[name](*args))
    for _ in range(2):
        assert _bytes(module[name](*args)) == expected
    text = module.jit_stats()["host_functions"][name]
    assert text.startswith("not compiled whole (") and reason in text


def test_interp_tier_and_the_second_call():
    path = compile_mlir(ADD, STATIC)
    a = np.arange(4, dtype=np.float32)
    interp = vmvxjit.load(path, tier="interp")
    interp.f(a, a)
    assert interp.jit_stats()["host_functions"]["f"] == "not compiled whole (interp tier)"
    auto = vmvxjit.load(path, tier="auto")
    auto.f(a, a)
    assert "f" not in auto.jit_stats()["host_functions"]        # compiled at the second call
    auto.f(a, a)
    assert auto.jit_stats()["host_functions"]["f"].startswith(COMPILED)


@pytest.mark.parametrize("size", [4, 131072])     # 1.5 MiB of bindings: over EAGER_ENTRIES' bytes
def test_dyn_vmvx_exports_queue_their_entry_functions_at_the_second_call(size):
    """In `auto` the second call queues the VMVX entry's compile on a worker (EAGER_ENTRIES:
    a small export, or entries that call no microkernel, which llvm_lower compiles in a
    tenth of a second), which the tier alone would do only after long interpretation;
    calls take the interpreter's path until it is done, then the export is compiled whole."""
    path = compile_mlir(ADD.replace("4xf32", f"{size}xf32"), DYNAMIC_VMVX)
    a = np.arange(size, dtype=np.float32)
    auto = vmvxjit.load(path, tier="auto", threads=1)
    assert auto.f(a, a).tobytes() == (a + a).tobytes()
    assert "f" not in auto.jit_stats()["host_functions"]
    assert auto.f(a, a).tobytes() == (a + a).tobytes()
    deadline = time.monotonic() + 120
    while not auto.jit_stats()["host_functions"]["f"].startswith(COMPILED):
        assert auto.jit_stats()["host_functions"]["f"].startswith("not compiled whole yet (waiting")
        assert time.monotonic() < deadline
        time.sleep(0.05)
        assert auto.f(a, a).tobytes() == (a + a).tobytes()
    assert auto.f(a, a + 1).tobytes() == (a + a + 1).tobytes()


def test_dyn_vmvx_big_exports_calling_microkernels_wait_for_the_tier_to_compile_their_entries(monkeypatch):
    """Over EAGER_ENTRIES' bytes, entries that call microkernels (Numba compiles them, in
    seconds) are left to the tier (here made to wait longer than the test's calls)."""
    from vmvxjit.loaders import vmvx_executable

    monkeypatch.setattr(vmvx_executable, "ENTRY_JIT_SECONDS", 1e9)
    source = ADD.replace("4xf32", "131072xf32")
    path = compile_mlir(source, DYNAMIC_VMVX + ["--iree-vmvx-enable-microkernels"])
    module = vmvxjit.load(path, tier="auto", threads=1)
    a = np.arange(131072, dtype=np.float32)
    for _ in range(3):
        assert module.f(a, a).tobytes() == (a + a).tobytes()
    assert module.jit_stats()["host_functions"]["f"] == (
        "not compiled whole yet (waiting for the entry functions of its VMVX dispatches to compile)")
    executable = next(r for r in module._program.state.global_refs if r is not None)
    executable.compiled_entry(0, now=True)            # what the tier does once the entry ran long
    assert module.f(a, a).tobytes() == (a + a).tobytes()
    assert module.jit_stats()["host_functions"]["f"].startswith(COMPILED)
    assert module.f(a, a + 1).tobytes() == (a + a + 1).tobytes()


@pytest.mark.parametrize("flags", CONFIGS)
def test_calls_from_several_threads(flags):
    compiled, reference = _pair(TWO, flags)
    inputs = [_two_inputs(seed) for seed in range(16)]
    expected = [[r.tobytes() for r in reference.two(*x)] for x in inputs]
    with ThreadPoolExecutor(8) as pool:
        for _ in range(3):
            got = list(pool.map(lambda x: [r.tobytes() for r in compiled.two(*x)], inputs * 8))
            assert got == expected * 8
    assert compiled.jit_stats()["host_functions"]["two"].startswith(COMPILED)


# 768 KiB bound: a dispatch that runs in parts on two threads.
MATMUL = SMALL_MATMUL.replace("8x16", "256x256").replace("16x4", "256x256").replace("8x4", "256x256")


@pytest.mark.skipif(not have_iree(), reason="iree-run-module not on PATH")
def test_big_native_dispatches_run_in_parts_on_the_native_workers(tmp_path):
    """With threads, a dispatch binding PARALLEL_BINDING_BYTES runs in parts from the entry
    (the native workers, or in one part while calls from other threads have them):
    the bits of one thread and of iree-run-module, from one thread or several at once."""
    compiled, reference = _pair(MATMUL, DYNAMIC_LLVM, threads=2)
    rng = np.random.default_rng(11)
    inputs = [tuple(rng.standard_normal((256, 256), dtype=np.float32) for _ in range(2)) for _ in range(4)]
    expected = [reference.mm(*x).tobytes() for x in inputs]
    for k, x in enumerate(inputs[0]):
        np.save(tmp_path / f"x{k}.npy", x)
    subprocess.run([IREE_RUN_MODULE, f"--module={compile_mlir(MATMUL, DYNAMIC_LLVM)}", "--function=mm",
                    f"--input=@{tmp_path / 'x0.npy'}", f"--input=@{tmp_path / 'x1.npy'}",
                    f"--output=@{tmp_path / 'y.npy'}"], check=True, capture_output=True)
    assert np.load(tmp_path / "y.npy").tobytes() == expected[0]
    for _ in range(4):     # the second call compiles it, then six calls warm up and six time parts
        assert [compiled.mm(*x).tobytes() for x in inputs] == expected
    # After the trial the runner's pool word holds the pool or its always-busy word, both
    # memory that is never freed (a word the trial owned was freed with it: a hang).
    export = compiled.functions["mm"]._host.compiled
    words = {export.ctx[word] for word in export.pool_words}
    pool = native_workers.pool()
    assert words in ({pool.memory}, {pool.always_busy})
    assert re.fullmatch(r"compiled whole, host code included, in \d+ ms, copies and zeroing in 2 parts on native "
                        r"workers; dispatches in (parts|one part) "
                        r"\(mm_dispatch_0\w* in 2; fastest \d+ us in parts, \d+ us in one\)",
                        compiled.jit_stats()["host_functions"]["mm"])
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda x: compiled.mm(*x).tobytes(), inputs * 8))
    assert got == expected * 8


@pytest.mark.skipif(not have_iree(), reason="iree-run-module not on PATH")
@pytest.mark.parametrize("size", [65536, 1 << 20])
def test_big_vmvx_dispatches_run_in_parts_on_the_native_workers(size, tmp_path):
    """A VMVX dispatch whose entry llvm_lower.py made runs in parts from the entry too,
    each part with its own tables, whatever it binds (12 MiB here): iree-run-module's
    bits from the workers, from one part while other work has them, and from several
    threads at once."""
    source = BIG_ADD.replace("65536", str(size))
    compiled, reference = _pair(source, DYNAMIC_VMVX, threads=2)
    rng = np.random.default_rng(14)
    inputs = [tuple(rng.standard_normal(size, dtype=np.float32) for _ in range(2)) for _ in range(3)]
    expected = [reference.add(*x).tobytes() for x in inputs]
    assert iree_call(compile_mlir(source, DYNAMIC_VMVX), "add", inputs[0], tmp_path).tobytes() == expected[0]
    for _ in range(5):     # compiled at the second call; six calls in parts, then the trial
        assert [compiled.add(*x).tobytes() for x in inputs] == expected
    assert re.fullmatch(r"compiled whole, host code included, in \d+ ms, copies and zeroing in 2 parts on native "
                        r"workers; dispatches in (parts|one part) \(add_dispatch_0\w* in 2; fastest \d+ us in "
                        r"parts, \d+ us in one\)", compiled.jit_stats()["host_functions"]["add"])
    export = compiled.functions["add"]._host.compiled
    busy = ctypes.c_int32.from_address(native_workers.pool().memory)
    busy.value = 1
    try:
        assert compiled.add(*inputs[0]).tobytes() == expected[0]
    finally:
        busy.value = 0
    assert [export.ctx[word] for word in export.pool_words] in ([native_workers.pool().memory],
                                                               [native_workers.pool().always_busy])
    with ThreadPoolExecutor(3) as pool:
        assert list(pool.map(lambda x: compiled.add(*x).tobytes(), inputs * 4)) == expected * 4


def test_dispatches_kept_in_one_part_point_the_runner_at_memory_never_freed():
    """An export whose trial keeps its dispatches in one part: its runner's pool word is
    the pool's always-busy word, which outlives the trial (a word the trial owned was
    freed with it, and a later call waited forever on whatever memory came next)."""
    compiled, reference = _pair(MATMUL, DYNAMIC_LLVM, threads=2)
    x = tuple(np.random.default_rng(12).standard_normal((256, 256), dtype=np.float32) for _ in range(2))
    for _ in range(2):     # compiled at the second call
        compiled.mm(*x)
    export = compiled.functions["mm"]._host.compiled
    export._trial._parts(False)
    export._trial = None
    gc.collect()
    assert [export.ctx[word] for word in export.pool_words] == [native_workers.pool().always_busy]
    assert compiled.mm(*x).tobytes() == reference.mm(*x).tobytes()


@pytest.mark.skipif(not have_iree(), reason="iree-run-module not on PATH")
def test_big_copies_and_zeroing_run_in_parts_or_on_one_thread_while_the_workers_are_busy(tmp_path):
    """An entry with PARALLEL_BYTES of argument copies and arenas to zero hands them to
    the native workers (memory_parts.py), or does them itself while other work has the
    workers: iree-run-module's bits either way, and the caller's arrays untouched."""
    compiled, reference = _pair(MATMUL, DYNAMIC_LLVM, threads=2)
    rng = np.random.default_rng(13)
    x = tuple(rng.standard_normal((256, 256), dtype=np.float32) for _ in range(2))
    kept = [a.copy() for a in x]
    expected = reference.mm(*x).tobytes()
    assert iree_call(compile_mlir(MATMUL, DYNAMIC_LLVM), "mm", x, tmp_path).tobytes() == expected
    for _ in range(2):     # compiled at the second call
        assert compiled.mm(*x).tobytes() == expected
    export = compiled.functions["mm"]._host.compiled
    assert memory_parts.part_address() in list(export.ctx)
    busy = ctypes.c_int32.from_address(native_workers.pool().memory)
    busy.value = 1
    try:
        assert compiled.mm(*x).tobytes() == expected
    finally:
        busy.value = 0
    assert compiled.mm(*x).tobytes() == expected
    assert all(a.tobytes() == b.tobytes() for a, b in zip(x, kept))


def test_small_exports_copy_and_zero_on_their_own_thread():
    compiled, _ = _pair(ADD, DYNAMIC_LLVM, threads=2)
    a = np.arange(4, dtype=np.float32)
    for _ in range(2):
        assert compiled.f(a, a).tolist() == [0, 2, 4, 6]
    assert memory_parts.part_address() not in list(compiled.functions["f"]._host.compiled.ctx)


def test_a_module_whose_native_code_faulted_refuses_compiled_calls_too():
    compiled, _ = _pair(ADD, DYNAMIC_LLVM)
    a = np.arange(4, dtype=np.float32)
    for _ in range(2):
        assert compiled.f(a, a).tolist() == [0, 2, 4, 6]
    assert compiled.jit_stats()["host_functions"]["f"].startswith(COMPILED)
    compiled._program.context.damaged_by = vmvxjit.NativeCodeFault("SIGSEGV in a test")
    with pytest.raises(vmvxjit.FailedPreconditionError, match="an earlier call's native code faulted"):
        compiled.f(a, a)


@pytest.mark.parametrize("flags", CONFIGS)
def test_a_call_whose_compiled_code_faults_runs_again_on_the_interpreters_path(flags, monkeypatch):
    """What the entry reports for a fault (a bounds check, an executable's error or
    signal): the call is made again the old way, whose result or error is the caller's."""
    from vmvxjit.host import entry_ir, host_function
    compiled, _ = _pair(ADD, flags)
    a = np.arange(4, dtype=np.float32)
    for _ in range(2):
        compiled.f(a, a)
    export = compiled.functions["f"]._host.compiled
    monkeypatch.setattr(export, "entry", lambda *args: entry_ir.FAULTED)
    assert compiled.f(a, a).tolist() == [0, 2, 4, 6]


@pytest.mark.parametrize("source, flags, line", [
    (ADD, STATIC, "export @f: compiled whole from its second library call with numpy arrays or third call with buffer views"),
    (DYNAMIC, STATIC, "export @neg: not compiled whole (argument 0 is not a tensor of static shape)"),
    (ADD, DYNAMIC_VMVX, "export @f: compiled whole from its second library call with numpy arrays or third call with buffer views"),
    (TWO, DATA_TILED_VMVX, f"export @two: not compiled whole ({PACKING} has ops the JIT cannot compile)"),
    (ADD.replace("4xf32", "131072xf32"), DYNAMIC_VMVX,
     "export @f: compiled whole from its second library call with numpy arrays or third call with buffer views"),
    (ADD.replace("4xf32", "131072xf32"), DYNAMIC_VMVX + ["--iree-vmvx-enable-microkernels"],
     "export @f: compiled whole with numpy arrays once the tier has compiled its VMVX entry functions"),
], ids=["static", "dynamic-shape", "dyn-vmvx", "dyn-vmvx-entry-not-compilable", "dyn-vmvx-big",
        "dyn-vmvx-big-microkernels"])
def test_trace_says_whether_an_export_is_compiled_whole(source, flags, line):
    inputs = {ADD: ["--input=4xf32=1 2 3 4"] * 2, DYNAMIC: ["--input=4xf32=1 2 3 4"],
              TWO: ["--input=8x16xf32=1", "--input=16x8xf32=2"]}.get(source, ["--input=131072xf32=1"] * 2)
    run = subprocess.run([sys.executable, "-m", "vmvxjit", "run", str(compile_mlir(source, flags)),
                          *inputs, "--trace"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and f"jit:   {line}\n" in run.stderr


@pytest.mark.parametrize("flags", CONFIGS[1:])
def test_arguments_are_copied_into_scratch_unless_only_vmvx_code_reads_them(flags):
    """Native libraries get copies of the arguments (they may write any binding), in a
    scratch arena of their own; VMVX entries that only read an argument get it as it
    is, read-only (HostPlan.read_only_arguments). The result keeps only the allocations'
    arena alive."""
    source = ADD.replace("4xf32", "32768xf32")
    compiled, reference = _pair(source, flags, threads=1)
    rng = np.random.default_rng(3)
    a, b = (rng.standard_normal(32768, dtype=np.float32) for _ in range(2))
    for _ in range(3):
        result = compiled.f(a, b)
        assert result.tobytes() == reference.f(a, b).tobytes()
    export = compiled.functions["f"]._host.compiled
    assert export.wrapped == (frozenset({0, 1}) if flags == DYNAMIC_VMVX else frozenset())
    assert (export.arenas.scratch_size > 2 * a.nbytes) == (flags == DYNAMIC_LLVM)
    assert result.base.nbytes < 2 * result.nbytes


def _off_line(array: np.ndarray) -> np.ndarray:
    """`array`'s copy 16 bytes past a cache line, where malloc puts numpy's arrays."""
    raw = np.empty(array.nbytes + 128, np.uint8)
    start = -raw.ctypes.data % 64 + 16
    placed = raw[start:start + array.nbytes].view(array.dtype).reshape(array.shape)
    placed[...] = array
    return placed


@pytest.mark.parametrize("flags", CONFIGS)
def test_arguments_read_in_place_are_read_from_a_cache_line(flags):
    """An argument code reads in place (up to buffer.ALIGNED_COPY_BYTES) that is not on
    a cache line reaches the entry as an aligned copy, as on the interpreter's path:
    vector loads that split lines cost a matmul 25%. Native libraries get copies made
    by the entry itself, aligned."""
    source = ADD.replace("4xf32", "32768xf32")
    compiled, reference = _pair(source, flags, threads=1)
    rng = np.random.default_rng(5)
    a, b = (_off_line(rng.standard_normal(32768, dtype=np.float32)) for _ in range(2))
    expected = reference.f(a, b).tobytes()
    for _ in range(2):
        compiled.f(a, b)
    export = compiled.functions["f"]._host.compiled
    realigned = [k for k, _, _ in export.aligned.arguments] if export.aligned else []
    assert realigned == ([0, 1] if flags != DYNAMIC_LLVM else [])
    seen, entry = [], export.entry
    export.entry = lambda *params: seen.extend(p.ctypes.data % 64 for p in params[:4]
                                               if isinstance(p, np.ndarray) and p.nbytes == a.nbytes) or entry(*params)
    assert compiled.f(a, b).tobytes() == expected
    assert seen[:2] == ([0, 0] if flags != DYNAMIC_LLVM else [16, 16])
    assert a.ctypes.data % 64 == 16 and reference.f(a, b).tobytes() == expected


def test_a_vmvx_export_that_writes_an_argument_gets_a_copy():
    """IREE writes the slice into the argument's own buffer: that one is copied."""
    compiled, reference = _pair(UPDATED_IN_PLACE, DYNAMIC_VMVX, threads=1)
    a, s = np.ones(65536, np.float32), np.arange(16, dtype=np.float32)
    for _ in range(3):
        assert compiled.both(a, s).tobytes() == reference.both(a, s).tobytes()
    assert compiled.functions["both"]._host.compiled.wrapped == frozenset({1})
    assert a.tobytes() == np.ones(65536, np.float32).tobytes()


def _chunking(threads: int, monkeypatch) -> None:
    """Every call of an export compiled whole is long enough to ask for its entry with the
    loops in chunks, and every loop that qualifies does."""
    monkeypatch.setattr(host_function, "CHUNKS_ABOVE_S", 0.0)
    split_dispatches(threads, monkeypatch)


def _calls(count: int, check) -> None:
    """`check(k)` for the k-th of `count` calls; from the fourth, the compile the second
    call asked for is done (the third's takes it over, the fourth decides its loops)."""
    for k in range(count):
        if k == 3:
            background.wait_idle()
        check(k)


def _rows_matmul(threads: int, monkeypatch, calls: int = 5):
    """ROWS_MATMUL compiled whole on `threads` (_chunking); its results checked each call."""
    _chunking(threads, monkeypatch)
    compiled, reference = _pair(ROWS_MATMUL, STATIC, threads=threads)
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((64, 48), dtype=np.float32), rng.standard_normal((48, 80), dtype=np.float32)
    expected = reference.matmul(a, b).tobytes()

    def check(k):
        assert compiled.matmul(a, b).tobytes() == expected, f"call {k}"
    _calls(calls, check)
    return compiled, (a, b), expected


@pytest.mark.parametrize("threads", [1, 2])
def test_long_calls_bring_an_entry_that_runs_the_loops_in_chunks(threads, monkeypatch):
    """With threads, a call of CHUNKS_ABOVE_S (here any) queues the compile of an entry
    that runs the matmul's row loop in chunks (host_chunks.py); it takes over, checks the
    loop on the first call's registers, and runs it in chunks while the registers are
    those: same bits on every call, none but the first through the interpreter's path."""
    monkeypatch.setattr(host_function, "TRIAL_WARMUP", 1000)     # no trial: chunks every call
    compiled, _, _ = _rows_matmul(threads, monkeypatch, calls=8)
    route = compiled.functions["matmul"]._host
    stats = compiled.jit_stats()
    assert sum(run["runs"] for run in stats["parallel_loops"].values()) <= 1
    if threads == 1:
        assert route.chunked is None and route.compiled.loops is None
        return
    loops = route.compiled.loops
    (loop,) = loops.loops
    assert route.compiled.ctx[loop.state] == host_chunks.GUARDED
    guard = list(route.compiled.ctx)[loop.guard:loop.guard + len(loop.checked)]
    assert guard == list(route.compiled.ctx)[loop.seen:loop.seen + len(loop.checked)]
    assert route.compiled.ctx[loops.base + host_chunks.POOL_WORD] == loops.pool.memory
    assert "loops in chunks on native workers" in stats["host_functions"]["matmul"]


@pytest.mark.skipif(not have_iree(), reason="iree-run-module not on PATH")
def test_loops_in_chunks_have_their_big_results_zeroed_in_parts_by_the_entry(monkeypatch, tmp_path):
    """With its loops in chunks, the entry zeroes a result of 256 KiB or more itself, in
    as many parts on the native workers (each core then holds the rows its chunk
    writes): the pool hands it over as it is, used before, and the bits stay the
    interpreter's and iree-run-module's."""
    monkeypatch.setattr(host_function, "TRIAL_WARMUP", 1000)     # no trial: chunks every call
    _chunking(2, monkeypatch)
    source = ROWS_MATMUL.replace("64x48", "256x48").replace("48x80", "48x256").replace("64x80", "256x256")
    compiled, reference = _pair(source, STATIC, threads=2)
    rng = np.random.default_rng(9)
    a, b = rng.standard_normal((256, 48), dtype=np.float32), rng.standard_normal((48, 256), dtype=np.float32)
    expected = reference.matmul(a, b).tobytes()
    _calls(5, lambda k: compiled.matmul(a, b).tobytes() == expected or pytest.fail(f"call {k}"))
    export = compiled.functions["matmul"]._host.compiled
    assert export.loops is not None and export.zeroed == (0,)
    result = compiled.matmul(a, b)
    result[...] = np.nan
    address = result.ctypes.data
    del result
    again = compiled.matmul(a, b)
    assert again.ctypes.data == address and again.tobytes() == expected
    assert iree_call(compile_mlir(source, STATIC), "matmul", (a, b), tmp_path).tobytes() == expected
    assert sum(run["runs"] for run in compiled.jit_stats()["parallel_loops"].values()) <= 1



@pytest.mark.skipif(not have_iree(), reason="iree-run-module not on PATH")
def test_a_conv_and_its_fill_run_in_chunks_on_a_result_the_entry_zeroed_in_parts(monkeypatch, tmp_path):
    """A conv whose fill loop has too little work of its own: it runs in chunks beside the
    conv loop it leaves into (parallel_loops._with_enough_work), and the entry zeroes the
    57.6 KiB result itself, in parts, from memory handed over as it is (here poisoned with
    0xFF bytes): the bits stay the interpreter's and iree-run-module's."""
    monkeypatch.setattr(host_function, "TRIAL_WARMUP", 1000)     # no trial: chunks every call
    _chunking(2, monkeypatch)
    monkeypatch.setattr(switches, "PARALLEL_MIN_WORK", DEFAULT_MIN_WORK)     # _chunking's is 0
    empty = np.empty

    def poisoned(shape, dtype=float):
        array = empty(shape, dtype)
        array.view(np.uint8)[...] = 0xFF
        return array

    monkeypatch.setattr(host_function.np, "empty", poisoned)
    compiled, reference = _pair(CONV_32X32X16, STATIC, threads=2)
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((1, 32, 32, 16), dtype=np.float32), rng.standard_normal((3, 3, 16, 16), dtype=np.float32)
    expected = reference.conv(x, w).tobytes()
    _calls(6, lambda k: compiled.conv(x, w).tobytes() == expected or pytest.fail(f"call {k}"))
    export = compiled.functions["conv"]._host.compiled
    assert len(export.loops.loops) == 2 and export.zeroed == (0,)
    assert [export.ctx[h.state] for h in export.loops.loops] == [host_chunks.GUARDED] * 2
    assert iree_call(compile_mlir(CONV_32X32X16, STATIC), "conv", (x, w), tmp_path).tobytes() == expected

def test_calls_from_several_threads_share_the_workers_for_loops_in_chunks(monkeypatch):
    """Eight Python threads call an export whose entry runs its loop in chunks: one call at
    a time has the workers, the others run the loop whole; every result has its bits."""
    monkeypatch.setattr(host_function, "TRIAL_WARMUP", 1 << 30)
    compiled, _, _ = _rows_matmul(2, monkeypatch)
    assert compiled.functions["matmul"]._host.compiled.loops is not None
    reference = vmvxjit.load(compile_mlir(ROWS_MATMUL, STATIC), tier="jit", threads=1, host_functions=False)
    rng = np.random.default_rng(9)
    inputs = [(rng.standard_normal((64, 48), dtype=np.float32), rng.standard_normal((48, 80), dtype=np.float32))
              for _ in range(16)]
    expected = [reference.matmul(*x).tobytes() for x in inputs]
    with ThreadPoolExecutor(8) as pool:
        for _ in range(3):
            assert list(pool.map(lambda x: compiled.matmul(*x).tobytes(), inputs * 4)) == expected * 4


def test_chunks_give_way_to_one_thread_where_the_workers_are_busy_or_the_registers_differ(monkeypatch):
    """Another call holding the workers, or registers other than the guard's: the loop runs
    whole on this thread, same bits."""
    monkeypatch.setattr(host_function, "TRIAL_WARMUP", 1000)
    compiled, args, expected = _rows_matmul(2, monkeypatch)
    export = compiled.functions["matmul"]._host.compiled
    (loop,) = export.loops.loops
    busy = ctypes.c_int32.from_address(export.loops.pool.memory)
    busy.value = 1
    try:
        assert compiled.matmul(*args).tobytes() == expected
    finally:
        busy.value = 0
    export.ctx[loop.guard + 1] += 1       # a bound no call has
    assert compiled.matmul(*args).tobytes() == expected


def test_a_loop_the_check_refuses_runs_on_one_thread(monkeypatch):
    monkeypatch.setattr(parallel_run.LoopRunner, "independent", lambda self, *args: False)
    compiled, args, expected = _rows_matmul(2, monkeypatch)
    export = compiled.functions["matmul"]._host.compiled
    assert export.ctx[export.loops.loops[0].state] == host_chunks.SERIAL
    assert export.ctx[export.loops.mode_word] == 0 and export._trial is None
    assert compiled.matmul(*args).tobytes() == expected


def _timed_trial(monkeypatch, retry_after: int, before_run):
    """The rows matmul on two threads with no warm-up before its trial, RETRY_AFTER
    `retry_after`, and `before_run(in chunks)` called before each run of its entry."""
    monkeypatch.setattr(host_function, "TRIAL_WARMUP", 0)
    monkeypatch.setattr(host_function, "RETRY_AFTER", retry_after)
    compiled, args, expected = _rows_matmul(2, monkeypatch)
    export = compiled.functions["matmul"]._host.compiled
    run = export.run
    monkeypatch.setattr(export, "run", lambda call_args: before_run(
        export.ctx[export.loops.base + host_chunks.POOL_WORD] == export.loops.pool.memory) or run(call_args))
    return compiled, export, args, expected


def test_a_trial_keeps_chunks_only_where_they_win(monkeypatch):
    """TRIAL_CALLS after the warm-up: chunks first, then one thread; --trace's text says
    which stayed. Here each call in chunks waits 20 ms, so one thread stays, until a
    trial RETRY_AFTER calls later, then four times as many after that one's loss."""
    in_chunks = []
    compiled, export, args, expected = _timed_trial(monkeypatch, 3, lambda chunked: (
        in_chunks.append(chunked) or (time.sleep(0.02) if chunked else None)))
    pool = export.loops.pool
    for _ in range(host_function.TRIAL_CALLS + 1):
        assert compiled.matmul(*args).tobytes() == expected
    assert export.ctx[export.loops.base + host_chunks.POOL_WORD] == pool.always_busy
    assert "loops on one thread (loop at" in compiled.jit_stats()["host_functions"]["matmul"]
    trial = export._trial
    waiting = trial.waiting
    assert 0 < waiting <= 3 and trial.retry_after == 12
    del in_chunks[:]
    for _ in range(waiting + host_function.TRIAL_CALLS):
        assert compiled.matmul(*args).tobytes() == expected
    half = host_function.TRIAL_CALLS // 2
    assert in_chunks == [False] * waiting + [True] * half + [False] * half
    assert (trial.waiting, trial.retry_after) == (12, 48)


def test_a_trial_retried_after_a_loss_keeps_chunks_that_win(monkeypatch):
    """A trial lost to a noisy moment (here: calls in chunks made to wait) is tried again
    RETRY_AFTER calls later; chunks that win it stay, and no trial follows."""
    noisy = [True]
    compiled, export, args, expected = _timed_trial(monkeypatch, 2, lambda chunked: time.sleep(
        (0.02 if noisy[0] else 0) if chunked else 0.005))
    pool = export.loops.pool
    for _ in range(host_function.TRIAL_CALLS + 1):
        assert compiled.matmul(*args).tobytes() == expected
    waiting = export._trial.waiting
    assert 0 < waiting <= 2
    noisy[0] = False
    for _ in range(waiting + host_function.TRIAL_CALLS):
        assert compiled.matmul(*args).tobytes() == expected
    assert export._trial is None
    assert export.ctx[export.loops.base + host_chunks.POOL_WORD] == pool.memory
    assert "loops in chunks (loop at" in compiled.jit_stats()["host_functions"]["matmul"]


DIVIDE = """
func.func @divide(%a: tensor<64x64xi32>, %b: tensor<64x64xi32>) -> tensor<64x64xi32> {
  %0 = arith.divsi %a, %b : tensor<64x64xi32>
  return %0 : tensor<64x64xi32>
}
"""


CONV = conv_mlir(18, 8, 16)
ROWS_SOFTMAX = """
func.func @softmax(%a: tensor<32x256xf32>) -> tensor<32x256xf32> {
  %e = tensor.empty() : tensor<32x256xf32>
  %s = linalg.softmax dimension(1) ins(%a : tensor<32x256xf32>) outs(%e : tensor<32x256xf32>) -> tensor<32x256xf32>
  return %s : tensor<32x256xf32>
}
"""


@pytest.mark.parametrize("source, name, shapes", [
    (ROWS_MATMUL, "matmul", [(64, 48), (48, 80)]), (CONV, "conv", [(1, 18, 18, 8), (3, 3, 8, 16)]),
    (ROWS_SOFTMAX, "softmax", [(32, 256)]), (TWO, "two", [(8, 16), (16, 8)])],
    ids=["matmul", "conv2d", "softmax", "matmul-and-softmax"])
def test_loops_in_chunks_from_the_entry_keep_the_interpreters_bits(source, name, shapes, monkeypatch, tmp_path):
    """Exports compiled whole whose loops run in chunks from their entry (every call, no
    trial), on new inputs each call: the interpreter's bits, and iree-run-module's on
    the last call. The conv's fill loop exits into the conv loop's header: the entry goes
    on at that loop's handoff, so both are checked and run in chunks (entering the region
    at the header ran the conv loop inside it, never checked)."""
    _chunking(2, monkeypatch)
    monkeypatch.setattr(host_function, "TRIAL_WARMUP", 1000)
    compiled = vmvxjit.load(compile_mlir(source, STATIC), tier="jit", threads=2)
    interp = vmvxjit.load(compile_mlir(source, STATIC), tier="interp")
    rng = np.random.default_rng(11)
    calls = []

    def check(k):
        args = [rng.standard_normal(shape, dtype=np.float32) for shape in shapes]
        got, expected = getattr(compiled, name)(*args), getattr(interp, name)(*args)
        got, expected = (got, expected) if isinstance(got, tuple) else ((got,), (expected,))
        assert [r.tobytes() for r in got] == [r.tobytes() for r in expected]
        calls.append((args, got))
    _calls(7, check)
    export = compiled.functions[name]._host.compiled
    assert export.loops is not None or name == "two"
    if name == "conv":
        assert [export.ctx[h.state] for h in export.loops.loops] == [host_chunks.GUARDED] * 2
    args, got = calls[-1]
    if have_iree() and len(got) == 1:
        assert iree_call(compile_mlir(source, STATIC), name, args, tmp_path).tobytes() == got[0].tobytes()


def test_a_fault_in_a_chunk_raises_the_serial_runs_error(monkeypatch):
    """A division by zero in the last chunk's rows: the call goes again on the
    interpreter's path, which raises the serial run's error; then calls go on in chunks."""
    _chunking(2, monkeypatch)
    monkeypatch.setattr(host_function, "TRIAL_WARMUP", 1000)
    compiled, reference = _pair(DIVIDE, STATIC, threads=2)
    a = np.arange(64 * 64, dtype=np.int32).reshape(64, 64)
    b = np.full((64, 64), 3, np.int32)
    expected = reference.divide(a, b).tobytes()

    def check(k):
        assert compiled.divide(a, b).tobytes() == expected, f"call {k}"
    _calls(5, check)
    export = compiled.functions["divide"]._host.compiled
    assert all(export.ctx[loop.state] == host_chunks.GUARDED for loop in export.loops.loops)
    zero = b.copy()
    zero[60, 7] = 0
    with pytest.raises(vmvxjit.Error) as raised:
        reference.divide(a, zero)
    with pytest.raises(type(raised.value), match=re.escape(str(raised.value))):
        compiled.divide(a, zero)
    assert compiled.divide(a, b).tobytes() == expected


def test_where_the_entry_cannot_run_the_loops_in_chunks_long_calls_take_the_interpreters_path(monkeypatch):
    """No entry with the loops in chunks (here refused): a call of HAND_OVER_S (here any)
    sends the next ones to the interpreter's path, whose regions run the rows in chunks."""
    monkeypatch.setattr(host_function, "HAND_OVER_S", 0.0)
    monkeypatch.setattr(host_function, "_chunked_export", lambda *args: None)
    compiled, _, _ = _rows_matmul(2, monkeypatch, calls=6)
    stats = compiled.jit_stats()
    assert "calls take the interpreter's path" in stats["host_functions"]["matmul"]
    assert stats["parallel_loops"]
