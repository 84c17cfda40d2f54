"""The reused worker threads (native/workers.py): how workgroups split into parts, parts run
at once with the serial loop's failure, and the thread-count option."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from vmvxjit.errors import InvalidArgumentError
from vmvxjit.native import workers

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


def test_parts_nested_in_parts_run_in_place_on_a_worker():
    """Every worker running a part that splits again (a VMVX dispatch's parallel loop): the
    nested parts run one after another on it instead of waiting for a worker."""
    width = max(1, os.cpu_count() or 1) + 1
    barrier = threading.Barrier(width, timeout=10)

    def outer(k):
        def run():
            barrier.wait()
            return workers.on_worker(), workers.run_parts([lambda: k, lambda: -k])
        return run
    results = workers.run_parts([outer(k) for k in range(width)])
    assert [r[1] for r in results] == [[k, -k] for k in range(width)]
    assert [r[0] for r in results] == [False] + [True] * (width - 1)


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
