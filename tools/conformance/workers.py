"""Worker processes: cases run in them so a crash in native code or a hang costs one case;
an overrunning or dead worker is replaced and its case reported as such.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import time
import traceback

from tools.conformance.build import do_import
from tools.conformance.config import (COMPILE_TIMEOUT, HARD_GRACE, IMPORT_TIMEOUT, IREE_TIMEOUT,
                                      TASKS_PER_WORKER, VMVXJIT_TIMEOUT)
from tools.conformance.runs import run_case

# worker processes
# =============================================================================================

def _execute(task: dict, s: dict, progress) -> dict:
    if task["kind"] == "import":
        progress("import")
        return {"case": task["entry"]["name"], "import": do_import(task["entry"], s)}
    return run_case(task, s, progress)


def _worker_main(conn, settings: dict) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent handles Ctrl-C
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return

        def progress(stage, partial=None):
            conn.send(("stage", stage, partial))
        try:
            result = _execute(task, settings, progress)
        except BaseException:
            result = {"harness_error": traceback.format_exc(limit=8)}
        conn.send(("done", result, None))


_STAGE_LIMITS = {"import": 2 * IMPORT_TIMEOUT, "compile": COMPILE_TIMEOUT, "iree": IREE_TIMEOUT,
                 "vmvxjit": VMVXJIT_TIMEOUT, "vmvxjit-interp": VMVXJIT_TIMEOUT}


class _Worker:
    def __init__(self, ctx, settings):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, settings), daemon=True)
        self.proc.start()
        child.close()
        self.task = None
        self.done = 0
        self.stage, self.partial, self.deadline = None, None, None

    def assign(self, task):
        self.task, self.stage, self.partial = task, "start", None
        self.deadline = time.monotonic() + 60 + HARD_GRACE
        self.conn.send(task)

    def kill(self):
        with contextlib.suppress(Exception):
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()

    def stop(self):
        with contextlib.suppress(Exception):
            self.conn.send(None)
        self.proc.join(10)
        if self.proc.is_alive():
            self.kill()


def _lost_result(task: dict, stage: str, partial: dict | None, why: str, status: str) -> dict:
    """What to report for a task whose worker was killed or died."""
    if task["kind"] == "import":
        return {"case": task["entry"]["name"], "import": {"ok": False, "error": f"importer {why}"}}
    result = dict(partial or {"case": task["entry"]["name"], "config": task["config"],
                              "op": task["entry"]["op"]})
    if stage.startswith("vmvxjit"):
        result["vmvxjit"] = {"status": status, "detail": f"vmvxjit {why}"
                             + (" (retrying with --tier=interp)" if stage != "vmvxjit" else "")}
    elif stage == "iree":
        result["compile"] = {"ok": True}
        result["iree"] = {"status": status, "detail": f"iree-run-module {why}"}
    else:
        result["compile"] = {"ok": False, "error": f"{stage}: {why}", "timeout": status == "timeout"}
    return result


def run_pool(tasks: list[dict], settings: dict, jobs: int, on_result, deadline: float | None) -> list[dict]:
    """Run tasks on `jobs` worker processes; returns the tasks not started (budget exhausted)."""
    ctx = multiprocessing.get_context("spawn")
    pending = list(reversed(tasks))
    workers: list[_Worker] = []
    try:
        while pending or any(w.task is not None for w in workers):
            # fill idle workers
            for i, w in enumerate(workers):
                if w.task is None and w.done >= TASKS_PER_WORKER:
                    w.stop()
                    workers[i] = _Worker(ctx, settings)
            while len(workers) < jobs and pending:
                workers.append(_Worker(ctx, settings))
            for w in workers:
                if w.task is None and pending and (deadline is None or time.monotonic() < deadline):
                    w.assign(pending.pop())
            busy = [w for w in workers if w.task is not None]
            if not busy:
                break
            ready = multiprocessing.connection.wait([w.conn for w in busy], timeout=1.0)
            now = time.monotonic()
            for i, w in enumerate(workers):
                if w.task is None:
                    continue
                if w.conn in ready:
                    try:
                        kind, payload, partial = w.conn.recv()
                    except (EOFError, OSError):
                        code = w.proc.exitcode
                        w.proc.join(5)
                        code = w.proc.exitcode if code is None else code
                        why = (f"worker died with signal {signal.Signals(-code).name}"
                               if code is not None and code < 0 else f"worker died (exit {code})")
                        on_result(_lost_result(w.task, w.stage, w.partial, why, "crash"))
                        w.kill()
                        workers[i] = _Worker(ctx, settings)
                        continue
                    if kind == "stage":
                        w.stage = payload
                        if partial is not None:
                            w.partial = partial
                        w.deadline = now + _STAGE_LIMITS.get(payload, 60) + HARD_GRACE
                    else:
                        task = w.task
                        w.task, w.done = None, w.done + 1
                        if "harness_error" in payload:
                            raise RuntimeError(f"harness error on {task['entry']['name']}:\n"
                                               f"{payload['harness_error']}")
                        on_result(payload)
                elif now > w.deadline:
                    on_result(_lost_result(w.task, w.stage, w.partial,
                                           f"killed after exceeding the {w.stage} time limit",
                                           "timeout"))
                    w.kill()
                    workers[i] = _Worker(ctx, settings)
    finally:
        for w in workers:
            if w.task is None:
                w.stop()
            else:
                w.kill()
    return list(reversed(pending))


# =============================================================================================
