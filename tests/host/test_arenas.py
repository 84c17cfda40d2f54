"""Arenas of exports compiled whole: guarded memory, reused across calls, never while
a result still refers to it."""

from __future__ import annotations

import ctypes

import numpy as np

from tests.support.placed import placed_at
from vmvxjit.hal_inline.memory_pool import POOLED_BYTES
from vmvxjit.host.arenas import KEPT_RESULTS, AlignedCopies, Arenas
from vmvxjit.native.guarded_memory import SLACK


def _address(array: np.ndarray) -> int:
    return array.ctypes.data


def test_a_pair_given_back_is_taken_again():
    arenas = Arenas(100, 200)
    assert arenas.copies_results
    results, scratch = pair = arenas.pair()
    assert (results.size, scratch.size) == (100, 200)
    for arena in pair:     # guarded memory: zeros readable around it (guard pages beyond)
        assert ctypes.string_at(_address(arena) - SLACK, arena.size + 2 * SLACK) == bytes(arena.size + 2 * SLACK)
    arenas.give_back_pair(pair)
    again = arenas.pair()
    assert again[0] is results and again[1] is scratch
    other = arenas.pair()      # while `again` is out: new ones
    assert other[0] is not results


def test_a_results_arena_comes_back_only_once_no_view_refers_to_it():
    arenas = Arenas(POOLED_BYTES, 64)
    assert not arenas.copies_results
    first = arenas.results()
    view = np.ndarray((4,), np.float32, first, 64)
    del first
    second = arenas.results()
    assert _address(second) != _address(view.base)
    address = _address(view.base)
    del view, second
    assert _address(arenas.results()) == address


def test_at_most_a_few_results_arenas_are_kept():
    arenas = Arenas(POOLED_BYTES, 64)
    held = [arenas.results() for _ in range(KEPT_RESULTS + 2)]
    assert len({_address(a) for a in held}) == KEPT_RESULTS + 2
    kept = {_address(a) for a in held[:KEPT_RESULTS]}
    del held
    assert {_address(arenas.results())} <= kept


def test_scratch_goes_back_to_the_free_list():
    arenas = Arenas(64, 64)
    scratch = arenas.scratch()
    arenas.give_back(scratch)
    assert arenas.scratch() is scratch


def test_aligned_copies_replace_only_misaligned_arrays_of_their_shape_and_type_and_are_reused():
    f32 = np.dtype(np.float32)
    copies = AlignedCopies([(0, (64, 64), f32), (2, (4096,), f32)])
    a = placed_at(np.arange(4096, dtype=np.float32), 16).reshape(64, 64)
    aligned = placed_at(np.zeros(4096, np.float32), 0)
    args, held = copies.take((a, 7, aligned))
    assert args[0] is not a and args[0].ctypes.data % 64 == 0 and np.array_equal(args[0], a)
    assert args[1] == 7 and args[2] is aligned
    first = args[0].ctypes.data
    copies.give_back(held)
    args, again = copies.take((a, 7, placed_at(np.ones(4096, np.float32), 16)))
    assert again is held and args[0].ctypes.data == first and np.array_equal(args[2], np.ones(4096, np.float32))
    other, none = copies.take((placed_at(np.ones(10, np.float32), 16), 7, aligned))   # not its shape: as it is
    assert none is None and other[0].shape == (10,)
    copies.give_back(none)
    copies.give_back(again)


def test_aligned_copies_are_written_only_when_the_argument_changed(monkeypatch):
    f32 = np.dtype(np.float32)
    copies = AlignedCopies([(0, (4096,), f32)])
    a = placed_at(np.arange(4096, dtype=np.float32), 16)
    args, held = copies.take((a,))
    copies.give_back(held)
    written = []
    copyto = np.copyto
    monkeypatch.setattr(np, "copyto", lambda target, source: written.append(1) or copyto(target, source))
    args, again = copies.take((a,))                      # the same bytes: read, not written
    assert again is held and not written and np.array_equal(args[0], a)
    args[0][7] = -1.0                                    # code that wrote its copy in place
    copies.give_back(again)
    args, held = copies.take((a,))
    assert written == [1] and np.array_equal(args[0], a)
    a[4095] = 5.0                                        # the caller changed its array
    copies.give_back(held)
    args, _ = copies.take((a,))
    assert written == [1, 1] and args[0][4095] == 5.0
