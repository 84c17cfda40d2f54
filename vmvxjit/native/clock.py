"""The monotonic clock compiled code reads for the call deadline (vm/deadline.py).

libc's `clock_gettime` is registered with LLVM's process-wide symbol table as
`vmvxjit_clock_gettime`, as native/libm.py registers libm, so compiled and
cached code (LLVM's and Numba's) finds it by name. CLOCK_MONOTONIC is the clock
`time.monotonic_ns()` reads on Linux, so both sides compare the same nanoseconds.
"""

from __future__ import annotations

import ctypes
from functools import lru_cache

ALIAS = "vmvxjit_clock_gettime"
CLOCK_MONOTONIC = 1


@lru_cache(maxsize=None)
def register() -> None:
    """Adds the alias to LLVM's symbol table (once per process)."""
    from llvmlite import binding

    libc = ctypes.CDLL(None)
    binding.add_symbol(ALIAS, ctypes.cast(libc.clock_gettime, ctypes.c_void_p).value)
