"""The call deadline (`deadline=`): a call into a module that runs longer is stopped.

A program has one Deadline, shared by everything that runs its code (the main
module's context, the contexts of its VMVX executables, the threads that run
parts of a dispatch). `run()` makes a call from the host (and a module's
`__init`); the outermost one on a thread sets when the call expires. Code
checks where a program could loop forever, cheaply:

* the interpreter at backward branches, whose steps read the clock every
  POLL_BRANCHES runs (`poll`; fused blocks call those steps instead of inlining
  them); fused regions every time they hand control back to their entry hook
  (fused_blocks.REGION_BUDGET back-edges);
* compiled code at the back-edges of loops it cannot show counted, with a fuel
  count in a local: every `fuel()` back-edges it reads the monotonic clock and
  compares it with `expires_ns()` (codegen.RegionEmitter.goto), then leaves
  as a fault that the interpreter's side raises at the branch's offset.

Without a deadline, the default, fuel never runs out and nothing reads the clock.
"""

from __future__ import annotations

import math
import os
import threading
import time

from vmvxjit.errors import DeadlineExceededError, InvalidArgumentError

ENV = "VMVXJIT_DEADLINE"
NEVER_NS = (1 << 63) - 1        # expires_ns() without a deadline
NO_FUEL_LIMIT = 1 << 62         # compiled code's fuel without a deadline: never runs out
COMPILED_FUEL = 4096            # compiled back-edges between clock reads (~20 ns each)
POLL_BRANCHES = 256             # interpreted backward branches between clock reads


def parse_seconds(value, source: str) -> float:
    """`value` (a number or its text) as a positive, finite number of seconds."""
    try:
        seconds = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        seconds = math.nan
    if not (seconds > 0 and math.isfinite(seconds)):
        raise InvalidArgumentError(
            f"{source}={value!r} is not a deadline: give a positive number of seconds")
    return seconds


def backward(instr) -> bool:
    """Whether decoded instruction `instr` may branch back (to its own block or an
    earlier one): where a program can loop forever."""
    return any(pc <= instr.pc for pc, _ in instr.edges())


class Deadline:
    """How long a call may run (`seconds`, None: no limit) and, per thread, when the
    current call expires."""

    def __init__(self, seconds: float | None = None, source: str = "deadline"):
        self.seconds = seconds
        self.source = source
        self._calls = threading.local()
        # Threads that run parts of a call (dispatch workgroups, loop chunks) begin no
        # call of their own: they take the expiry of the call begun last.
        self._latest_ns = NEVER_NS

    @classmethod
    def resolve(cls, option=None) -> "Deadline":
        """The `deadline` option, else VMVXJIT_DEADLINE, else none."""
        if option is not None:
            return cls(parse_seconds(option, "deadline"), "deadline")
        text = os.environ.get(ENV, "").strip()
        return cls(parse_seconds(text, ENV), ENV) if text else cls()

    @property
    def enabled(self) -> bool:
        return self.seconds is not None

    def run(self, fn, *args):
        """`fn(*args)` as a call from the host: the outermost on its thread sets when
        the call expires (a nested one keeps it)."""
        if self.seconds is None or getattr(self._calls, "expires", None) is not None:
            return fn(*args)
        expires = time.monotonic_ns() + int(self.seconds * 1e9)
        self._calls.expires = self._latest_ns = expires
        try:
            return fn(*args)
        finally:
            self._calls.expires = None

    def expires_ns(self) -> int:
        """When the current call expires, on time.monotonic_ns()'s clock (NEVER_NS: never)."""
        if self.seconds is None:
            return NEVER_NS
        expires = getattr(self._calls, "expires", None)
        return self._latest_ns if expires is None else expires

    def fuel(self) -> int:
        """Compiled code's back-edges between clock reads."""
        return NO_FUEL_LIMIT if self.seconds is None else COMPILED_FUEL

    def poll(self) -> int:
        """Raises DEADLINE_EXCEEDED if the current call has expired; else the
        interpreted branches until the next poll."""
        if self.seconds is None:
            return NO_FUEL_LIMIT
        if time.monotonic_ns() > self.expires_ns():
            raise self.exceeded()
        return POLL_BRANCHES

    def exceeded(self) -> DeadlineExceededError:
        """The error of a call stopped at its deadline (the frames say where)."""
        return DeadlineExceededError(
            f"call stopped after running past its deadline of {self.seconds:g} s (set by "
            f"{self.source}); a program that loops forever, or one that needs longer: raise "
            f"it with vmvxjit.load(..., deadline=S), --deadline=S or {ENV}=S")


NO_DEADLINE = Deadline()
