"""Where a child died: its signal, faulting address and program counter.

Python cannot see the program counter of a crash, and the fuzzer must tell a
crash inside a module's own native code (out of scope: trusted, as in IREE)
from one anywhere else. A tiny C signal handler, built once with the system
compiler, records signal, address and PC into memory the parent shares with
its children and then hands the signal on (to faulthandler, which prints the
Python stack, then the default action). Children also note the executable
ranges of every library they load there (`note_code_ranges`).
"""

from __future__ import annotations

import ctypes
import hashlib
import mmap
import shutil
import subprocess
from pathlib import Path

import numpy as np

SOURCE = r"""
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <ucontext.h>

static volatile uint64_t *slots;
static struct sigaction previous[65];

static void record(int sig, siginfo_t *info, void *context) {
    ucontext_t *uc = (ucontext_t *)context;
    slots[0] = (uint64_t)sig;
    slots[1] = (uint64_t)info->si_addr;
#if defined(__x86_64__)
    slots[2] = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    slots[2] = (uint64_t)uc->uc_mcontext.pc;
#endif
    /* Returning re-runs the faulting instruction, which now reaches the previous handler. */
    sigaction(sig, &previous[sig], 0);
}

int install(volatile uint64_t *where) {
    static const int signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};
    struct sigaction action = {0};
    slots = where;
    action.sa_sigaction = record;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    for (unsigned i = 0; i < sizeof signals / sizeof *signals; i++)
        if (sigaction(signals[i], &action, &previous[signals[i]]) != 0) return -1;
    return 0;
}
"""
SIGNAL, ADDRESS, PC, RANGE_COUNT, RANGES = 0, 1, 2, 3, 4
_SLOTS = 4096


def build(directory: Path) -> ctypes.CDLL | None:
    """The handler library (cached by source hash), or None without a C compiler."""
    compiler = shutil.which("cc")
    if compiler is None:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    library = directory / f"crash_site-{hashlib.sha256(SOURCE.encode()).hexdigest()[:16]}.so"
    if not library.exists():
        source = library.with_suffix(".c")
        source.write_text(SOURCE)
        subprocess.run([compiler, "-shared", "-fPIC", "-O1", "-o", str(library), str(source)],
                       check=True, capture_output=True)
    handler = ctypes.CDLL(str(library))
    handler.install.argtypes = [ctypes.c_void_p]
    return handler


class CrashSite:
    """Memory shared with children: what the handler recorded and the code ranges they loaded."""

    def __init__(self, handler: ctypes.CDLL | None):
        self._handler = handler
        self._memory = mmap.mmap(-1, 8 * _SLOTS)      # anonymous: shared across fork
        self.slots = np.frombuffer(self._memory, np.uint64)

    def reset(self) -> None:
        self.slots[:RANGES] = 0

    def install(self) -> None:
        """In the child: record crashes (after faulthandler.enable, which it chains to)."""
        if self._handler is not None:
            self._handler.install(self.slots.ctypes.data)

    def note_code_ranges(self, ranges) -> None:
        """In the child: executable `(start, end)` ranges of a library just loaded."""
        for start, end in ranges:
            count = int(self.slots[RANGE_COUNT])
            if RANGES + 2 * count + 2 > _SLOTS:
                return
            self.slots[RANGES + 2 * count:RANGES + 2 * count + 2] = (start, end)
            self.slots[RANGE_COUNT] = count + 1

    def crash(self) -> dict | None:
        """In the parent, after a child died by a signal: what the handler saw."""
        if not self.slots[SIGNAL]:
            return None
        pc, address = int(self.slots[PC]), int(self.slots[ADDRESS])
        count = int(self.slots[RANGE_COUNT])
        ranges = self.slots[RANGES:RANGES + 2 * count].reshape(-1, 2).tolist()
        return {"pc": pc, "address": address, "wild_jump": pc == address,
                "in_module_code": any(start <= pc < end for start, end in ranges)}
