"""Worker threads that compile regions while the interpreter keeps running.

LLVM's passes and code generation are called through ctypes, which releases
the GIL, so on a machine with more than one core a compile costs the
interpreting thread almost nothing. There are as many workers as the
process may use cores less one (at least one). At exit, compiles not yet
started are dropped and the running ones are awaited (LLVM must not be torn
down under a compiling thread); what finished is in the disk cache for the
next process.
"""

from __future__ import annotations

import atexit
import itertools
import os
import queue
import threading
from concurrent.futures import Future

_JOBS: queue.PriorityQueue = queue.PriorityQueue()
_SEQUENCE = itertools.count()
_THREADS: list = []
_BUSY = threading.Condition()
_STATE = {"running": 0, "pending": 0, "closing": False}   # pending: submitted, not yet finished
# Jobs at this priority or later (optimized recompiles of code that already runs
# compiled) are left to the workers: a thread waiting for a compile it needs
# does not take one on, as it could still be busy with it long after its own
# compile is done.
BACKGROUND_ONLY = 1 << 30


def worker_count() -> int:
    return max(1, len(os.sched_getaffinity(0)) - 1)


def submit(priority: int, fn, *args) -> Future:
    """Runs `fn(*args)` on a worker, lowest `priority` first (then in order of
    submission); the future holds its result or exception."""
    future: Future = Future()
    with _BUSY:
        _STATE["pending"] += 1
    _JOBS.put((priority, next(_SEQUENCE), future, fn, args))
    with _BUSY:
        if len(_THREADS) < worker_count():
            thread = threading.Thread(target=_work, name=f"vmvxjit-compile-{len(_THREADS)}", daemon=True)
            _THREADS.append(thread)
            thread.start()
    return future


def _work() -> None:
    while True:
        _run(*_JOBS.get())


def result(future: Future):
    """`future`'s result; while it is not done, the caller runs queued jobs itself
    (lowest priority first, up to BACKGROUND_ONLY) instead of idling: one more
    compiler while it waits."""
    while not future.done():
        try:
            job = _JOBS.get_nowait()
        except queue.Empty:
            break
        if job[0] >= BACKGROUND_ONLY:
            _JOBS.put(job)
            break
        _run(*job)
    return future.result()


def _run(_priority, _sequence, future: Future, fn, args) -> None:
    with _BUSY:
        if _STATE["closing"] or not future.set_running_or_notify_cancel():
            _STATE["pending"] -= 1
            _BUSY.notify_all()
            return
        _STATE["running"] += 1
    try:
        future.set_result(fn(*args))
    except BaseException as exc:  # handed to whoever waits on the future
        future.set_exception(exc)
    finally:
        with _BUSY:
            _STATE["running"] -= 1
            _STATE["pending"] -= 1
            _BUSY.notify_all()


def idle() -> bool:
    """Whether no compile is queued or running (one would take a core from timed work)."""
    return _STATE["pending"] == 0


def wait_idle(timeout: float = 60.0) -> None:
    """Waits until no compile is queued or running (a test session's end: pytest then
    parses modules with `ast.parse`, which CPython 3.11 cannot run beside the workers'
    parses, gh-106905 and ast_parsing.py)."""
    with _BUSY:
        _BUSY.wait_for(idle, timeout=timeout)


@atexit.register
def _drain() -> None:
    with _BUSY:
        _STATE["closing"] = True
        _BUSY.wait_for(lambda: _STATE["running"] == 0, timeout=60)
