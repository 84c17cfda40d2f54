"""guarded_memory: aligned zeros with readable zero slack, then a page no access reaches."""

from __future__ import annotations

import ctypes

import pytest

from vmvxjit.errors import NativeCodeFault
from vmvxjit.native import trap
from vmvxjit.native.executable_memory import PAGE_SIZE
from vmvxjit.native.guarded_memory import SLACK, guarded_zeros

_libc = ctypes.CDLL(None)
_BZERO = ctypes.cast(_libc.bzero, ctypes.c_void_p).value


def _zero(address: int, length: int) -> None:
    """bzero(address, length) in a trapped call: writes as a module's native code would."""
    trap.call(_BZERO, address, length, "bzero")


@pytest.mark.parametrize("length", [0, 1, 256, 4000, 70000])
def test_memory_is_aligned_zeroed_and_writable_with_its_slack(length):
    memory = guarded_zeros(length, 64)
    start = memory.ctypes.data
    assert start % 64 == 0 and memory.shape == (length,) and not memory.any()
    memory[:] = 7
    _zero(start - SLACK, length + 2 * SLACK)
    assert not memory.any()


@pytest.mark.parametrize("length", [1, 256, 4096, 70000])
def test_writes_past_the_slack_fault_on_either_side(length):
    memory = guarded_zeros(length, 64)
    mapping = memory.base
    first = ctypes.addressof(ctypes.c_char.from_buffer(mapping)) + PAGE_SIZE   # first accessible byte
    guard = first + len(mapping) - 2 * PAGE_SIZE                           # the trailing guard page
    end = memory.ctypes.data + length
    assert end + SLACK <= guard < end + SLACK + 64
    with pytest.raises(NativeCodeFault, match=f"SIGSEGV at pc 0x\\w+ accessing 0x{guard:X} "):
        _zero(end + SLACK, 64)          # past the slack and the alignment's rounding
    with pytest.raises(NativeCodeFault, match=f"accessing 0x{first - 1:X} "):
        _zero(first - 1, 1)
    _zero(first, end - first)
    assert not memory.any()


def test_a_size_the_system_cannot_map_is_a_memory_error():
    with pytest.raises(MemoryError):
        guarded_zeros(1 << 62, 64)
