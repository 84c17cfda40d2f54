"""Calls with buffer views (Program.call: the command line's, `vmvxjit bench`'s) through
exports compiled whole: the interpreter's results and argument writes bit for bit,
iree-run-module's results, and the interpreter's path where views do not fit."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from tests.host.test_host_function import CONFIGS, COMPILED, TWO, _two_inputs
from tests.test_api import BIG_ADD, UPDATED_IN_PLACE, _big_inputs
from tests.support.modules import STATIC, compile_mlir
from tests.support.oracle import have_iree, iree_call
from vmvxjit.errors import Error
from vmvxjit.hal_inline.buffer import BufferView, HalBuffer
from vmvxjit.host import buffer_view_calls
from vmvxjit.runtime import Program
from vmvxjit.tooling.arrays import array_from_buffer_view, buffer_view_from_array


def _programs(source: str, flags, threads: int = 2):
    """The program whose calls with views go compiled whole, one whose never do, and
    the names of the calls the first's interpreter's path ran."""
    path = compile_mlir(source, flags)
    compiled = Program(path, tier="jit", threads=threads)
    slow = []
    caller = compiled.caller
    compiled.caller = lambda name: slow.append(name) or caller(name)
    return compiled, Program(path, tier="jit", threads=threads, host_functions=False), slow


def _views(arrays) -> list:
    return [buffer_view_from_array(a) for a in arrays]


def _bytes(views) -> list:
    return [array_from_buffer_view(v).tobytes() for v in views]


@pytest.mark.parametrize("flags", CONFIGS)
def test_calls_with_buffer_views_from_the_third_run_compiled_whole_with_the_interpreters_bits(flags):
    compiled, reference, slow = _programs(TWO, flags)
    for seed in range(5):
        arrays = _two_inputs(seed)
        ours = compiled.call("two", _views(arrays))
        assert all(isinstance(v, BufferView) and v.element_type == 0x21000020 for v in ours)
        assert [v.shape for v in ours] == [(8, 8), (8, 16)]
        assert _bytes(ours) == _bytes(reference.call("two", _views(arrays)))
    assert slow == ["two", "two"]
    assert compiled.context.jit_stats.host_functions["two"].startswith(COMPILED)


@pytest.mark.skipif(not have_iree(), reason="iree-run-module not on PATH")
@pytest.mark.parametrize("flags", CONFIGS)
def test_big_calls_with_buffer_views_give_iree_run_modules_result(flags, tmp_path):
    compiled, _, slow = _programs(BIG_ADD, flags)
    arrays = _big_inputs(3)
    for _ in range(4):
        (result,) = compiled.call("add", _views(arrays))
    assert len(slow) == 2
    expected = iree_call(compile_mlir(BIG_ADD, flags), "add", arrays, tmp_path)
    assert array_from_buffer_view(result).tobytes() == expected.tobytes()


@pytest.mark.parametrize("flags", CONFIGS)
def test_arguments_written_in_place_are_written_as_on_the_interpreters_path(flags):
    """IREE writes the slice into the argument's own buffer: with buffer views the
    compiled export does too (dispatches get the views' memory, not copies)."""
    compiled, reference, slow = _programs(UPDATED_IN_PLACE, flags, threads=1)
    s = np.arange(16, dtype=np.float32)
    for _ in range(4):
        ours, theirs = _views([np.ones(65536, np.float32), s]), _views([np.ones(65536, np.float32), s])
        assert _bytes(compiled.call("both", ours)) == _bytes(reference.call("both", theirs))
        assert _bytes(ours) == _bytes(theirs)
    route = compiled.host_route("both")      # static code writing an argument is not compiled whole
    assert (route.in_place is not None) == (route.compiled is not None) == (flags != STATIC)
    assert len(slow) == (2 if flags != STATIC else 4)


@pytest.mark.parametrize("flags", CONFIGS)
def test_views_that_do_not_fit_take_the_interpreters_path_and_its_error(flags):
    compiled, reference, slow = _programs(TWO, flags)
    arrays = _two_inputs(0)
    for _ in range(3):
        compiled.call("two", _views(arrays))
    wrong = _views([arrays[0][:4], arrays[1]])
    with pytest.raises(Error) as ours:
        compiled.call("two", wrong)
    with pytest.raises(Error) as theirs:
        reference.call("two", wrong)
    assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)
    assert slow[2:] == ["two"]


def test_only_views_of_the_declared_shape_type_and_encoding_over_enough_bytes_are_wrapped():
    f32 = np.dtype(np.float32)
    types = [((2, 3), f32, 0x21000020, 24)]
    data = np.arange(6, dtype=np.float32)
    view = buffer_view_from_array(data.reshape(2, 3))
    (array,) = buffer_view_calls.arrays([view], types, writable=True)
    assert np.shares_memory(array, view.buffer.allocation) and array.tolist() == [[0, 1, 2], [3, 4, 5]]
    for other in (buffer_view_from_array(data.reshape(3, 2)), buffer_view_from_array(data.astype(np.int32)),
                  BufferView(view.buffer, (2, 3), 0x21000020, 2), BufferView(HalBuffer(view.buffer.allocation, 0, 20),
                                                                            (2, 3), 0x21000020), 7):
        assert buffer_view_calls.arrays([other], types, writable=False) is None
    frozen = np.frombuffer(data.tobytes(), np.uint8)
    read_only = BufferView(HalBuffer(frozen), (2, 3), 0x21000020)
    assert buffer_view_calls.arrays([read_only], types, writable=True) is None
    assert buffer_view_calls.arrays([read_only], types, writable=False)[0].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert buffer_view_calls.arrays([view, view], types, writable=False) is None


@pytest.mark.parametrize("flags", CONFIGS)
def test_calls_with_buffer_views_from_several_threads(flags):
    """Threads calling one program with their own views: each gets its own results
    (the in-place export compiles once, whichever thread gets there first)."""
    compiled, reference, _ = _programs(TWO, flags)
    inputs = [_two_inputs(seed) for seed in range(8)]
    expected = [_bytes(reference.call("two", _views(arrays))) for arrays in inputs]

    def calls(k: int) -> bool:
        return all(_bytes(compiled.call("two", _views(inputs[k]))) == expected[k] for _ in range(20))

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(calls, range(8)))
    assert compiled.context.jit_stats.host_functions["two"].startswith(COMPILED)
