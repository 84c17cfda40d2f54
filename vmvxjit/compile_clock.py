"""Wall time the interpreting thread spends compiling in this process.

Time-based tiering (a VMVX dispatch under `auto` compiles once interpreting
it has cost a tenth of a second) must not count the first call's one-time
compiles — microkernels, hot loop regions — as interpretation: on a machine
with a cold cache that made `auto` compile cheap one-shot dispatches, some of
which take minutes to compile. Outermost `numba:compile` events are timed
from when this module first sees Numba imported (nothing here imports Numba);
the JIT adds the time it compiles regions or waits for their compiles (`add`).
"""

from __future__ import annotations

import sys
import time

_clock = {"seconds": 0.0, "listening": False}


def compile_seconds() -> float:
    """Seconds spent in outermost Numba compiles and in the JIT's own so far."""
    if not _clock["listening"] and "numba" in sys.modules:
        _listen()
    return _clock["seconds"]


def add(seconds: float) -> None:
    """Counts time the interpreting thread spent compiling (or waiting for a compile)."""
    _clock["seconds"] += seconds


def _listen() -> None:
    from numba.core import event

    class _Timer(event.Listener):
        depth, started = 0, 0.0

        def on_start(self, ev):
            if self.depth == 0:
                self.started = time.perf_counter()
            self.depth += 1

        def on_end(self, ev):
            self.depth -= 1
            if self.depth == 0:
                _clock["seconds"] += time.perf_counter() - self.started

    event.register("numba:compile", _Timer())
    _clock["listening"] = True
