"""The cap on the bytes a program's live buffers hold (`max_allocation`).

A program has one AllocationLimit, shared by everything that allocates for it:
`hal_inline` buffers, `vm.buffer.alloc`/`clone`, module globals, executable
images and scratch, and the buffers tooling parses its inputs into. Each
allocation is charged *before* its memory is touched, so a runaway size is a
RESOURCE_EXHAUSTED error instead of a MemoryError or the OOM killer, and is
credited back when its memory is freed (the owning numpy array is collected,
or an image unmapped). Without a cap, the default, nothing is counted.
"""

from __future__ import annotations

import os
import re
import threading
import weakref

import numpy as np

from vmvxjit.errors import InvalidArgumentError, ResourceExhaustedError
from vmvxjit.vm.buffer import allocate_checked

ENV = "VMVXJIT_MAX_ALLOCATION"
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_SIZE = re.compile(r"(\d+(?:\.\d*)?)\s*([kmgt]?)(?:i?b)?", re.IGNORECASE)
_RAISE_IT = (f"raise it with vmvxjit.load(..., max_allocation=N), --max-allocation=N "
             f"or {ENV}=N (bytes, or with a K/M/G/T suffix)")


def zeroed(length: int) -> np.ndarray:
    """`length` zeroed bytes: the allocator of most charged memory."""
    return np.zeros(length, dtype=np.uint8)


def parse_size(value, source: str) -> int:
    """`value` as a positive byte count: an int, or text such as `4096`, `512M`, `1.5G`
    (binary units; a trailing `B`/`iB` is allowed). `source` names where it came from."""
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    else:
        match = _SIZE.fullmatch(str(value).strip())
        if match is None:
            raise InvalidArgumentError(
                f"{source}={value!r} is not a size (bytes, or a number with K, M, G or T)")
        size = int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    if size <= 0:
        raise InvalidArgumentError(f"{source}={value!r} must be a positive number of bytes")
    return size


class AllocationLimit:
    """Live bytes charged against an optional cap (`cap` None: no cap, nothing counted)."""

    __slots__ = ("cap", "source", "live", "_counting")

    def __init__(self, cap: int | None = None, source: str = "max_allocation"):
        self.cap = cap
        self.source = source
        self.live = 0
        # Calls on several threads charge at once; reentrant, as a collection inside
        # `charge` may run a finalizer that credits.
        self._counting = threading.RLock()

    @classmethod
    def resolve(cls, option=None) -> "AllocationLimit":
        """The limit for a program: the `max_allocation` option, else VMVXJIT_MAX_ALLOCATION,
        else none."""
        if option is not None:
            return cls(parse_size(option, "max_allocation"), "max_allocation")
        text = os.environ.get(ENV, "").strip()
        return cls(parse_size(text, ENV), ENV) if text else cls()

    def check(self, length: int, what: str) -> None:
        """Raises RESOURCE_EXHAUSTED if `length` more bytes would exceed the cap (for a
        transient copy, which is not held against the cap)."""
        if self.cap is not None and length > 0 and self.live + length > self.cap:
            raise ResourceExhaustedError(
                f"allocating {length} bytes for {what} would exceed the allocation cap of "
                f"{self.cap} bytes ({self.live} bytes already live; cap set by {self.source}); "
                + _RAISE_IT)

    def charge(self, length: int, what: str) -> None:
        """Holds `length` bytes against the cap until `credit(length)`."""
        if self.cap is not None and length > 0:
            with self._counting:
                self.check(length, what)
                self.live += length

    def credit(self, length: int) -> None:
        if self.cap is not None and length > 0:
            with self._counting:
                self.live -= length

    def allocate(self, length: int, allocate, what: str):
        """`allocate(length)`, a numpy array, charged until that memory is collected;
        RESOURCE_EXHAUSTED for a size over the cap, a negative size or a failed allocation."""
        if self.cap is None or length <= 0:
            return allocate_checked(length, allocate)
        self.charge(length, what)
        try:
            memory = allocate_checked(length, allocate)
        except BaseException:
            self.credit(length)
            raise
        weakref.finalize(memory if memory.base is None else memory.base, self.credit, length)
        return memory


UNLIMITED = AllocationLimit()   # the default: no cap, nothing counted
