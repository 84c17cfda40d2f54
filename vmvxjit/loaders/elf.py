"""Parses and validates an ELF64 shared object before anything is mapped.

Everything an executable loader reads from an ELF is checked here against the
file itself: the headers, the PT_LOAD segments (file ranges, sizes, alignment,
overlap, W^X), and for embedded ELFs the dynamic tables (symbols, strings,
relocations, initializers). Tables are read at their virtual addresses through
the segments that contain them, which is exactly what the mapped image will
hold before relocation, so the mapper (`elf_mapping`) only copies bytes and
applies relocations that are already known to be in range. The rules follow
IREE's `elf_module.c` and `arch/{x86_64,arm_64}.c`, plus a few sanity limits
IREE leaves to trust (documented where they are checked).
"""

from __future__ import annotations

import struct
from typing import NamedTuple

import numpy as np

from vmvxjit.errors import (
    ModuleFormatError,
    NotFoundError,
    PermissionDeniedError,
    UnavailableError,
    UnimplementedError,
)
from vmvxjit.native.executable_memory import PAGE_SIZE, page_ceil, page_floor

# Sanity limits IREE does not impose: an executable spans at most 1 GiB of
# address space and no segment asks for more than 16 MiB alignment.
MAX_IMAGE_SIZE = 1 << 30
MAX_SEGMENT_ALIGN = 1 << 24
# Virtual addresses stay below 2**63 so that they fit numpy's int64/uint64.
MAX_ADDRESS = 1 << 63

_EHDR = struct.Struct("<4sBBBBB7xHHIQQQIHHHHHH")
_PHDR = struct.Struct("<IIQQQQQQ")
_SHDR_SIZE = 64
_DYN = np.dtype([("tag", "<i8"), ("value", "<u8")])
_SYM = np.dtype([("name", "<u4"), ("info", "u1"), ("other", "u1"),
                 ("shndx", "<u2"), ("value", "<u8"), ("size", "<u8")])
_RELA = np.dtype([("offset", "<u8"), ("info", "<u8"), ("addend", "<i8")])
# Relocations as the mapper applies them (r_info split into type and symbol).
RELOCATION_DTYPE = np.dtype([("offset", "<u8"), ("type", "<u4"), ("sym", "<u4"), ("addend", "<i8")])

ELFCLASS64 = 2
ELFDATA2LSB = 1
EV_CURRENT = 1
ET_DYN = 3

PT_LOAD = 1
PT_DYNAMIC = 2
PT_GNU_RELRO = 0x6474E552
PF_X, PF_W, PF_R = 1, 2, 4

DT_NULL, DT_PLTRELSZ, DT_HASH, DT_STRTAB, DT_SYMTAB = 0, 2, 4, 5, 6
DT_RELA, DT_RELASZ, DT_RELAENT, DT_STRSZ, DT_SYMENT = 7, 8, 9, 10, 11
DT_INIT, DT_REL, DT_RELSZ, DT_RELENT, DT_PLTREL, DT_JMPREL = 12, 17, 18, 19, 20, 23
DT_INIT_ARRAY, DT_INIT_ARRAYSZ = 25, 27

SHN_UNDEF = 0
STB_GLOBAL, STB_WEAK = 1, 2


class RelocationKind(NamedTuple):
    """How one relocation type computes the value it stores.

    value = bias*B + S*sym + A*addend - P*place + existing*add_existing,
    truncated to `width` bytes (little-endian); S is bias + st_value of the
    referenced symbol (0 for symbol 0), P the address being patched. Width 0
    means "no-op".
    """

    name: str
    width: int
    bias: int = 0
    sym: int = 0
    addend: int = 0
    place: int = 0
    add_existing: int = 0


# The relocation types IREE's loader implements (arch/x86_64.c, arch/arm_64.c).
X86_64_RELOCATIONS = {
    0: RelocationKind("R_X86_64_NONE", 0),
    1: RelocationKind("R_X86_64_64", 8, sym=1, addend=1),
    2: RelocationKind("R_X86_64_PC32", 4, sym=1, addend=1, place=1),
    5: RelocationKind("R_X86_64_COPY", 8, sym=1),
    6: RelocationKind("R_X86_64_GLOB_DAT", 8, sym=1),
    7: RelocationKind("R_X86_64_JUMP_SLOT", 8, sym=1),
    8: RelocationKind("R_X86_64_RELATIVE", 8, bias=1, addend=1),
    10: RelocationKind("R_X86_64_32", 4, sym=1, addend=1),
    11: RelocationKind("R_X86_64_32S", 4, sym=1, addend=1),
}
AARCH64_RELOCATIONS = {
    0: RelocationKind("R_AARCH64_NONE", 0),
    257: RelocationKind("R_AARCH64_ABS64", 8, sym=1, addend=1, add_existing=1),
    1025: RelocationKind("R_AARCH64_GLOB_DAT", 8, sym=1, addend=1),
    1026: RelocationKind("R_AARCH64_JUMP_SLOT", 8, sym=1, addend=1),
    1027: RelocationKind("R_AARCH64_RELATIVE", 8, bias=1, addend=1),
}


