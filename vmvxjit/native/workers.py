"""Threads that run parts of a dispatch beside the calling thread, how many may, and
how a dispatch's workgroups split into parts.

IREE's inline HAL runs a dispatch's workgroups one after another; vmvxjit
runs them in parts on up to `threads` threads (`vmvxjit.load(..., threads=N)`,
`--threads`, else VMVXJIT_THREADS, else the cores this process may use): native
(llvm-cpu) and VMVX dispatches alike. The workers are made once per process and
reused: a dispatch costs a queue handoff per extra part, not a thread start. A
native dispatch hands its parts to native_workers.py's threads instead (about a
microsecond each, no Python), and comes here only while another dispatch has those.
Native code, compiled VMVX entry functions and compiled loop regions run with
the GIL released, so the parts run at once. Workgroups write disjoint results by
construction, so the results are those of the serial loop; a failure is
reported as the serial loop would: the first failing workgroup in z, y, x order.
"""

from __future__ import annotations

import os
import threading

from vmvxjit.errors import InvalidArgumentError

ENV = "VMVXJIT_THREADS"
# Work runs on several threads unless its last run took less than this: handing a part
# to a worker costs tens of microseconds (native dispatches: native_workers.PARALLEL_ABOVE_S).
PARALLEL_ABOVE_S = 0.0005
SUCCEEDED = (0, 0, 0, 0)     # a part's outcome when every workgroup of its box succeeded
_POOL: list = []
_THREAD = threading.local()    # `worker` is set on the pool's threads
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


def on_worker() -> bool:
    """Whether the calling thread is one of the workers (running a part already)."""
    return getattr(_THREAD, "worker", False)


def _mark_worker() -> None:
    _THREAD.worker = True


def run_parts(parts: list) -> list:
    """Runs the callables `parts` at once, the first on the calling thread; returns their
    results in order, or raises the first part's exception once every part has finished.
    On a worker (parts nested in a part: a VMVX dispatch's loop) they run one after
    another: waiting there for other workers could leave none to run them."""
    if on_worker():
        return [part() for part in parts]
    from concurrent.futures import ThreadPoolExecutor, wait   # only once a dispatch splits

    if not _POOL:
        _POOL.append(ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1),
                                        thread_name_prefix="vmvxjit-dispatch", initializer=_mark_worker))
    futures = [_POOL[0].submit(part) for part in parts[1:]]
    try:
        first = parts[0]()
    finally:
        wait(futures)
    return [first] + [future.result() for future in futures]


def split(workgroup_count: tuple[int, int, int], parts: int) -> list[tuple]:
    """Boxes (first_x, end_x, first_y, end_y, first_z, end_z) covering the workgroups in
    up to `parts` near-equal slices of the outermost dimension with more than one."""
    count_x, count_y, count_z = workgroup_count
    whole = [0, count_x, 0, count_y, 0, count_z]
    for axis in (2, 1, 0):
        n = workgroup_count[axis]
        if n > 1 and parts > 1:
            pieces = min(parts, n)
            boxes = []
            for k in range(pieces):
                box = list(whole)
                box[2 * axis], box[2 * axis + 1] = n * k // pieces, n * (k + 1) // pieces
                boxes.append(tuple(box))
            return boxes
    return [tuple(whole)]


def run_boxes(boxes: list, part) -> tuple:
    """Runs `part(k, box)` for each of `boxes` (from `split`), at once when there are
    several; each returns SUCCEEDED or (result, x, y, z) of its first failing workgroup,
    or raises. Returns the failure the serial loop would meet first, else SUCCEEDED; or
    raises the exception of the first part that raised."""
    if len(boxes) == 1:
        return part(0, boxes[0])
    return first_failure(run_parts([lambda k=k, box=box: part(k, box) for k, box in enumerate(boxes)]))


def first_failure(outcomes: list) -> tuple:
    """Of the parts' (result, x, y, z), the failure the serial loop meets first."""
    failures = [o for o in outcomes if o[0]]
    return min(failures, key=lambda o: (o[3], o[2], o[1])) if failures else SUCCEEDED
