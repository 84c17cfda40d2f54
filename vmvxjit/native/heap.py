"""The heap that lowered code's `np.zeros` arrays come from (vm/jit/llvm_lower.py).

libc's `calloc` and `free` are registered with LLVM's process-wide symbol table
under aliases, as native/clock.py registers the clock, so compiled and cached
code finds them by name.
"""

from __future__ import annotations

import ctypes
from functools import lru_cache

CALLOC, FREE = "vmvxjit_calloc", "vmvxjit_free"


@lru_cache(maxsize=None)
def register() -> None:
    """Adds the aliases to LLVM's symbol table (once per process)."""
    from llvmlite import binding

    libc = ctypes.CDLL(None)
    binding.add_symbol(CALLOC, ctypes.cast(libc.calloc, ctypes.c_void_p).value)
    binding.add_symbol(FREE, ctypes.cast(libc.free, ctypes.c_void_p).value)