class Arch(NamedTuple):
    """One IREE architecture name with its ELF machine and relocations."""

    name: str
    machine: int
    relocations: dict
    flush_icache: bool


ARCHES = {
    "x86_64": Arch("x86_64", 0x3E, X86_64_RELOCATIONS, flush_icache=False),
    "arm_64": Arch("arm_64", 0xB7, AARCH64_RELOCATIONS, flush_icache=True),
}


class Segment(NamedTuple):
    """A PT_LOAD segment (or a PT_DYNAMIC/PT_GNU_RELRO range)."""

    vaddr: int
    memsz: int
    offset: int
    filesz: int
    flags: int

    @property
    def end(self) -> int:
        return self.vaddr + self.memsz

    def contains(self, vaddr: int, size: int) -> bool:
        return self.vaddr <= vaddr and vaddr + size <= self.end


class ElfHeaders:
    """A validated ELF header and program header table.

    `segments` are the non-empty PT_LOAD segments sorted by address; the image
    spans `[vaddr_base, vaddr_end)` (page-aligned) and wants its base aligned
    to `alignment`. `relro` lists the PT_GNU_RELRO ranges, `dynamic` is the
    PT_DYNAMIC segment (None if absent).
    """

    def __init__(self, data, arch: Arch):
        self.data = memoryview(data).cast("B")
        self.arch = arch
        phoff, phnum = self._check_file_header()
        self._read_program_headers(phoff, phnum)

    def _check_file_header(self) -> tuple[int, int]:
        data = self.data
        if len(data) < _EHDR.size:
            raise ModuleFormatError(
                f"ELF data ({len(data)} bytes) is smaller than the ELF header ({_EHDR.size} bytes)")
        (magic, elf_class, encoding, ident_version, _osabi, _abiversion, e_type, machine,
         version, _entry, phoff, shoff, _flags, ehsize, phentsize, phnum, shentsize,
         shnum, _shstrndx) = _EHDR.unpack_from(data, 0)
        if magic != b"\x7fELF":
            raise ModuleFormatError("data does not contain the ELF identifier")
        if elf_class != ELFCLASS64:
            raise ModuleFormatError(f"ELF class {elf_class} unsupported; expected 64-bit (2)")
        if encoding != ELFDATA2LSB:
            raise ModuleFormatError(f"ELF data encoding {encoding} unsupported; expected little-endian (1)")
        if version != EV_CURRENT or ident_version != EV_CURRENT:
            raise ModuleFormatError(
                f"ELF version {version} (identifier version {ident_version}) unsupported; expected 1")
        if machine != self.arch.machine:
            raise ModuleFormatError(
                f"ELF machine 0x{machine:04X} does not match the running architecture "
                f"{self.arch.name} (0x{self.arch.machine:04X})")
        if e_type != ET_DYN:
            raise ModuleFormatError(f"ELF type {e_type} unsupported; only shared objects (ET_DYN) load")
        if ehsize != _EHDR.size or phentsize != _PHDR.size or shentsize != _SHDR_SIZE:
            raise ModuleFormatError(
                f"ELF entity size mismatch (ehdr {ehsize}, phdr {phentsize}, shdr {shentsize}; "
                f"expected {_EHDR.size}, {_PHDR.size}, {_SHDR_SIZE})")
        self._check_table("program header", phoff, phnum, phentsize)
        self._check_table("section header", shoff, shnum, shentsize)
        return phoff, phnum

    def _read_program_headers(self, phoff: int, phnum: int) -> None:
        loads, relro, self.dynamic = [], [], None
        for i in range(phnum):
            p_type, flags, offset, vaddr, _paddr, filesz, memsz, align = _PHDR.unpack_from(
                self.data, phoff + i * _PHDR.size)
            segment = Segment(vaddr, memsz, offset, filesz, flags)
            if p_type == PT_LOAD:
                self._check_load(i, segment, align)
                if memsz:
                    loads.append((segment, max(align, 1)))
            elif p_type == PT_DYNAMIC and self.dynamic is None:
                self.dynamic = segment
            elif p_type == PT_GNU_RELRO and memsz:
                relro.append(segment)
        if not loads:
            raise ModuleFormatError("ELF has no loadable (PT_LOAD) segments")
        loads.sort(key=lambda item: item[0].vaddr)
        self.segments = [segment for segment, _ in loads]
        self.alignment = max(PAGE_SIZE, max(align for _, align in loads))
        for prev, cur in zip(self.segments, self.segments[1:]):
            if page_ceil(prev.end) > page_floor(cur.vaddr):
                raise ModuleFormatError(
                    f"PT_LOAD segments at 0x{prev.vaddr:X} and 0x{cur.vaddr:X} share or overlap pages")
        self.vaddr_base = page_floor(self.segments[0].vaddr)
        self.vaddr_end = page_ceil(self.segments[-1].end)
        if self.vaddr_end - self.vaddr_base > MAX_IMAGE_SIZE:
            raise ModuleFormatError(
                f"ELF image spans {self.vaddr_end - self.vaddr_base} bytes; the limit is {MAX_IMAGE_SIZE}")
        for segment in relro:
            if self.segment_at(segment.vaddr, segment.memsz) is None:
                raise ModuleFormatError(
                    f"PT_GNU_RELRO range 0x{segment.vaddr:X}+0x{segment.memsz:X} is outside the loaded segments")
        self.relro = relro

    def _check_table(self, what: str, offset: int, count: int, entsize: int) -> None:
        if offset == 0 or count == 0 or offset + count * entsize > len(self.data):
            raise ModuleFormatError(
                f"invalid mandatory {what} table (offset {offset}, {count} entries, "
                f"file size {len(self.data)})")

    def _check_load(self, index: int, segment: Segment, align: int) -> None:
        where = f"PT_LOAD segment {index}"
        if segment.offset + segment.filesz > len(self.data):
            raise ModuleFormatError(
                f"{where} references file bytes {segment.offset}-{segment.offset + segment.filesz} "
                f"outside the file (size {len(self.data)})")
        if segment.filesz > segment.memsz:
            raise ModuleFormatError(
                f"{where} has p_filesz 0x{segment.filesz:X} larger than p_memsz 0x{segment.memsz:X}")
        if segment.memsz > MAX_IMAGE_SIZE or segment.end > MAX_ADDRESS:
            raise ModuleFormatError(
                f"{where} at 0x{segment.vaddr:X} with p_memsz 0x{segment.memsz:X} is out of range")
        if align > 1 and (align & (align - 1) or align > MAX_SEGMENT_ALIGN):
            raise ModuleFormatError(f"{where} has invalid alignment 0x{align:X}")
        if align > 1 and segment.vaddr % align != segment.offset % align:
            raise ModuleFormatError(
                f"{where} p_vaddr 0x{segment.vaddr:X} and p_offset 0x{segment.offset:X} "
                f"disagree modulo p_align 0x{align:X}")
        if segment.flags & PF_W and segment.flags & PF_X:
            raise PermissionDeniedError(
                f"{where} is writable and executable; unable to create a writable executable segment")

    def segment_at(self, vaddr: int, size: int) -> Segment | None:
        """The PT_LOAD segment holding all of `[vaddr, vaddr+size)`, if any."""
        for segment in self.segments:
            if segment.contains(vaddr, size):
                return segment
        return None

    def read(self, vaddr: int, size: int, what: str) -> bytes:
        """The `size` bytes the image holds at `vaddr` before relocation."""
        segment = self.segment_at(vaddr, size)
        if segment is None:
            raise ModuleFormatError(
                f"{what} at 0x{vaddr:X} (0x{size:X} bytes) is outside the loaded segments")
        start = vaddr - segment.vaddr
        in_file = max(0, min(size, segment.filesz - start))
        file_start = segment.offset + start
        return bytes(self.data[file_start:file_start + in_file]) + bytes(size - in_file)


