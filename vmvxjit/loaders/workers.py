"""Threads that run parts of a dispatch beside the calling thread, and how many may.

IREE's inline HAL runs a dispatch's workgroups one after another; vmvxjit
runs them in parts on up to `threads` threads (`vmvxjit.load(..., threads=N)`,
`--threads`, else VMVXJIT_THREADS, else the cores this process may use). The
workers are made once per process and reused: a dispatch costs a queue
handoff per extra part, not a thread start. Native code runs with the GIL
released, so the parts run at once.
"""

from __future__ import annotations

import os

from vmvxjit.errors import InvalidArgumentError

ENV = "VMVXJIT_THREADS"
_POOL: list = []
# A forked child has none of its parent's threads: it makes its own workers.
os.register_at_fork(after_in_child=_POOL.clear)


def resolve(threads=None) -> int:
    """The thread count asked for (a whole number ≥ 1), else VMVXJIT_THREADS's, else the
    cores this process may use."""
    if threads is None:
        threads = os.environ.get(ENV) or len(os.sched_getaffinity(0))
    text = str(threads).strip()
    if isinstance(threads, bool) or not text.isdigit() or int(text) < 1:
        raise InvalidArgumentError(f"threads must be a whole number ≥ 1, not {threads!r} "
                                   f"(vmvxjit.load(..., threads=N), --threads=N or {ENV}=N)")
    return int(text)


def run_parts(parts: list) -> list:
    """Runs the callables `parts` at once, the first on the calling thread; returns their
    results in order, or raises the first part's exception once every part has finished."""
    from concurrent.futures import ThreadPoolExecutor, wait   # only once a dispatch splits

    if not _POOL:
        _POOL.append(ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1),
                                        thread_name_prefix="vmvxjit-dispatch"))
    futures = [_POOL[0].submit(part) for part in parts[1:]]
    try:
        first = parts[0]()
    finally:
        wait(futures)
    return [first] + [future.result() for future in futures]
