"""Maps a validated embedded ELF into anonymous memory, the way IREE does.

One private anonymous reservation holds the whole image (base aligned to the
largest segment alignment); PT_LOAD bytes are copied in (the rest stays zero),
relocations applied, then each segment gets its own protection (W^X was
checked by the parser), gaps become inaccessible and PT_GNU_RELRO read-only.
Initializers (DT_INIT, DT_INIT_ARRAY) run last. Nothing here reads outside
the ranges `elf.parse_embedded` validated.
"""

from __future__ import annotations

import ctypes
import mmap

import numpy as np

from vmvxjit.errors import ModuleFormatError
from vmvxjit.loaders.elf import PF_R, PF_W, PF_X, ElfDynamic, ElfHeaders
from vmvxjit.native import trap
from vmvxjit.native.executable_memory import (
    PROT_NONE, flush_instruction_cache, page_ceil, page_floor, protect, reserve, unmap,
)
from vmvxjit.vm.allocation_limit import AllocationLimit

_U64 = 1 << 64

# Segment flag → the protection it implies (write and execute imply read).
_PROTECTION_OF_FLAG = {
    PF_R: mmap.PROT_READ,
    PF_W: mmap.PROT_READ | mmap.PROT_WRITE,
    PF_X: mmap.PROT_READ | mmap.PROT_EXEC,
}
_INIT_ARRAY_SKIP = (0, _U64 - 1)


def _protection(flags: int) -> int:
    protection = PROT_NONE
    for flag, implied in _PROTECTION_OF_FLAG.items():
        if flags & flag:
            protection |= implied
    return protection


def _reserve(size: int, alignment: int) -> int:
    """The image's zeroed read-write reservation (tools/fuzz notes each one)."""
    return reserve(size, alignment, "an ELF image")


class MappedImage:
    """An embedded ELF loaded into this process.

    `ranges` lists `(start, end, flags)` of each PT_LOAD segment in host
    addresses; `bias` turns ELF virtual addresses into host addresses. The
    image's size is charged to `allocations` until it is unmapped.
    """

    def __init__(self, headers: ElfHeaders, dynamic: ElfDynamic, allocations: AllocationLimit):
        self.size = headers.vaddr_end - headers.vaddr_base
        self._allocations = allocations
        allocations.charge(self.size, "an embedded ELF image")
        try:
            self.base = _reserve(self.size, headers.alignment)
        except BaseException:
            allocations.credit(self.size)
            raise
        self.bias = self.base - headers.vaddr_base
        self.ranges = [(self.bias + s.vaddr, self.bias + s.end, s.flags) for s in headers.segments]
        try:
            image = np.frombuffer((ctypes.c_uint8 * self.size).from_address(self.base), np.uint8)
            self._copy_segments(image, headers)
            self._relocate(image, headers, dynamic)
            initializers = self._initializers(image, headers, dynamic)
            del image
            self._protect(headers)
            for initializer in initializers:
                trap.call(initializer, 0, 0, f"the ELF image's initializer at "
                                             f"0x{initializer - self.bias:X}")
        except BaseException:
            self.unmap()
            raise

    def address(self, vaddr: int) -> int:
        return self.bias + vaddr

    def unmap(self) -> None:
        """Releases the image; idempotent."""
        if self.base:
            unmap(self.base, self.size)
            self.base = 0
            self._allocations.credit(self.size)

    def _copy_segments(self, image: np.ndarray, headers: ElfHeaders) -> None:
        source = np.frombuffer(headers.data, np.uint8)
        for segment in headers.segments:
            start = segment.vaddr - headers.vaddr_base
            image[start:start + segment.filesz] = source[segment.offset:segment.offset + segment.filesz]

    def _relocate(self, image: np.ndarray, headers: ElfHeaders, dynamic: ElfDynamic) -> None:
        relocations = dynamic.relocations
        if not len(relocations):
            return
        bias = np.uint64(self.bias % _U64)
        offsets = relocations["offset"]
        symbols = relocations["sym"]
        sym_addresses = np.where(symbols != 0, dynamic.symbols["value"][symbols] + bias, np.uint64(0))
        addends = relocations["addend"].view(np.uint64)
        places = offsets + bias
        types = relocations["type"]
        for code in sorted(set(types.tolist())):
            kind = headers.arch.relocations[code]
            chosen = types == code
            value = (bias * np.uint64(kind.bias)
                     + sym_addresses[chosen] * np.uint64(kind.sym)
                     + addends[chosen] * np.uint64(kind.addend)
                     - places[chosen] * np.uint64(kind.place))
            index = (offsets[chosen] - np.uint64(headers.vaddr_base)).astype(np.int64)[:, None]
            index = index + np.arange(kind.width)
            if kind.add_existing:
                value += np.ascontiguousarray(image[index]).view("<u8").ravel()
            image[index] = value.astype("<u8").view(np.uint8).reshape(-1, 8)[:, :kind.width]

    def _initializers(self, image: np.ndarray, headers: ElfHeaders, dynamic: ElfDynamic) -> list[int]:
        """DT_INIT then the relocated DT_INIT_ARRAY entries, as host addresses."""
        functions = [self.address(dynamic.init)] if dynamic.init else []
        vaddr, size = dynamic.init_array
        start = vaddr - headers.vaddr_base
        for entry in image[start:start + size].view("<u8").tolist():
            if entry in _INIT_ARRAY_SKIP:
                continue
            if not any(lo <= entry < hi and flags & PF_X for lo, hi, flags in self.ranges):
                raise ModuleFormatError(
                    f"DT_INIT_ARRAY entry 0x{entry:X} is not inside an executable segment")
            functions.append(entry)
        return functions

    def _protect(self, headers: ElfHeaders) -> None:
        cursor = self.base
        for start, end, flags in self.ranges:
            page_start, page_end = page_floor(start), page_ceil(end)
            protect(cursor, page_start, PROT_NONE)
            protect(page_start, page_end, _protection(flags))
            if flags & PF_X and headers.arch.flush_icache:
                flush_instruction_cache(start, end)
            cursor = page_end
        protect(cursor, self.base + self.size, PROT_NONE)
        for segment in headers.relro:
            protect(page_floor(self.address(segment.vaddr)),
                    page_floor(self.address(segment.end)), mmap.PROT_READ)
