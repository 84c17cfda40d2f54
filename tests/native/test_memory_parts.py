"""An entry's copies and zeroing in parts (native/memory_parts.py): each part does its
own 64-byte-aligned cut of every operation, and the parts together do all of it."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

from vmvxjit.native import memory_parts

_PART = ctypes.CFUNCTYPE(ctypes.c_int32, *([ctypes.c_void_p] * 4), *([ctypes.c_int32] * 6),
                         ctypes.c_void_p, ctypes.c_void_p)


def _run(operations: list, parts: list, of: int, compare: bool = False) -> None:
    table = np.array([len(operations), int(compare)] + [v for op in operations for v in op], np.int64)
    part = _PART(memory_parts.part_address())
    for k in parts:
        assert part(table.ctypes.data, memory_parts.MEMCPY, memory_parts.MEMSET, memory_parts.MEMCMP, k, of,
                    0, 0, 0, 0, None, None) == 0


@pytest.mark.parametrize("compare", [False, True])
@pytest.mark.parametrize("of", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("length", [0, 1, 63, 64, 1000, 4099, 1 << 16])
def test_the_parts_together_copy_and_zero_everything(of, length, compare):
    source = np.random.default_rng(length).integers(1, 255, length + 1, dtype=np.uint8)
    copy = np.full(length + 1, 7, np.uint8)
    zeroed = np.full(length + 1, 9, np.uint8)
    _run([(copy.ctypes.data, source.ctypes.data, length), (zeroed.ctypes.data, 0, length)], range(of), of,
         compare)
    assert copy[:length].tobytes() == source[:length].tobytes() and copy[length] == 7
    assert not zeroed[:length].any() and zeroed[length] == 9


def test_a_part_writes_only_its_own_cache_lines():
    length, of = 10_000, 3
    for k in range(of):
        target = np.full(length, 5, np.uint8)
        _run([(target.ctypes.data, 0, length)], [k], of)
        written = np.flatnonzero(target == 0)
        low = length * k // of // 64 * 64
        high = length if k == of - 1 else length * (k + 1) // of // 64 * 64
        assert (written[0], written[-1] + 1, written.size) == (low, high, high - low)


_MEMCPY = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)


@pytest.mark.parametrize("at", [0, 63, 64, 5000, 9999])
def test_a_comparing_copy_writes_only_the_cuts_that_differ(at):
    """With `compare`, a part leaves its cut alone where it already holds the source's
    bytes and copies it where one byte differs (a memcpy that counts its calls)."""
    length, of = 10_000, 3
    source = np.random.default_rng(at).integers(0, 255, length, dtype=np.uint8)
    target = source.copy()
    target[at] ^= 1
    copied = []
    memcpy = _MEMCPY(lambda to, source_, size: copied.append((to - target.ctypes.data, size))
                     or ctypes.memmove(to, source_, size))
    table = np.array([1, 1, target.ctypes.data, source.ctypes.data, length], np.int64)
    part = _PART(memory_parts.part_address())
    for k in range(of):
        assert part(table.ctypes.data, ctypes.cast(memcpy, ctypes.c_void_p).value, memory_parts.MEMSET,
                    memory_parts.MEMCMP, k, of, 0, 0, 0, 0, None, None) == 0
    (low, size), = copied
    assert low <= at < low + size and low % 64 == 0 and target.tobytes() == source.tobytes()
