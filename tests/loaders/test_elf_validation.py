"""Corrupt ELFs: every malformation is a vmvxjit error, in-process, never a crash.

Mutations start from a real IREE embedded ELF (generic x86-64/aarch64 build of
the test suite) and patch one header, table entry or relocation.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from vmvxjit.errors import (
    Error,
    ModuleFormatError,
    NotFoundError,
    PermissionDeniedError,
    UnavailableError,
    UnimplementedError,
)
from vmvxjit.loaders import elf
from vmvxjit.loaders.embedded_elf import EmbeddedElfLoader
from vmvxjit.loaders.system_library import SystemLibraryLoader
from vmvxjit.native.cpu import HOST_ARCH

PT_NOTE = 4
DT_FLAGS, DT_FLAGS_1, DT_GNU_HASH, DT_NEEDED = 0x1E, 0x6FFFFFFB, 0x6FFFFEF5, 1
UNKNOWN_RELOCATION = 37  # R_X86_64_IRELATIVE; no aarch64 relocation has this number
ABSOLUTE_RELOCATION = {"x86_64": 1, "arm_64": 257}.get(HOST_ARCH, 1)


class Patchable:
    """A mutable copy of an ELF with locators for the parts tests patch."""

    def __init__(self, data):
        self.data = bytearray(bytes(data))
        phoff, = struct.unpack_from("<Q", self.data, 32)
        phnum, = struct.unpack_from("<H", self.data, 56)
        self.phdrs = [phoff + 56 * i for i in range(phnum)]

    def u16(self, offset, value):
        struct.pack_into("<H", self.data, offset, value)

    def u32(self, offset, value):
        struct.pack_into("<I", self.data, offset, value)

    def u64(self, offset, value):
        struct.pack_into("<Q", self.data, offset, value)

    def phdr(self, p_type, flags=None) -> int:
        """File offset of the first program header of `p_type` (and `flags`)."""
        for offset in self.phdrs:
            found_type, found_flags = struct.unpack_from("<II", self.data, offset)
            if found_type == p_type and flags in (None, found_flags):
                return offset
        raise LookupError(p_type)

    def loads(self):
        for offset in self.phdrs:
            p_type, flags, p_offset, vaddr, _, filesz, memsz, _ = struct.unpack_from(
                "<IIQQQQQQ", self.data, offset)
            if p_type == elf.PT_LOAD:
                yield flags, p_offset, vaddr, filesz, memsz

    def file_offset(self, vaddr: int) -> int:
        for _, p_offset, start, filesz, _ in self.loads():
            if start <= vaddr < start + filesz:
                return p_offset + vaddr - start
        raise LookupError(hex(vaddr))

    def dynamic(self) -> dict[int, int]:
        """Dynamic tag -> file offset of its entry."""
        _, _, p_offset, _, _, filesz, _, _ = struct.unpack_from(
            "<IIQQQQQQ", self.data, self.phdr(elf.PT_DYNAMIC))
        entries = {}
        for offset in range(p_offset, p_offset + filesz, 16):
            tag, = struct.unpack_from("<q", self.data, offset)
            entries.setdefault(tag, offset)
        return entries

    def dyn_value(self, tag: int) -> int:
        return struct.unpack_from("<Q", self.data, self.dynamic()[tag] + 8)[0]

    def set_dyn(self, old_tag: int, tag: int, value: int):
        offset = self.dynamic()[old_tag]
        struct.pack_into("<qQ", self.data, offset, tag, value)

    def rela(self, index: int = 0) -> int:
        return self.file_offset(self.dyn_value(elf.DT_RELA)) + 24 * index

    def symbol(self, index: int) -> int:
        return self.file_offset(self.dyn_value(elf.DT_SYMTAB)) + 24 * index

    def segment_range(self, flags: int) -> tuple[int, int]:
        """File range of the PT_LOAD with exactly `flags`."""
        for found, p_offset, _, filesz, _ in self.loads():
            if found == flags:
                return p_offset, p_offset + filesz
        raise LookupError(flags)

    def vaddr_of(self, flags: int) -> int:
        return next(vaddr for found, _, vaddr, _, _ in self.loads() if found == flags)

    def array(self) -> np.ndarray:
        return np.frombuffer(bytes(self.data), np.uint8)


R, RX, RW = elf.PF_R, elf.PF_R | elf.PF_X, elf.PF_R | elf.PF_W


@pytest.fixture(scope="module")
def iree_elf(suite_executable):
    return bytes(suite_executable("generic")[1])


def load(data) -> None:
    """Loads with the embedded-ELF loader and releases again."""
    EmbeddedElfLoader().load("embedded-elf", np.frombuffer(bytes(data), np.uint8), None).release()


def test_unmodified_blob_loads(iree_elf):
    load(iree_elf)


def test_truncations(iree_elf):
    patch = Patchable(iree_elf)
    first_load_end = min(p_offset + filesz for _, p_offset, _, filesz, _ in patch.loads() if filesz)
    sizes = [0, 4, 16, 63, 64, patch.phdrs[-1] + 55, first_load_end - 1,
             len(iree_elf) // 2, len(iree_elf) - 1]
    for size in sizes:
        with pytest.raises(ModuleFormatError):
            load(iree_elf[:size])


def _ehdr(offset, fmt, value):
    def mutate(patch):
        struct.pack_into(fmt, patch.data, offset, value)
    return mutate


def _phdr(p_type, flags, field_offset, fmt, value):
    def mutate(patch):
        struct.pack_into(fmt, patch.data, patch.phdr(p_type, flags) + field_offset, value)
    return mutate


def _dyn(old_tag, tag, value):
    return lambda patch: patch.set_dyn(old_tag, tag, value)


def _dyn_value(tag, value):
    return lambda patch: patch.set_dyn(tag, tag, value)


def _rela(index, field, value):
    field_offset = {"offset": 0, "info": 8, "addend": 16}[field]
    return lambda patch: patch.u64(patch.rela(index) + field_offset, value)


def _all_addends(value):
    def mutate(patch):
        for index in range(patch.dyn_value(elf.DT_RELASZ) // 24):
            patch.u64(patch.rela(index) + 16, value)
    return mutate


def _symbol(index, field_offset, fmt, value):
    def mutate(patch):
        struct.pack_into(fmt, patch.data, patch.symbol(index) + field_offset, value)
    return mutate


def _rename_query(patch):
    name = patch.file_offset(patch.dyn_value(elf.DT_STRTAB)) + struct.unpack_from(
        "<I", patch.data, patch.symbol(1))[0]
    patch.data[name] = ord("X")


def _relocate_text(patch):
    patch.u64(patch.rela(0), patch.vaddr_of(RX))


def _overlapping_relocations(patch):
    patch.u64(patch.rela(1), struct.unpack_from("<Q", patch.data, patch.rela(0))[0] + 4)


def _filesz_beyond_memsz(patch):
    offset = patch.phdr(elf.PT_LOAD, R)
    memsz, = struct.unpack_from("<Q", patch.data, offset + 40)
    patch.u64(offset + 32, memsz + 8)


def _overlapping_loads(patch):
    """Moves the writable segment onto the code (alignment 0 so only overlap is wrong)."""
    offset = patch.phdr(elf.PT_LOAD, RW)
    patch.u64(offset + 16, patch.vaddr_of(RX))
    patch.u64(offset + 48, 0)


def _init_array_of_data(patch):
    target = struct.unpack_from("<Q", patch.data, patch.rela(0))[0]
    patch.set_dyn(DT_FLAGS, elf.DT_INIT_ARRAY, target)
    patch.set_dyn(DT_FLAGS_1, elf.DT_INIT_ARRAYSZ, 8)


def _init_array_outside(patch):
    patch.set_dyn(DT_FLAGS, elf.DT_INIT_ARRAY, 0x100000)
    patch.set_dyn(DT_FLAGS_1, elf.DT_INIT_ARRAYSZ, 8)


CORRUPTIONS = {
    "magic": (_ehdr(0, "4s", b"\x7fELG"), ModuleFormatError, "ELF identifier"),
    "class": (_ehdr(4, "B", 1), ModuleFormatError, "class 1"),
    "endianness": (_ehdr(5, "B", 2), ModuleFormatError, "little-endian"),
    "version": (_ehdr(20, "<I", 2), ModuleFormatError, "version 2"),
    "machine": (_ehdr(18, "<H", 0x28), ModuleFormatError, "machine 0x0028"),
    "type": (_ehdr(16, "<H", 2), ModuleFormatError, "ET_DYN"),
    "ehsize": (_ehdr(52, "<H", 60), ModuleFormatError, "entity size"),
    "phoff outside": (_ehdr(32, "<Q", 1 << 40), ModuleFormatError, "program header table"),
    "phnum huge": (_ehdr(56, "<H", 0xFFFF), ModuleFormatError, "program header table"),
    "no phdrs": (_ehdr(56, "<H", 0), ModuleFormatError, "program header table"),
    "shoff outside": (_ehdr(40, "<Q", 1 << 40), ModuleFormatError, "section header table"),
    "load offset outside": (_phdr(elf.PT_LOAD, RW, 8, "<Q", 1 << 40), ModuleFormatError,
                            "outside the file"),
    "filesz > memsz": (_filesz_beyond_memsz, ModuleFormatError, "larger than p_memsz"),
    "memsz huge": (_phdr(elf.PT_LOAD, RW, 40, "<Q", 1 << 40), ModuleFormatError, "out of range"),
    "vaddr huge": (_phdr(elf.PT_LOAD, RW, 16, "<Q", (1 << 64) - 0x1000), ModuleFormatError,
                   "out of range"),
    "bad alignment": (_phdr(elf.PT_LOAD, RW, 48, "<Q", 0x1001), ModuleFormatError,
                      "invalid alignment"),
    "vaddr/offset mismatch": (_phdr(elf.PT_LOAD, RW, 16, "<Q", 0x5008), ModuleFormatError,
                              "disagree modulo"),
    "overlapping loads": (_overlapping_loads, ModuleFormatError, "overlap"),
    "writable code": (_phdr(elf.PT_LOAD, RX, 4, "<I", 7), PermissionDeniedError,
                      "writable and executable"),
    "relro outside": (_phdr(elf.PT_GNU_RELRO, None, 16, "<Q", 1 << 30), ModuleFormatError,
                      "PT_GNU_RELRO"),
    "no dynamic": (_phdr(elf.PT_DYNAMIC, None, 0, "<I", PT_NOTE), ModuleFormatError,
                   "no PT_DYNAMIC"),
    "dynamic outside": (_phdr(elf.PT_DYNAMIC, None, 16, "<Q", 1 << 30), ModuleFormatError,
                        "PT_DYNAMIC table at"),
    "syment": (_dyn_value(elf.DT_SYMENT, 16), ModuleFormatError, "DT_SYMENT size mismatch"),
    "relaent": (_dyn_value(elf.DT_RELAENT, 16), ModuleFormatError, "DT_RELAENT size mismatch"),
    "DT_REL": (_dyn(DT_FLAGS, elf.DT_REL, 0), ModuleFormatError, "unsupported DT_REL"),
    "DT_PLTREL": (_dyn(DT_FLAGS, elf.DT_PLTREL, elf.DT_REL), ModuleFormatError, "DT_PLTREL"),
    "no symtab": (_dyn(elf.DT_SYMTAB, DT_FLAGS, 0), ModuleFormatError, "DT_SYMTAB"),
    "hash outside": (_dyn_value(elf.DT_HASH, 1 << 30), ModuleFormatError, "DT_HASH table at"),
    "strsz huge": (_dyn_value(elf.DT_STRSZ, 1 << 30), ModuleFormatError, "DT_STRTAB string table"),
    "relasz ragged": (_dyn_value(elf.DT_RELASZ, 25), ModuleFormatError, "multiple of 24"),
    "relasz huge": (_dyn_value(elf.DT_RELASZ, 24 << 30), ModuleFormatError, "DT_RELA table at"),
    "relocation outside": (_rela(0, "offset", 1 << 30), ModuleFormatError, "outside the writable"),
    "relocation in code": (_relocate_text, ModuleFormatError, "outside the writable"),
    "relocation wraps": (_rela(0, "offset", (1 << 64) - 4), ModuleFormatError, "outside the writable"),
    "relocations overlap": (_overlapping_relocations, ModuleFormatError, "overlap"),
    "relocation type": (_rela(0, "info", UNKNOWN_RELOCATION), UnimplementedError,
                        "relocation type 37"),
    "relocation symbol": (_rela(0, "info", (9 << 32) | ABSOLUTE_RELOCATION), ModuleFormatError,
                          "invalid symbol in relocation: 9"),
    "symbol import": (_symbol(1, 6, "<H", 0), UnavailableError,
                      "imports one or more symbols .*'iree_hal_executable_library_query'"),
    "symbol name outside": (_symbol(1, 0, "<I", 0x7FFFFFFF), ModuleFormatError, "DT_STRTAB"),
    "query missing": (_rename_query, NotFoundError,
                      "exported symbol with name 'iree_hal_executable_library_query' not found"),
    "query not code": (_symbol(1, 8, "<Q", 0x10), ModuleFormatError,
                       "query at 0x.* is outside the executable segments"),
    "library pointers garbage": (_all_addends(1 << 40), ModuleFormatError,
                                 "header at 0x.* is outside the readable segments"),
    "DT_INIT not code": (_dyn(DT_FLAGS, elf.DT_INIT, 0x10), ModuleFormatError,
                         "DT_INIT 0x10 is not inside an executable segment"),
    "DT_INIT_ARRAY outside": (_init_array_outside, ModuleFormatError, "DT_INIT_ARRAY at"),
    "DT_INIT_ARRAY entry not code": (_init_array_of_data, ModuleFormatError,
                                     "DT_INIT_ARRAY entry .* is not inside an executable segment"),
}


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_corruption(iree_elf, name):
    mutate, error, match = CORRUPTIONS[name]
    patch = Patchable(iree_elf)
    mutate(patch)
    with pytest.raises(error, match=match):
        load(patch.data)


def test_foreign_architecture_is_rejected(iree_elf):
    foreign = next(arch for name, arch in elf.ARCHES.items() if name != HOST_ARCH)
    with pytest.raises(ModuleFormatError, match="does not match the running architecture"):
        elf.ElfHeaders(iree_elf, foreign)


@pytest.mark.parametrize("name", ["machine", "writable code", "load offset outside"])
def test_system_library_validates_headers_before_dlopen(iree_elf, name):
    mutate, error, match = CORRUPTIONS[name]
    patch = Patchable(iree_elf)
    mutate(patch)
    with pytest.raises(error, match=match):
        SystemLibraryLoader().load("system-elf", patch.array(), None)


def test_system_library_dlopen_failure_is_an_error(iree_elf):
    patch = Patchable(iree_elf)
    patch.set_dyn(DT_FLAGS, DT_NEEDED, struct.unpack_from("<I", patch.data, patch.symbol(1))[0])
    with pytest.raises(NotFoundError, match="failed to load dynamic library"):
        SystemLibraryLoader().load("system-elf", patch.array(), None)


def _fuzz_regions(data: bytes) -> list[tuple[int, int]]:
    """File ranges whose corruption must never crash the loader.

    Left alone: code, the program headers, the dynamic table and the symbol
    table. Corrupting those can legitimately send any loader into arbitrary
    code (a moved segment, DT_INIT or query symbol). Relocations are safe to
    corrupt here only because IREE's ELFs have no initializer arrays.
    """
    patch = Patchable(data)
    shoff, = struct.unpack_from("<Q", patch.data, 40)
    shnum, = struct.unpack_from("<H", patch.data, 60)
    rela = patch.rela()
    _, _, dynamic, _, _, dynamic_size, _, _ = struct.unpack_from(
        "<IIQQQQQQ", patch.data, patch.phdr(elf.PT_DYNAMIC))
    writable_start, writable_end = patch.segment_range(RW)
    regions = [(0, 32), (40, 56), (58, 64), (shoff, shoff + 64 * shnum),
               (rela, rela + patch.dyn_value(elf.DT_RELASZ)),
               (writable_start, dynamic), (dynamic + dynamic_size, writable_end)]
    return [(start, end) for start, end in regions if end > start]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_corruption_is_an_error_or_loads(iree_elf, data):
    regions = _fuzz_regions(iree_elf)
    patch = Patchable(iree_elf)
    for _ in range(data.draw(st.integers(1, 8))):
        start, end = data.draw(st.sampled_from(regions))
        offset = data.draw(st.integers(start, end - 1))
        patch.data[offset] = data.draw(st.integers(0, 255))
    try:
        load(patch.data)
    except Error:
        pass
