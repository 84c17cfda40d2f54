"""The library API: numpy in, numpy out, declarations checked, errors are vmvxjit.Error."""

import concurrent.futures
import pickle

import numpy as np
import pytest

import vmvxjit
from tests.support.modules import CONFIGS, DYNAMIC_LLVM, FULL_HAL, STATIC, compile_mlir
from tests.support.placed import placed_at
from vmvxjit.hal_inline.memory_pool import MemoryPool

MULTI = """
func.func @f(%a: tensor<?x4xf32>, %b: i32, %c: tensor<i64>) -> (tensor<?x4xf32>, i32, tensor<i64>) {
  %two = arith.constant 2 : i32
  %b2 = arith.muli %b, %two : i32
  return %a, %b2, %c : tensor<?x4xf32>, i32, tensor<i64>
}
"""
MATMUL = """
func.func @mm(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>) -> tensor<8x4xf32> {
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x4xf32>
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<8x4xf32>) -> tensor<8x4xf32>
  %r = linalg.matmul ins(%a, %b : tensor<8x16xf32>, tensor<16x4xf32>)
                     outs(%z : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %r : tensor<8x4xf32>
}
"""


@pytest.fixture(scope="module")
def multi():
    return vmvxjit.load(compile_mlir(MULTI, STATIC))


def test_functions_and_declarations(multi):
    assert list(multi.functions) == ["f"]
    assert "tensor<?x4xf32>" in repr(multi.f)


def test_call_returns_arrays_and_scalars(multi):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    out, b, c = multi.f(a, 21, np.array(5, np.int64))
    np.testing.assert_array_equal(out, a)
    assert b == 42 and c.shape == () and c == 5
    assert multi["f"](a, 1, 7)[2] == 7


