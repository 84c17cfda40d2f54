"""An entry's copies and zeroing in parts (native/memory_parts.py): each part does its
own 64-byte-aligned cut of every operation, and the parts together do all of it."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

from vmvxjit.native import memory_parts

_PART = ctypes.CFUNCTYPE(ctypes.c_int32, *([ctypes.c_void_p] * 4), *([ctypes.c_int32] * 6),
                         ctypes.c_void_p, ctypes.c_void_p)


def _run(operations: list, parts: list, of: int) -> None:
    table = np.array([len(operations)] + [v for op in operations for v in op], np.int64)
    part = _PART(memory_parts.part_address())
    for k in parts:
        assert part(table.ctypes.data, memory_parts.MEMCPY, memory_parts.MEMSET, None, k, of, 0, 0, 0, 0,
                    None, None) == 0


@pytest.mark.parametrize("of", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("length", [0, 1, 63, 64, 1000, 4099, 1 << 16])
def test_the_parts_together_copy_and_zero_everything(of, length):
    source = np.random.default_rng(length).integers(1, 255, length + 1, dtype=np.uint8)
    copy = np.full(length + 1, 7, np.uint8)
    zeroed = np.full(length + 1, 9, np.uint8)
    _run([(copy.ctypes.data, source.ctypes.data, length), (zeroed.ctypes.data, 0, length)], range(of), of)
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
