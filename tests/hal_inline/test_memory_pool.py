"""The memory pool: big allocations come back after their last user lets go, zeroed
when asked, never while anything still refers to them; charged while in use."""

import ctypes
import gc
import threading

import numpy as np
import pytest

from vmvxjit.errors import ResourceExhaustedError
from vmvxjit.hal_inline.buffer import ALLOCATION_ALIGNMENT, HalBuffer
from vmvxjit.hal_inline.memory_pool import PARALLEL_BYTES, POOLED_BYTES, MemoryPool
from vmvxjit.vm.allocation_limit import AllocationLimit

BIG = POOLED_BYTES * 2


def _address(array: np.ndarray) -> int:
    return array.ctypes.data


def test_a_collected_allocation_is_reused_and_zeroed_again():
    pool = MemoryPool()
    memory = pool.zeros(BIG, "x")
    assert memory.shape == (BIG,) and not memory.any()
    assert _address(memory) % ALLOCATION_ALIGNMENT == 0
    address = _address(memory)
    memory[:] = 7
    del memory
    again = pool.zeros(BIG, "x")
    assert _address(again) == address and not again.any()


@pytest.mark.parametrize("busy", [False, True], ids=["in-parts", "workers-busy"])
def test_big_regions_are_zeroed_and_copied_in_parts_or_on_this_thread_while_the_workers_are_busy(busy):
    """With parts, PARALLEL_BYTES and more go to the native workers (memory_parts.py);
    while other work has them this thread does it: the same bytes either way."""
    from vmvxjit.native import native_workers

    if not native_workers.supported():
        pytest.skip("no native workers on this architecture")
    pool = MemoryPool(parts=2)
    length = PARALLEL_BYTES + 4099
    source = np.random.default_rng(3).integers(0, 256, length, dtype=np.uint8)
    word = ctypes.c_int32.from_address(native_workers.pool().memory)
    word.value = int(busy)
    try:
        memory = pool.zeros(length, "x")
        memory[:] = 7
        del memory
        assert not pool.zeros(length, "x").any()
        assert pool.copy(source, "x").tobytes() == source.tobytes()
        assert pool.copy(source[::-1], "x").tobytes() == source[::-1].tobytes()    # not contiguous
    finally:
        word.value = 0


def test_empty_memory_is_reused_as_it_is():
    pool = MemoryPool()
    memory = pool.empty(BIG, "x")
    address = _address(memory)
    del memory
    assert _address(pool.empty(BIG, "x")) == address


def test_memory_a_view_still_refers_to_is_not_reused():
    """A buffer's vm.buffer, a subspan or a result array keeps the whole allocation out."""
    pool = MemoryPool()
    buffer = HalBuffer(pool.zeros(BIG, "x"))
    views = [buffer.storage().data, buffer.subspan(64, 128).data(),
             np.ndarray((4,), np.float32, buffer.allocation, 8)]
    for view in views:
        view[:] = 1
        address = _address(buffer.allocation)
        del buffer
        other = pool.zeros(BIG, "x")
        assert _address(other) != address and view.all()
        buffer = HalBuffer(other)


def test_small_allocations_come_from_numpy():
    pool = MemoryPool(native_code=False)
    memory = pool.zeros(100, "x")
    assert memory.shape == (100,) and not memory.any() and pool.idle() == 0
    del memory
    assert pool.idle() == 0


def test_small_allocations_native_code_may_touch_are_guarded_and_reused():
    pool = MemoryPool()
    memory = pool.zeros(100, "x")
    address = _address(memory)
    assert address % ALLOCATION_ALIGNMENT == 0
    memory[:] = 7
    del memory
    assert pool.idle() == 100
    again = pool.zeros(100, "x")
    assert _address(again) == address and not again.any()


def test_idle_allocations_are_capped_in_number_too():
    pool = MemoryPool(idle_regions=2)
    held = [pool.zeros(100 + k, "x") for k in range(3)]
    while held:
        del held[0]
    assert pool.idle() == 101 + 102     # the least recently used went


def test_memory_in_use_is_charged_and_credited_when_collected():
    limit = AllocationLimit(3 * BIG)
    pool = MemoryPool(limit)
    held = [pool.zeros(BIG, "x"), pool.empty(BIG, "x"), pool.zeros(100, "x")]
    assert limit.live == 2 * BIG + 100
    with pytest.raises(ResourceExhaustedError, match=f"allocating {BIG} bytes for a test buffer"):
        pool.zeros(BIG, "a test buffer")
    assert limit.live == 2 * BIG + 100
    del held
    gc.collect()
    assert limit.live == 0 and pool.idle() == 2 * BIG + 100   # native code's small memory is kept too


def test_idle_memory_is_capped_least_recently_used_first():
    pool = MemoryPool(idle_bytes=3 * BIG)
    big = pool.zeros(2 * BIG, "x")
    small = [pool.zeros(BIG, "x") for _ in range(2)]
    del big
    assert pool.idle() == 2 * BIG
    del small
    assert pool.idle() == 2 * BIG     # the two of BIG bytes stay; the older 2*BIG went
    kept = [pool.empty(BIG, "x") for _ in range(2)]
    assert pool.idle() == 0 and len(kept) == 2


def test_threads_never_share_memory_in_use():
    pool = MemoryPool()
    seen, errors = [], []

    def work(mark: int):
        for _ in range(200):
            memory = pool.empty(BIG, "x")
            memory[:] = mark
            if not (memory == mark).all():
                errors.append(mark)
            seen.append(_address(memory))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(set(seen)) <= 8   # each thread holds at most two at once