@pytest.mark.parametrize("args, message", [
    ((np.ones((3, 5), np.float32), 1, 5), "has shape (3, 5)"),
    ((np.ones((3, 4), np.int32), 1, 5), "element type int32"),
    ((np.ones((3, 4), np.float32), "x", 5), "must be a scalar"),
    ((np.ones((3, 4), np.float32), 1), "expects 3 arguments"),
])
def test_bad_arguments_name_the_argument(multi, args, message):
    with pytest.raises(vmvxjit.InvalidArgumentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        multi.f(*args)


@pytest.mark.parametrize("value, shown", [
    ("abcd", "str 'abcd'"), (b"abcd", "bytes b'abcd'"),
    ([["1", "x", "3", "4"]], "list [['1', 'x', '3', '4']]"),
    ([[1, 2, 3, 4], [5]], "list [[1, 2, 3, 4], [5]]"),
    ({"a": 1}, "dict {'a': 1}"), ("x" * 60, "str '" + "x" * 36 + "..."),
], ids=["str", "bytes", "text-elements", "ragged", "dict", "long"])
def test_a_value_that_is_no_array_names_the_argument(multi, value, shown):
    with pytest.raises(vmvxjit.InvalidArgumentError) as info:
        multi.f(value, 1, 5)
    assert str(info.value) == (
        "INVALID_ARGUMENT; f: argument 0 (%input0: tensor<?x4xf32>) must be a numpy array or "
        f"a nested sequence of numbers, got {shown}")


def test_an_untyped_argument_names_the_argument_too():
    convert = vmvxjit.api._converter("g", 2, "r", None, MemoryPool(native_code=False), lambda: False)
    with pytest.raises(vmvxjit.InvalidArgumentError) as info:
        convert(np.array(["abcd"]))
    assert str(info.value) == ("INVALID_ARGUMENT; g: argument 2 has element type <U4, "
                               "which no buffer view can hold")
    with pytest.raises(vmvxjit.InvalidArgumentError) as info:
        convert("abcd")
    assert str(info.value).startswith("INVALID_ARGUMENT; g: argument 2 must be a numpy array")


def test_load_from_bytes_and_unknown_function(multi):
    data = compile_mlir(MULTI, STATIC).read_bytes()
    module = vmvxjit.load(data)
    for lookup, python_error in [(lambda: module["nope"], KeyError),
                                 (lambda: module.nope, AttributeError)]:
        with pytest.raises(vmvxjit.NotFoundError) as info:
            lookup()
        assert isinstance(info.value, python_error)
        assert str(info.value) == ("NOT_FOUND; function 'nope' not found in module 'module'; "
                                   "its exported functions are: f")
    assert not hasattr(module, "nope") and hasattr(module, "f")


def test_malformed_bytes_raise_vmvxjit_error():
    with pytest.raises(vmvxjit.Error):
        vmvxjit.load(b"not a module at all, not even close")


@pytest.mark.parametrize("flags", [STATIC, DYNAMIC_LLVM], ids=["static", "dyn-llvm"])
def test_tiers_agree_bit_for_bit(flags):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((8, 16), np.float32)
    b = rng.standard_normal((16, 4), np.float32)
    path = compile_mlir(MATMUL, flags)
    results = [vmvxjit.load(path, tier=tier).mm(a, b) for tier in ("interp", "jit")]
    assert results[0].tobytes() == results[1].tobytes()
    np.testing.assert_allclose(results[0], a @ b, rtol=1e-5, atol=1e-5)


def test_unknown_option_is_an_error():
    with pytest.raises(vmvxjit.InvalidArgumentError) as info:
        vmvxjit.load(compile_mlir(MULTI, STATIC), tire="jit")
    assert str(info.value) == ("INVALID_ARGUMENT; unknown option 'tire'; "
                               "valid options are tier, trace_stream, max_allocation, threads, deadline, "
                               "host_functions")


def test_full_hal_module_says_how_to_recompile():
    with pytest.raises(vmvxjit.NotFoundError) as info:
        vmvxjit.load(compile_mlir(MATMUL, FULL_HAL))
    assert str(info.value) == (
        "NOT_FOUND; required module 'hal' is not provided by vmvxjit: the module was compiled "
        "for IREE's full HAL (iree-compile without --iree-execution-model); vmvxjit runs inline "
        "modules: recompile with --iree-execution-model=inline-static "
        "--iree-hal-target-backends=vmvx-inline, or --iree-execution-model=inline-dynamic with "
        "--iree-hal-target-backends=llvm-cpu or vmvx")


def test_unknown_tier_is_an_error():
    with pytest.raises(vmvxjit.InvalidArgumentError, match="unknown tier"):
        vmvxjit.load(compile_mlir(MULTI, STATIC), tier="fast")


@pytest.mark.parametrize("flags", [STATIC, DYNAMIC_LLVM], ids=["static", "dyn-llvm"])
def test_arguments_are_copies_whatever_their_layout(flags):
    """Small dense arrays of the declared type take the one-copy path; strided,
    big-endian and list arguments the general one. All give the same result, and
    the caller's arrays are never the program's buffers."""
    rng = np.random.default_rng(2)
    a = rng.standard_normal((8, 16), np.float32)
    b = rng.standard_normal((16, 4), np.float32)
    module = vmvxjit.load(compile_mlir(MATMUL, flags))
    expected = module.mm(a, b)
    strided = np.zeros((8, 32), np.float32)
    strided[:, ::2] = a
    for args in [(strided[:, ::2], b), (a.astype(">f4"), b), (a.tolist(), b)]:
        assert module.mm(*args).tobytes() == expected.tobytes()
    result = module.mm(a, b)
    assert not np.shares_memory(result, a) and not np.shares_memory(result, b)
    a_before = a.copy()
    result[:] = 0
    assert a.tobytes() == a_before.tobytes()


def _call(module, name, *args):
    return module[name](*args)


def test_a_module_pickles_by_reloading():
    module = vmvxjit.load(compile_mlir(MATMUL, STATIC), tier="interp")
    copy = pickle.loads(pickle.dumps(module))
    assert copy is not module and copy._options == {"tier": "interp"}
    a = np.ones((8, 16), np.float32)
    assert copy.mm(a, a.T[:, :4].copy()).tobytes() == module.mm(a, a.T[:, :4].copy()).tobytes()


def test_a_module_runs_in_a_process_pool():
    rng = np.random.default_rng(3)
    module = vmvxjit.load(compile_mlir(MATMUL, STATIC))
    pairs = [(rng.standard_normal((8, 16), np.float32), rng.standard_normal((16, 4), np.float32))
             for _ in range(4)]
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_call, [module] * 4, ["mm"] * 4, *zip(*pairs)))
    for (a, b), result in zip(pairs, results):
        assert result.tobytes() == module.mm(a, b).tobytes()


