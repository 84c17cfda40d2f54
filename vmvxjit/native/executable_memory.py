"""Anonymous memory for machine code: reserved read-write, filled, then protected.

The embedded-ELF loader maps each image this way (loaders/elf_mapping.py), and
machine_code.py maps the functions it keeps on disk. libc's mmap and
mprotect are called through ctypes, so a reservation can be aligned and its
parts protected separately.
"""

from __future__ import annotations

import ctypes
import mmap
import os

from vmvxjit.errors import InternalError, ResourceExhaustedError

PAGE_SIZE = mmap.PAGESIZE
PROT_NONE = 0

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                       ctypes.c_int, ctypes.c_long]
_libc.mprotect.restype = ctypes.c_int
_libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_libc.munmap.restype = ctypes.c_int
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_MAP_FAILED = (1 << (8 * ctypes.sizeof(ctypes.c_void_p))) - 1


def page_floor(value: int) -> int:
    return value & ~(PAGE_SIZE - 1)


def page_ceil(value: int) -> int:
    return (value + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


def _os_error(what: str) -> str:
    return f"{what}: {os.strerror(ctypes.get_errno())}"


def reserve(size: int, alignment: int, what: str) -> int:
    """A zeroed read-write reservation of `size` bytes aligned to `alignment` (a
    multiple of the page size); RESOURCE_EXHAUSTED naming `what` if there is none."""
    span = size + alignment - PAGE_SIZE
    address = _libc.mmap(None, span, mmap.PROT_READ | mmap.PROT_WRITE,
                         mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
    if address is None or address == _MAP_FAILED:
        raise ResourceExhaustedError(_os_error(f"unable to reserve {size} bytes for {what}"))
    base = (address + alignment - 1) & ~(alignment - 1)
    if base > address:
        _libc.munmap(address, base - address)
    tail = address + span - (base + size)
    if tail:
        _libc.munmap(base + size, tail)
    return base


def protect(start: int, end: int, protection: int) -> None:
    """mprotect of the pages [start, end) (page-aligned; nothing if empty)."""
    if end > start and _libc.mprotect(start, end - start, protection) != 0:
        raise InternalError(_os_error(f"mprotect of 0x{start:X}-0x{end:X} failed"))


def unmap(start: int, size: int) -> None:
    _libc.munmap(start, size)


def flush_instruction_cache(start: int, end: int) -> None:
    """Makes code just written to [start, end) visible to instruction fetch (needed
    on arm64; x86-64 keeps its caches coherent)."""
    clear_cache = ctypes.CDLL("libgcc_s.so.1").__clear_cache
    clear_cache.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    clear_cache.restype = None
    clear_cache(start, end)
