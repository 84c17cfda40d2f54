"""Dispatches whose workgroups run in parallel parts (native/workers.py): the same results
as one after another, the serial loop's error, one local memory per part."""

from __future__ import annotations

import numpy as np
import pytest

from vmvxjit.errors import InternalError
from vmvxjit.loaders import native_dispatch, registry
from vmvxjit.native import native_workers, workers
from tests.loaders.test_dispatch import FAIL_AT, LOADERS, RECORD
from tests.loaders.util import aligned_bytes

@pytest.fixture
def parallel(monkeypatch):
    """Every dispatch of an executable with threads > 1 runs in parts from its first run."""
    monkeypatch.setattr(workers, "PARALLEL_ABOVE_S", 0.0)
    monkeypatch.setattr(native_workers, "PARALLEL_ABOVE_S", 0.0)


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_parallel_failure_is_the_serial_error(loader, native_fixture, parallel):
    data = np.frombuffer(native_fixture(), np.uint8)
    executable = LOADERS[loader].load("fixture", data, None)
    executable.threads = 4
    calls = aligned_bytes(np.zeros(1, np.uint32))
    try:
        for failing in [(1, 0, 1), (0, 1, 0), (1, 1, 1)]:
            with pytest.raises(InternalError, match=rf"catastrophic error 7 \(export 'fail_at', "
                                                    rf"workgroup \({failing[0]}, {failing[1]}, {failing[2]}\)\)"):
                executable.dispatch(FAIL_AT, (2, 2, 2), np.array([7, *failing], np.uint32), [calls])
    finally:
        executable.release()


@pytest.mark.parametrize("variant", ["host", "system"])
def test_parallel_parts_give_the_serial_bits(variant, suite_executable, parallel):
    format, data = suite_executable(variant)
    rng = np.random.default_rng(3)
    a = rng.standard_normal((8, 32), dtype=np.float32)
    results = []
    for threads in (1, 2, 8):
        executable = registry.find_loader(format).load(format, data, None)
        executable.threads = threads
        out = aligned_bytes(np.zeros(8, np.float32))
        (ordinal,) = [i for i, n in enumerate(executable.export_names) if n.startswith("rowsum")]
        executable.dispatch(ordinal, (8, 1, 1), np.zeros(0, np.uint32), [aligned_bytes(a), out])
        results.append(out.tobytes())
        executable.release()
    assert results[0] == results[1] == results[2]
    np.testing.assert_allclose(np.frombuffer(results[0], np.float32), a.sum(axis=1), rtol=1e-5)


def test_dispatches_at_once_take_local_memories_no_other_uses(native_fixture):
    """Parts of dispatches running at once (on one or several calling threads) each hold
    their own local memory; given back, they are reused."""
    data = np.frombuffer(native_fixture(), np.uint8)
    executable = LOADERS["embedded"].load("fixture", data, None)
    try:
        first = executable._take_local_memory(RECORD, 2)
        second = executable._take_local_memory(RECORD, 1)
        assert len(set(first + second)) == 3 and 0 not in first + second
        executable._idle_memory[RECORD] += first + second
        assert sorted(executable._take_local_memory(RECORD, 3)) == sorted(first + second)
    finally:
        executable.release()