STATEFUL = """
util.global private mutable @state = dense<0.0> : tensor<4xf32>
func.func @step(%x: tensor<4xf32>) -> tensor<4xf32> {
  %s = util.global.load @state : tensor<4xf32>
  %n = arith.addf %s, %x : tensor<4xf32>
  util.global.store %n, @state : tensor<4xf32>
  return %n : tensor<4xf32>
}
func.func @get() -> tensor<4xf32> {
  %s = util.global.load @state : tensor<4xf32>
  return %s : tensor<4xf32>
}
"""


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_results_own_their_memory(config):
    """A result that is a global's buffer comes back as a copy: writing to it leaves the
    module's state alone, and a later call does not change it."""
    m = vmvxjit.load(compile_mlir(STATEFUL, CONFIGS[config]))
    first = m.step(np.ones(4, np.float32))
    first[:] = 5
    assert m.get().tolist() == [1, 1, 1, 1]
    second = m.step(np.ones(4, np.float32))
    assert first.tolist() == [5, 5, 5, 5] and second.tolist() == [2, 2, 2, 2]


FILL = """
func.func @fill(%n: index) -> tensor<?xf32> {
  %c = arith.constant 1.0 : f32
  %e = tensor.empty(%n) : tensor<?xf32>
  %f = linalg.fill ins(%c : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  return %f : tensor<?xf32>
}
"""


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_max_allocation_caps_the_live_buffers_of_a_module(config):
    """An allocation past the cap is RESOURCE_EXHAUSTED before memory is touched, saying
    what was asked, the cap and how to raise it; buffers count while they are alive."""
    m = vmvxjit.load(compile_mlir(FILL, CONFIGS[config]), max_allocation="1M")
    with pytest.raises(vmvxjit.ResourceExhaustedError) as info:
        m.fill(10**9)
    message = str(info.value)
    assert message.startswith("RESOURCE_EXHAUSTED; allocating 4000000000 bytes for a hal_inline "
                              "buffer would exceed the allocation cap of 1048576 bytes (")
    assert "cap set by max_allocation); raise it with vmvxjit.load(..., max_allocation=N)" in message
    held = m.fill(200_000)       # 800 kB under the 1 MiB cap
    assert held.sum() == 200_000
    with pytest.raises(vmvxjit.ResourceExhaustedError, match="bytes already live"):
        m.fill(200_000)
    del held
    assert m.fill(200_000).sum() == 200_000


def test_max_allocation_from_the_environment(monkeypatch):
    monkeypatch.setenv("VMVXJIT_MAX_ALLOCATION", "64K")
    m = vmvxjit.load(compile_mlir(FILL, STATIC))
    assert m.fill(1000).sum() == 1000
    with pytest.raises(vmvxjit.ResourceExhaustedError, match=r"cap of 65536 bytes .*VMVXJIT_MAX_ALLOCATION\)"):
        m.fill(100_000)
    assert vmvxjit.load(compile_mlir(FILL, STATIC), max_allocation="1M").fill(100_000).sum() == 100_000


def test_arguments_and_executable_images_are_charged_too():
    with pytest.raises(vmvxjit.ResourceExhaustedError,
                       match=r"allocating 512 bytes for mm: argument 0 \(%input0: tensor<8x16xf32>\)"):
        vmvxjit.load(compile_mlir(MATMUL, STATIC), max_allocation=256).mm(
            np.ones((8, 16), np.float32), np.ones((16, 4), np.float32))
    with pytest.raises(vmvxjit.ResourceExhaustedError, match="bytes for an embedded ELF image"):
        vmvxjit.load(compile_mlir(MATMUL, DYNAMIC_LLVM), max_allocation=1024)


def test_a_pickled_module_keeps_its_allocation_cap():
    module = vmvxjit.load(compile_mlir(FILL, STATIC), max_allocation="64K")
    copy = pickle.loads(pickle.dumps(module))
    assert copy._options == {"max_allocation": "64K"}
    with pytest.raises(vmvxjit.ResourceExhaustedError, match="cap of 65536 bytes"):
        copy.fill(100_000)


def test_a_pickled_module_keeps_its_deadline():
    from tests.vm.test_deadline import PROGRAM, VM_FLAGS

    module = vmvxjit.load(compile_mlir(PROGRAM.read_text(), VM_FLAGS), deadline=0.2, tier="interp")
    copy = pickle.loads(pickle.dumps(module))
    assert copy._options == {"deadline": 0.2, "tier": "interp"}
    with pytest.raises(vmvxjit.DeadlineExceededError, match="deadline of 0.2 s"):
        copy.spin(1)


