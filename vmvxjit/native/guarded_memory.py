"""Memory that native code cannot overrun unnoticed: each allocation is its own
anonymous mapping with an inaccessible page (PROT_NONE) on either side.

A module's native code is trusted, as in IREE, but the VM bytecode that drives it
is input: a workgroup count grown by one bit makes an executable write far past
its bindings (the fuzzer found a convolution writing 1.8 KiB past its 256-byte
result). In malloc's heap that damages the allocator's own records and the process
aborts later, away from the cause (IREE's runtime does). Here the first access
past the slack lands on a guard page: a fault inside the trapped dispatch
(native/trap.py), which becomes a NativeCodeFault error.

The data ends SLACK bytes, plus less than its alignment, before the trailing guard
page and starts at least SLACK bytes after the leading one: IREE's executables may
read a little outside their bindings (its GridSample does), and what they read
there is zeros, not whatever memory happens to be next. An allocation costs about
9 us of system calls (mmap, two mprotect, munmap once collected), so callers that
allocate per call reuse them (hal_inline/memory_pool.py).
"""

from __future__ import annotations

import ctypes
import mmap

import numpy as np

from vmvxjit.errors import InternalError
from vmvxjit.native.executable_memory import PAGE_SIZE, PROT_NONE, page_ceil, protect

SLACK = 512


def guarded_zeros(length: int, alignment: int) -> np.ndarray:
    """`length` zeroed bytes, `alignment`-aligned, between guard pages; MemoryError
    when the system has no room for them."""
    inner = page_ceil(2 * SLACK + length + alignment)
    try:
        mapping = mmap.mmap(-1, inner + 2 * PAGE_SIZE, flags=mmap.MAP_PRIVATE)
    except (OSError, OverflowError):
        raise MemoryError(f"unable to map {length} bytes") from None
    base = ctypes.addressof(ctypes.c_char.from_buffer(mapping))
    try:
        protect(base, base + PAGE_SIZE, PROT_NONE)
        protect(base + PAGE_SIZE + inner, base + 2 * PAGE_SIZE + inner, PROT_NONE)
    except InternalError:    # the process's limit on mappings (each guard splits one)
        raise MemoryError(f"unable to guard {length} bytes") from None
    end = PAGE_SIZE + inner - SLACK - length
    start = end - (base + end) % alignment
    return np.frombuffer(mapping, np.uint8, length, start)
