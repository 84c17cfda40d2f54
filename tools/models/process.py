"""Run one command as a whole process, timed, with a time limit.

The command gets its own process group; at the limit the whole group is killed (the pip
wrappers of IREE's tools leave the real binary running otherwise) and the run is reported as a
timeout. Wall time is measured around the process, CPU time (user + system) is the one
`wait4` reports for it and the descendants it waited for.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass


@dataclass
class Run:
    returncode: int | None     # None after a timeout
    wall: float
    cpu: float
    stdout: str
    stderr: str

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run(cmd: list[str], timeout: float, *, cwd=None, env=None) -> Run:
    """Runs `cmd` to completion or until `timeout` seconds, whichever is first."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, env=env,
                                   start_new_session=True)
        expired = threading.Event()

        def expire():
            expired.set()
            _kill_group(process.pid)
        timer = threading.Timer(timeout, expire)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)   # reaped here, not by Popen
        _kill_group(process.pid)                                   # leftovers of a wrapper
        out.seek(0)
        err.seek(0)
        return Run(None if expired.is_set() else process.returncode, wall,
                   usage.ru_utime + usage.ru_stime,
                   out.read().decode(errors="replace"), err.read().decode(errors="replace"))


def outcome(result: Run, timeout: float) -> dict:
    """A scoreboard section for `result`: {"status": "ok", wall, cpu}, or a timeout or
    error with its detail (the last line the command printed)."""
    if result.timed_out:
        return {"status": "timeout", "detail": f"killed after {timeout:.0f} s"}
    if not result.ok:
        lines = (result.stderr or result.stdout).strip().splitlines()
        return {"status": "error", "detail": lines[-1][:300] if lines else f"exit {result.returncode}"}
    return {"status": "ok", "wall": result.wall, "cpu": result.cpu}