def test_a_bad_max_allocation_is_an_error():
    with pytest.raises(vmvxjit.InvalidArgumentError, match="max_allocation='lots' is not a size"):
        vmvxjit.load(compile_mlir(FILL, STATIC), max_allocation="lots")


def test_threads_split_native_dispatches_and_keep_the_bits(monkeypatch):
    from vmvxjit.native import native_workers
    monkeypatch.setattr(native_workers, "PARALLEL_ABOVE_S", 0.0)
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((256, 128), dtype=np.float32), rng.standard_normal((128, 64), dtype=np.float32)
    big = MATMUL.replace("8x16", "256x128").replace("16x4", "128x64").replace("8x4", "256x64")
    path = compile_mlir(big, DYNAMIC_LLVM)
    modules = [vmvxjit.load(path, threads=threads) for threads in (1, 2, 4)]
    results = [module.mm(a, b) for module in modules]
    # its 8 workgroups ran in 1, 2 and 4 parts
    assert modules[0].jit_stats()["parallel_dispatches"] == {}
    assert [*modules[1].jit_stats()["parallel_dispatches"].values()] == [{"runs": 1, "threads": 2}]
    assert [*modules[2].jit_stats()["parallel_dispatches"].values()] == [{"runs": 1, "threads": 4}]
    assert results[0].tobytes() == results[1].tobytes() == results[2].tobytes()
    np.testing.assert_allclose(results[0], a @ b, rtol=1e-5, atol=1e-5)


def test_threads_must_be_a_whole_number(monkeypatch):
    with pytest.raises(vmvxjit.InvalidArgumentError, match="threads must be a whole number ≥ 1, not 0"):
        vmvxjit.load(compile_mlir(MATMUL, DYNAMIC_LLVM), threads=0)
    monkeypatch.setenv("VMVXJIT_THREADS", "many")
    with pytest.raises(vmvxjit.InvalidArgumentError, match="not 'many'"):
        vmvxjit.load(compile_mlir(MATMUL, STATIC))


BIG_ADD = """
func.func @add(%a: tensor<65536xf32>, %b: tensor<65536xf32>) -> tensor<65536xf32> {
  %0 = arith.addf %a, %b : tensor<65536xf32>
  return %0 : tensor<65536xf32>
}
"""


def _big_inputs(seed: int) -> tuple:
    """Two 256 KiB arrays on cache lines (a misaligned one that size is copied)."""
    rng = np.random.default_rng(seed)
    return tuple(placed_at(rng.standard_normal(65536, np.float32), 0) for _ in range(2))


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_big_arguments_are_wrapped_only_where_nothing_can_write_them(config):
    """A big dense argument the function only reads is its caller's memory, read-only (a
    write would fault instead of changing the caller's array): in programs without
    executables, and where only VMVX executables bind it at bindings they never write;
    a native library may write any binding, so there it is a copy."""
    module = vmvxjit.load(compile_mlir(BIG_ADD, CONFIGS[config]))
    a, b = _big_inputs(4)
    view = module.add._converters[0](a)
    assert np.shares_memory(view.buffer.data(), a) == (config != "dynamic_llvm")
    assert view.buffer.storage().mutable == (config == "dynamic_llvm")
    before = a.copy()
    assert module.add(a, b).tobytes() == (a + b).tobytes()
    assert a.tobytes() == before.tobytes()


