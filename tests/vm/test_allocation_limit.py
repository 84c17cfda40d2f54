"""The allocation cap: sizes, charging before allocation, credit when memory is freed."""

import gc

import numpy as np
import pytest

from vmvxjit.errors import InvalidArgumentError, ResourceExhaustedError
from vmvxjit.vm.allocation_limit import ENV, UNLIMITED, AllocationLimit, parse_size, zeroed


@pytest.mark.parametrize("text, size", [
    (4096, 4096), ("4096", 4096), ("512K", 512 << 10), ("512M", 512 << 20), ("2G", 2 << 30),
    ("1.5g", 3 << 29), ("1T", 1 << 40), ("64MiB", 64 << 20), ("64mb", 64 << 20), (" 8 M ", 8 << 20),
])
def test_sizes_take_binary_suffixes(text, size):
    assert parse_size(text, "max_allocation") == size


@pytest.mark.parametrize("text", ["lots", "2X", "-1", "0", "", 0, -5, "1..5G"])
def test_bad_sizes_name_where_they_came_from(text):
    with pytest.raises(InvalidArgumentError, match="max_allocation="):
        parse_size(text, "max_allocation")


def test_resolve_prefers_the_option_then_the_environment(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    assert AllocationLimit.resolve().cap is None
    monkeypatch.setenv(ENV, "1M")
    limit = AllocationLimit.resolve()
    assert (limit.cap, limit.source) == (1 << 20, ENV)
    limit = AllocationLimit.resolve("2K")
    assert (limit.cap, limit.source) == (2048, "max_allocation")
    monkeypatch.setenv(ENV, "plenty")
    with pytest.raises(InvalidArgumentError, match=f"{ENV}='plenty' is not a size"):
        AllocationLimit.resolve()


def test_an_allocation_over_the_cap_fails_before_anything_is_allocated():
    limit = AllocationLimit(1000)
    calls = []
    with pytest.raises(ResourceExhaustedError) as info:
        limit.allocate(1001, calls.append, "a test buffer")
    assert calls == [] and limit.live == 0
    assert str(info.value) == (
        "RESOURCE_EXHAUSTED; allocating 1001 bytes for a test buffer would exceed the allocation "
        "cap of 1000 bytes (0 bytes already live; cap set by max_allocation); raise it with "
        "vmvxjit.load(..., max_allocation=N), --max-allocation=N or VMVXJIT_MAX_ALLOCATION=N "
        "(bytes, or with a K/M/G/T suffix)")


def test_memory_counts_until_it_is_collected():
    limit = AllocationLimit(1000)
    first = limit.allocate(600, zeroed, "a")
    view = first[100:200]      # a view keeps the memory alive
    del first
    gc.collect()
    assert limit.live == 600
    with pytest.raises(ResourceExhaustedError, match="600 bytes already live"):
        limit.allocate(600, zeroed, "b")
    del view
    gc.collect()
    assert limit.live == 0
    assert limit.allocate(600, zeroed, "b").shape == (600,)


def test_charges_and_transient_checks():
    limit = AllocationLimit(100)
    limit.charge(60, "an image")
    limit.check(40, "a copy")
    with pytest.raises(ResourceExhaustedError):
        limit.check(41, "a copy")
    limit.credit(60)
    assert limit.live == 0


def test_without_a_cap_nothing_is_counted_and_failures_stay_resource_exhausted():
    assert UNLIMITED.allocate(10, zeroed, "x").shape == (10,) and UNLIMITED.live == 0
    with pytest.raises(ResourceExhaustedError, match="allocation of 18446744073709551615 bytes failed"):
        UNLIMITED.allocate(-1, zeroed, "x")
    with pytest.raises(ResourceExhaustedError, match="allocation of 5 bytes failed"):
        AllocationLimit(10).allocate(5, lambda n: np.zeros(-1), "x")