class ElfDynamic(NamedTuple):
    """The validated dynamic tables of an embedded ELF.

    `symbols` is the dynamic symbol table (numpy records), `strtab` its
    string table; `relocations` holds every DT_RELA and DT_JMPREL entry that
    does something (RELOCATION_DTYPE); `init` and `init_array` (vaddr, bytes)
    name the initializers (0 when absent).
    """

    symbols: np.ndarray
    strtab: bytes
    relocations: np.ndarray
    init: int
    init_array: tuple[int, int]

    def lookup(self, name: str) -> int:
        """The st_value of the GLOBAL/WEAK dynamic symbol `name` (NOT_FOUND if absent)."""
        wanted = name.encode()
        for index in range(len(self.symbols) - 1, 0, -1):
            symbol = self.symbols[index]
            if symbol["info"] >> 4 in (STB_GLOBAL, STB_WEAK) and symbol["name"]:
                if _cstring(self.strtab, int(symbol["name"])) == wanted:
                    return int(symbol["value"])
        raise NotFoundError(f"exported symbol with name '{name}' not found in module")


def parse_dynamic(headers: ElfHeaders) -> ElfDynamic:
    """Validates the dynamic section of an embedded ELF (no imports allowed)."""
    tags = _read_tags(headers)
    strtab = headers.read(tags[DT_STRTAB], tags[DT_STRSZ], "DT_STRTAB string table")
    symbols = _read_symbols(headers, tags, strtab)
    relocations = _read_relocations(headers, tags, len(symbols))
    init = tags.get(DT_INIT, 0)
    if init:
        _check_code(headers, init, "DT_INIT")
    init_array = (tags.get(DT_INIT_ARRAY, 0), tags.get(DT_INIT_ARRAYSZ, 0))
    if init_array[0] and init_array[1]:
        if init_array[1] % 8:
            raise ModuleFormatError(f"DT_INIT_ARRAYSZ {init_array[1]} is not a multiple of 8")
        headers.read(init_array[0], init_array[1], "DT_INIT_ARRAY")
    else:
        init_array = (0, 0)
    return ElfDynamic(symbols, strtab, relocations, init, init_array)


