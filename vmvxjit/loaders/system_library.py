"""The system-library loader: `system-elf-<arch>` executables opened with dlopen.

The blob (minus an optional 48-byte `IREEDBG` debug footer) is written to a
private memfd and opened with `dlopen(/proc/self/fd/N, RTLD_LAZY|RTLD_LOCAL)`;
the C library's loader maps, relocates and initializes it. The ELF headers
are validated first (glibc does not expect hostile files), and the loaded
segments (from the headers plus the link map's load bias) bound every read
of the library's metadata.
"""

from __future__ import annotations

import ctypes
import os
import struct

import numpy as np

from vmvxjit.errors import NotFoundError, OutOfRangeError
from vmvxjit.loaders.elf import ARCHES, ElfHeaders
from vmvxjit.loaders.executable import LibraryExecutable
from vmvxjit.loaders.library_abi import QUERY_SYMBOL, NativeMemory
from vmvxjit.native.cpu import HOST_ARCH
from vmvxjit.vm.allocation_limit import UNLIMITED, AllocationLimit

_FOOTER = struct.Struct("<8sIIQQQQ")
_FOOTER_MAGIC = b"IREEDBG\0"
_RTLD_DI_LINKMAP = 2

_libdl = ctypes.CDLL(None)
if not hasattr(_libdl, "dlinfo"):
    _libdl = ctypes.CDLL("libdl.so.2")
_libdl.dlopen.restype = ctypes.c_void_p
_libdl.dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
_libdl.dlsym.restype = ctypes.c_void_p
_libdl.dlsym.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_libdl.dlclose.restype = ctypes.c_int
_libdl.dlclose.argtypes = [ctypes.c_void_p]
_libdl.dlerror.restype = ctypes.c_char_p
_libdl.dlerror.argtypes = []
_libdl.dlinfo.restype = ctypes.c_int
_libdl.dlinfo.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]


def library_bytes(data) -> memoryview:
    """The shared object inside `data`: everything, or the footer's library range."""
    view = memoryview(data).cast("B")
    if len(view) < _FOOTER.size:
        return view
    magic, _version, _flags, _offset, library_size, debug_offset, debug_size = _FOOTER.unpack_from(
        view, len(view) - _FOOTER.size)
    if magic != _FOOTER_MAGIC:
        return view
    available = len(view) - _FOOTER.size
    if library_size > available or debug_offset + debug_size > available:
        raise OutOfRangeError("system library footer references out of range bytes")
    return view[:library_size]


def _is_loaded(path: bytes) -> bool:
    handle = _libdl.dlopen(path, os.RTLD_LAZY | os.RTLD_NOLOAD)
    if handle:
        _libdl.dlclose(handle)
    return bool(handle)


class OpenLibrary:
    """A dlopen-ed memfd copy of a shared object; `close` frees both."""

    def __init__(self, library: memoryview):
        self._fds = [os.memfd_create("iree-executable", os.MFD_CLOEXEC)]
        try:
            with os.fdopen(self._fds[0], "wb", closefd=False) as file:
                file.write(library)
            # glibc hands back an already-loaded object of the same path name,
            # so never reuse a /proc/self/fd/N that names one (a library whose
            # dlclose did not unload it still holds its name).
            while _is_loaded(self._path):
                self._fds.append(os.dup(self._fds[0]))
            self.handle = _libdl.dlopen(self._path, os.RTLD_LAZY | os.RTLD_LOCAL)
            if not self.handle:
                raise NotFoundError(
                    f"failed to load dynamic library: {_libdl.dlerror().decode(errors='replace')}")
        except BaseException:
            self._close_fds()
            raise

    @property
    def _path(self) -> bytes:
        return f"/proc/self/fd/{self._fds[-1]}".encode()

    @property
    def load_bias(self) -> int:
        """The difference between host and ELF virtual addresses (link_map.l_addr)."""
        link_map = ctypes.c_void_p()
        if _libdl.dlinfo(self.handle, _RTLD_DI_LINKMAP, ctypes.byref(link_map)) != 0:
            raise NotFoundError(f"dlinfo failed: {_libdl.dlerror().decode(errors='replace')}")
        return ctypes.c_size_t.from_address(link_map.value).value

    def symbol(self, name: str) -> int:
        address = _libdl.dlsym(self.handle, name.encode())
        if not address:
            raise NotFoundError(f"symbol '{name}' not found in library")
        return address

    def close(self) -> None:
        """dlcloses the library and closes its memfd; idempotent."""
        if self.handle:
            _libdl.dlclose(self.handle)
            self.handle = None
        self._close_fds()

    def _close_fds(self) -> None:
        while self._fds:
            os.close(self._fds.pop())


class SystemLibraryLoader:
    """Loads `system-elf-<host arch>…` executables."""

    def __init__(self):
        self.arch = ARCHES.get(HOST_ARCH)

    def supports(self, format: str) -> bool:
        return self.arch is not None and format.startswith(f"system-elf-{self.arch.name}")

    def load(self, format: str, data: np.ndarray, constants: np.ndarray | None,
             allocations: AllocationLimit = UNLIMITED) -> LibraryExecutable:
        library = library_bytes(data)
        headers = ElfHeaders(library, self.arch)
        size = headers.vaddr_end - headers.vaddr_base
        allocations.charge(size, "a system library image")
        try:
            opened = OpenLibrary(library)
        except BaseException:
            allocations.credit(size)
            raise

        def free():
            opened.close()
            allocations.credit(size)
        try:
            bias = opened.load_bias
            memory = NativeMemory([(bias + s.vaddr, bias + s.end, s.flags) for s in headers.segments])
            query_address = opened.symbol(QUERY_SYMBOL)
        except BaseException:
            free()
            raise
        return LibraryExecutable(query_address, memory, constants, free, allocations)
