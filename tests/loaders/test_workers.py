"""Workgroups in parallel parts (workers.py: split, run_boxes): the same results as
one after another, the serial loop's error, and the thread-count option."""

from __future__ import annotations

import os
import signal
import threading

import numpy as np
import pytest

from vmvxjit.errors import InternalError, InvalidArgumentError
from vmvxjit.loaders import executable as executable_module
from vmvxjit.loaders import native_dispatch, registry, workers
from tests.loaders.test_dispatch import FAIL_AT, LOADERS, RECORD
from tests.loaders.util import aligned_bytes


@pytest.mark.parametrize("count, parts, boxes", [
    ((4, 1, 1), 2, [(0, 2, 0, 1, 0, 1), (2, 4, 0, 1, 0, 1)]),
    ((5, 3, 1), 2, [(0, 5, 0, 1, 0, 1), (0, 5, 1, 3, 0, 1)]),
    ((2, 2, 3), 4, [(0, 2, 0, 2, 0, 1), (0, 2, 0, 2, 1, 2), (0, 2, 0, 2, 2, 3)]),
    ((7, 1, 1), 1, [(0, 7, 0, 1, 0, 1)]),
    ((1, 1, 1), 4, [(0, 1, 0, 1, 0, 1)]),
    ((0, 4, 1), 2, [(0, 0, 0, 2, 0, 1), (0, 0, 2, 4, 0, 1)]),
])
def test_split_covers_every_workgroup_once(count, parts, boxes):
    assert workers.split(count, parts) == boxes


def test_first_failure_is_the_serial_loops():
    outcomes = [(0, 0, 0, 0), (7, 3, 0, 1), (5, 1, 1, 0), (9, 0, 2, 0)]
    assert workers.first_failure(outcomes) == (5, 1, 1, 0)
    assert workers.first_failure([(0, 0, 0, 0)] * 3) == (0, 0, 0, 0)


def test_run_parts_runs_at_once_and_keeps_order():
    barrier = threading.Barrier(3, timeout=10)

    def part(k):
        return lambda: (barrier.wait(), k)[1]
    assert workers.run_parts([part(k) for k in range(3)]) == [0, 1, 2]


def test_run_parts_raises_after_every_part_finished():
    finished = []

    def slow():
        threading.Event().wait(0.05)
        finished.append(True)

    def fails():
        raise ValueError("part 0")
    with pytest.raises(ValueError, match="part 0"):
        workers.run_parts([fails, slow])
    assert finished == [True]


def test_a_forked_child_makes_its_own_workers():
    workers.run_parts([lambda: 0, lambda: 1])
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        signal.alarm(10)    # a hang kills the child: the parent then reads nothing
        os.write(write, repr(workers.run_parts([lambda: 0, lambda: 1])).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as result:
        assert result.read() == "[0, 1]"
    assert os.waitpid(pid, 0)[1] == 0


@pytest.mark.parametrize("value, expected", [(1, 1), (3, 3), ("2", 2), (" 4 ", 4)])
def test_resolve_accepts_whole_numbers(value, expected):
    assert workers.resolve(value) == expected


@pytest.mark.parametrize("value", [0, -1, "x", "1.5", 2.5, True])
def test_resolve_rejects_the_rest(value):
    with pytest.raises(InvalidArgumentError, match="threads must be a whole number"):
        workers.resolve(value)


def test_resolve_defaults_to_env_then_cores(monkeypatch):
    monkeypatch.setenv(workers.ENV, "3")
    assert workers.resolve() == 3
    monkeypatch.delenv(workers.ENV)
    assert workers.resolve() >= 1


@pytest.fixture
def parallel(monkeypatch):
    """Every dispatch of an executable with threads > 1 runs in parts from its first run."""
    monkeypatch.setattr(executable_module, "PARALLEL_ABOVE_S", 0.0)


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