def _read_tags(headers: ElfHeaders) -> dict[int, int]:
    """The PT_DYNAMIC entries up to DT_NULL as {tag: value} (later entries win)."""
    if headers.dynamic is None or headers.dynamic.filesz < _DYN.itemsize:
        raise ModuleFormatError("no PT_DYNAMIC/.dynamic segment")
    count = headers.dynamic.filesz // _DYN.itemsize
    entries = np.frombuffer(
        headers.read(headers.dynamic.vaddr, count * _DYN.itemsize, "PT_DYNAMIC table"), _DYN)
    tags: dict[int, int] = {}
    for tag, value in entries.tolist():
        if tag == DT_NULL:
            break
        tags[tag] = value
    _check_dynamic_tags(tags)
    return tags


def _read_symbols(headers: ElfHeaders, tags: dict[int, int], strtab: bytes) -> np.ndarray:
    """The dynamic symbols (count from DT_HASH's nchain, as IREE does); none may be undefined."""
    symbol_count = struct.unpack("<II", headers.read(tags[DT_HASH], 8, "DT_HASH table"))[1]
    if symbol_count == 0:
        raise ModuleFormatError("DT_HASH declares no dynamic symbols")
    symbols = np.frombuffer(
        headers.read(tags[DT_SYMTAB], symbol_count * _SYM.itemsize, "DT_SYMTAB symbol table"), _SYM)
    bad_names = np.flatnonzero(symbols["name"] >= len(strtab))
    if bad_names.size:
        raise ModuleFormatError(
            f"dynamic symbol {bad_names[0]} name offset {symbols['name'][bad_names[0]]} is outside "
            f"DT_STRTAB ({len(strtab)} bytes)")
    imports = np.flatnonzero(symbols["shndx"][1:] == SHN_UNDEF) + 1
    if imports.size:
        name = _cstring(strtab, int(symbols["name"][imports[0]])).decode(errors="replace")
        raise UnavailableError(
            f"ELF imports one or more symbols (trying '{name}'); imports are not supported "
            f"in the platform-agnostic loader")
    return symbols


def _check_dynamic_tags(tags: dict[int, int]) -> None:
    for tag, size, name in ((DT_SYMENT, _SYM.itemsize, "DT_SYMENT"),
                            (DT_RELAENT, _RELA.itemsize, "DT_RELAENT")):
        if tag in tags and tags[tag] != size:
            raise ModuleFormatError(f"{name} size mismatch ({tags[tag]}; expected {size})")
    if DT_REL in tags or DT_RELSZ in tags or DT_RELENT in tags:
        raise ModuleFormatError("unsupported DT_REL relocations")
    if DT_PLTREL in tags and tags[DT_PLTREL] != DT_RELA:
        raise ModuleFormatError("unsupported DT_PLTREL != DT_RELA")
    missing = [name for tag, name in ((DT_STRTAB, "DT_STRTAB"), (DT_STRSZ, "DT_STRSZ"),
                                      (DT_SYMTAB, "DT_SYMTAB"), (DT_HASH, "DT_HASH"))
               if not tags.get(tag)]
    if missing:
        raise ModuleFormatError(f"missing .dynsym/.dynstr in ELF .dynamic segment ({', '.join(missing)})")


