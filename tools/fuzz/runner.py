"""Runs one mutant in a forked child with a time limit and says what happened.

The parent has imported vmvxjit and numpy (and loaded the seeds), so a fork
costs milliseconds. The child caps its address space, turns on faulthandler
(to a file the parent reads) with a watchdog that dumps every thread's stack
and exits at the time limit, installs the crash-site handler, runs
`child.run_mutant` and writes its report to a pipe. Outcomes:

- `result`, `error` (a vmvxjit.Error): accepted;
- `native-crash`: a signal whose PC lies in the module's own mapped code, or a
  jump to an unmapped address while the module's native code runs (the workgroup
  loop only calls the export functions the library names, checked to lie in its
  executable segments, so the bad jump was the module's): out of scope, native
  code is trusted, as in IREE;
- `fails-in-iree-too`: a timeout or crash (outside module code) that IREE's own
  iree-run-module also hangs or crashes on with the same call (set by the
  campaign from `iree_oracle`): a mutated program that loops forever, or module
  code that corrupts memory given the dispatch parameters the mutant computes;
- findings: `foreign` (another exception), `internal` (an INTERNAL error wrapping
  a Python exception), `signal` (anywhere else), `timeout`, `no-report`.
"""

from __future__ import annotations

import faulthandler
import json
import os
import resource
import select
import signal
import time
from pathlib import Path

from tools.fuzz.child import run_mutant
from tools.fuzz.crash_site import CrashSite
from vmvxjit.loaders import elf_mapping
from vmvxjit.native import trap

ADDRESS_SPACE = 8 << 30        # a child that needs more has a runaway allocation
# Where Python calls into a module's native code: dispatches; the library query and initializers
# (through trap.call).
NATIVE_CALLS = ("vmvxjit/loaders/native_dispatch.py", "vmvxjit/native/trap.py")
ACCEPTED = ("result", "error", "native-crash", "fails-in-iree-too")


def watch_images(site: CrashSite) -> None:
    """Makes every embedded ELF image a child maps note its address range in `site`
    (the embedded-ELF loader reserves each image in one piece), so a crash's PC can
    be placed inside or outside the module's own code."""
    reserve = elf_mapping._reserve

    def noted(size: int, alignment: int) -> int:
        base = reserve(size, alignment)
        site.note_code_ranges([(base, base + size)])
        return base
    elf_mapping._reserve = noted


def _child(data: bytes, options: dict, timeout: float, write_fd: int, trace: Path,
           site: CrashSite) -> None:
    """The child's whole life (never returns)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
        trace_file = open(trace, "w")
        faulthandler.enable(trace_file, all_threads=True)
        faulthandler.dump_traceback_later(timeout, exit=True, file=trace_file)
        site.install()
        trap.install()   # above the crash site and faulthandler again (the parent installed it first)

        def note(call: dict) -> None:
            os.write(write_fd, json.dumps({"calling": call}).encode() + b"\n")
        report = run_mutant(data, options, note)
        os.write(write_fd, json.dumps(report).encode() + b"\n")
    finally:
        os._exit(0)


def _innermost_frame(stack: str) -> str:
    """The file of the innermost Python frame of the crashed thread in faulthandler's text."""
    crashed = stack.partition("Current thread")[2]
    for line in crashed.splitlines():
        if line.strip().startswith('File "'):
            return line.split('"')[1]
    return ""


def _read_all(fd: int, deadline: float) -> tuple[bytes, bool]:
    """What was written to `fd`, and whether EOF came before `deadline`."""
    chunks = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            return b"".join(chunks), False
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)


def run_forked(data: bytes, options: dict, timeout: float, trace: Path, site: CrashSite) -> dict:
    """The outcome of loading and calling `data` in a child (see the module docstring)."""
    site.reset()
    trace.write_text("")
    read_fd, write_fd = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(data, options, timeout, write_fd, trace, site)
    os.close(write_fd)
    try:
        output, ended = _read_all(read_fd, start + timeout + 5)   # the child's watchdog fires first
    finally:
        os.close(read_fd)
    if not ended:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    messages = [json.loads(line) for line in output.splitlines() if line.strip()]
    calls = [m["calling"] for m in messages if "calling" in m]
    reports = [m for m in messages if "outcome" in m]
    context = {"seconds": time.monotonic() - start, "call": calls[-1] if calls else None}
    stack = trace.read_text(errors="replace") if trace.exists() else ""
    stack = stack.partition("\nExtension modules:")[0][:4000]    # the frames, not the list
    timed_out = stack.lstrip().startswith("Timeout") or not ended
    if os.WIFSIGNALED(status) and not timed_out:    # (a signal after the watchdog fired is its exit)
        crash = site.crash()
        name = signal.Signals(os.WTERMSIG(status)).name
        outcome = "native-crash" if crash and (crash["in_module_code"] or (
            crash["wild_jump"] and _innermost_frame(stack).endswith(NATIVE_CALLS))) else "signal"
        return {"outcome": outcome, "type": name, "crash": crash, "stack": stack, **context}
    if reports:
        return {**reports[-1], **context}
    if timed_out:
        return {"outcome": "timeout", "stack": stack, **context}
    return {"outcome": "no-report", "status": os.WEXITSTATUS(status), "stack": stack, **context}
