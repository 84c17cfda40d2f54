"""One updating line on stderr while the JIT compiles for more than a second.

Only on a terminal (piped output stays clean): `jit: 12/33 regions compiled,
4.1 s compiling`, rewritten in place as compiles start and finish, and ended
with a newline when the process exits.
"""

from __future__ import annotations

import atexit
import sys
import time

SHOW_AFTER_S = 1.0


class Progress:
    def __init__(self):
        self.regions = 0          # regions installed so far (the total to compile at most)
        self.done = 0             # regions compiled or loaded
        self.seconds = 0.0        # compile time summed over regions
        self.first = None         # when the first compile started
        self.shown = False

    def started(self) -> None:
        if self.first is None:
            self.first = time.perf_counter()
        self._show()

    def finished(self, seconds: float) -> None:
        if self.first is None:
            self.first = time.perf_counter() - seconds
        self.done += 1
        self.seconds += seconds
        self._show()

    def _show(self) -> None:
        if time.perf_counter() - self.first < SHOW_AFTER_S or not sys.stderr.isatty():
            return
        if not self.shown:
            self.shown = True
            atexit.register(lambda: sys.stderr.write("\n"))
        sys.stderr.write(f"\rjit: {self.done}/{self.regions} regions compiled, "
                         f"{self.seconds:.1f} s compiling")
        sys.stderr.flush()