def _read_relocations(headers: ElfHeaders, tags: dict[int, int], symbol_count: int) -> np.ndarray:
    """Reads DT_RELA and DT_JMPREL and checks every entry against the image."""
    tables = []
    for addr_tag, size_tag, name in ((DT_RELA, DT_RELASZ, "DT_RELA"),
                                     (DT_JMPREL, DT_PLTRELSZ, "DT_JMPREL")):
        addr, size = tags.get(addr_tag, 0), tags.get(size_tag, 0)
        if not addr or not size:
            continue
        if size % _RELA.itemsize:
            raise ModuleFormatError(f"{name} table size {size} is not a multiple of {_RELA.itemsize}")
        tables.append(np.frombuffer(headers.read(addr, size, f"{name} table"), _RELA))
    raw = np.concatenate(tables) if tables else np.zeros(0, _RELA)
    relocations = np.empty(len(raw), RELOCATION_DTYPE)
    relocations["offset"] = raw["offset"]
    relocations["type"] = raw["info"] & 0xFFFFFFFF
    relocations["sym"] = raw["info"] >> 32
    relocations["addend"] = raw["addend"]
    kinds = headers.arch.relocations
    widths = np.zeros(len(relocations), np.uint64)
    for code in sorted(set(relocations["type"].tolist())):
        kind = kinds.get(code)
        if kind is None:
            raise UnimplementedError(
                f"unimplemented {headers.arch.name} relocation type {code} (0x{code:08X})")
        widths[relocations["type"] == code] = kind.width
    active = widths > 0
    relocations, widths = relocations[active], widths[active]
    bad_sym = np.flatnonzero(relocations["sym"] >= symbol_count)
    if bad_sym.size:
        raise ModuleFormatError(
            f"invalid symbol in relocation: {relocations['sym'][bad_sym[0]]} "
            f"(the ELF has {symbol_count} dynamic symbols)")
    _check_relocation_targets(headers, relocations["offset"], widths)
    return relocations


def _check_relocation_targets(headers: ElfHeaders, offsets: np.ndarray, widths: np.ndarray) -> None:
    """Every target must lie in one writable segment; no two may overlap.

    IREE only relocates whatever the ELF names; requiring writable targets
    (no text relocations) keeps a bad table from patching code or read-only
    data, and non-overlap makes the order of application irrelevant.
    """
    writable = [segment for segment in headers.segments if segment.flags & PF_W]
    starts = np.array([segment.vaddr for segment in writable], np.uint64)
    ends = np.array([segment.end for segment in writable], np.uint64)
    index = np.searchsorted(starts, offsets, side="right").astype(np.int64) - 1
    inside = index >= 0
    if writable:
        inside &= offsets + widths <= ends[np.maximum(index, 0)]
        inside &= offsets + widths >= offsets
    bad = np.flatnonzero(~inside)
    if bad.size:
        raise ModuleFormatError(
            f"relocation {bad[0]} targets 0x{int(offsets[bad[0]]):X}, which is outside the writable "
            f"loaded segments")
    order = np.argsort(offsets, kind="stable")
    sorted_offsets, sorted_widths = offsets[order], widths[order]
    overlap = np.flatnonzero(sorted_offsets[1:] < sorted_offsets[:-1] + sorted_widths[:-1])
    if overlap.size:
        raise ModuleFormatError(
            f"relocations overlap at 0x{int(sorted_offsets[overlap[0] + 1]):X}")


def _check_code(headers: ElfHeaders, vaddr: int, what: str) -> None:
    segment = headers.segment_at(vaddr, 1)
    if segment is None or not segment.flags & PF_X:
        raise ModuleFormatError(f"{what} 0x{vaddr:X} is not inside an executable segment")


def _cstring(table: bytes, offset: int) -> bytes:
    end = table.find(b"\0", offset)
    if end < 0:
        raise ModuleFormatError(f"string at offset {offset} is not NUL-terminated")
    return table[offset:end]


def parse_embedded(data, arch: Arch) -> tuple[ElfHeaders, ElfDynamic]:
    """Parses and validates an embedded ELF for `arch`."""
    headers = ElfHeaders(data, arch)
    return headers, parse_dynamic(headers)