# IREE 3.13 writes the slice into %a's own buffer (inline-dynamic: a dispatch binds it
# and writes it in place), then reads it into a new result: a program may write an
# argument its declaration does not mark `iree.abi.consume`.
UPDATED_IN_PLACE = """
func.func @both(%a: tensor<65536xf32>, %s: tensor<16xf32>) -> tensor<65536xf32> {
  %e = tensor.empty() : tensor<16xf32>
  %d = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]} ins(%s : tensor<16xf32>) outs(%e : tensor<16xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %x : f32
    linalg.yield %y : f32
  } -> tensor<16xf32>
  %0 = tensor.insert_slice %d into %a[1024] [16] [1] : tensor<16xf32> into tensor<65536xf32>
  %e2 = tensor.empty() : tensor<65536xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]} ins(%0 : tensor<65536xf32>) outs(%e2 : tensor<65536xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.addf %x, %x : f32
    linalg.yield %y : f32
  } -> tensor<65536xf32>
  return %r : tensor<65536xf32>
}
"""


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_an_argument_the_program_updates_in_place_is_left_alone(config):
    """The caller's array is never what the program writes, on either route (the
    export is compiled whole from its second call)."""
    module = vmvxjit.load(compile_mlir(UPDATED_IN_PLACE, CONFIGS[config]))
    a, _ = _big_inputs(8)
    s = np.arange(16, dtype=np.float32)
    before = a.copy()
    expected = before.copy()
    expected[1024:1040] = s * s
    for _ in range(3):
        assert module.both(a, s).tobytes() == (expected + expected).tobytes()
        assert a.tobytes() == before.tobytes()


@pytest.mark.parametrize("offset", [4, 16])
def test_an_argument_off_a_cache_line_is_copied_up_to_a_mebibyte(offset):
    """Misaligned (4) it is always copied; on 16 bytes, wrapped only past 1 MiB, where a
    copy costs more than unaligned loads."""
    a, b = _big_inputs(5)
    module = vmvxjit.load(compile_mlir(BIG_ADD, STATIC))
    shifted = placed_at(a, offset)
    assert not np.shares_memory(module.add._converters[0](shifted).buffer.data(), shifted)
    assert module.add(shifted, b).tobytes() == (a + b).tobytes()
    big = vmvxjit.load(compile_mlir(BIG_ADD.replace("65536", "524288"), STATIC))
    large = placed_at(np.ones(524288, np.float32), offset)
    assert np.shares_memory(big.add._converters[0](large).buffer.data(), large) == (offset == 16)


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_small_results_of_modules_with_native_code_are_arrays_of_their_own(config):
    """Memory native code may touch is a guarded mapping the pool keeps (a process has
    at most ~65,000 mappings): a small result comes back as an array of its own, and
    its buffer goes back to the pool at once."""
    module = vmvxjit.load(compile_mlir(BIG_ADD.replace("65536", "16"), CONFIGS[config]),
                          host_functions=False)
    a = np.arange(16, dtype=np.float32)
    kept = [module.add(a, np.full(16, k, np.float32)) for k in range(3)]
    assert [r.tolist() for r in kept] == [(a + k).tolist() for k in range(3)]
    native = module._program.native_code
    assert native == (config != "static")
    assert all(r.base is None for r in kept) == native      # static results are views of numpy's memory
    assert (module._program.memory.idle() > 0) == native


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_big_results_own_their_memory_and_come_back_to_the_pool(config):
    """A result the caller keeps is never reused by a later call; results the caller
    dropped are: a loop of calls takes no new memory."""
    module = vmvxjit.load(compile_mlir(BIG_ADD, CONFIGS[config]))
    a, b = _big_inputs(6)
    first = module.add(a, b)
    second = module.add(b, b)
    assert not np.shares_memory(first, second)
    assert first.tobytes() == (a + b).tobytes() and second.tobytes() == (b + b).tobytes()
    first[:] = 0
    assert module.add(a, b).tobytes() == (a + b).tobytes() and not first.any()
    del first, second
    pool = module._program.memory
    idle = pool.idle()
    for _ in range(6):
        module.add(a, b)
    assert idle > 0 and pool.idle() == idle


def test_warm_numpy_calls_run_compiled_code():
    """In the default tier, a warm call with numpy arguments (wrapped, read-only)
    runs the add's loop as compiled code, not as Python (on the interpreter's path:
    compiled whole, the export does not enter its regions)."""
    module = vmvxjit.load(compile_mlir(BIG_ADD, STATIC), tier="auto", host_functions=False)
    a, b = _big_inputs(7)
    for _ in range(50):
        module.add(a, b)
        if module.jit_stats()["compiled_code_entries"]:
            break
    before = module.jit_stats()
    assert module.add(a, b).tobytes() == (a + b).tobytes()
    after = module.jit_stats()
    assert after["compiled_code_entries"] == before["compiled_code_entries"] + 1
    assert after["python_region_seconds"] == before["python_region_seconds"]
    assert not after["not_compiled"] and not after["run_as_python"]
