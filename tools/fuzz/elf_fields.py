"""Where an embedded ELF's headers, tables and relocations sit in a module file.

The fuzzer corrupts these fields one at a time (every header and table entry
the loaders read is in scope) and never touches the bytes of executable
sections: native code is trusted, as in IREE. The walk is tolerant: it lists
what it can find in a well-formed ELF and stops at anything odd.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

MAGIC = b"\x7fELF"
_EHDR_FIELDS = [(16, 2, "e_type"), (18, 2, "e_machine"), (20, 4, "e_version"), (24, 8, "e_entry"),
                (32, 8, "e_phoff"), (40, 8, "e_shoff"), (48, 4, "e_flags"), (52, 2, "e_ehsize"),
                (54, 2, "e_phentsize"), (56, 2, "e_phnum"), (58, 2, "e_shentsize"),
                (60, 2, "e_shnum"), (62, 2, "e_shstrndx"), (4, 1, "EI_CLASS"), (5, 1, "EI_DATA"),
                (6, 1, "EI_VERSION")]
_PHDR_FIELDS = [(0, 4, "p_type"), (4, 4, "p_flags"), (8, 8, "p_offset"), (16, 8, "p_vaddr"),
                (32, 8, "p_filesz"), (40, 8, "p_memsz"), (48, 8, "p_align")]
_SHDR_FIELDS = [(4, 4, "sh_type"), (8, 8, "sh_flags"), (24, 8, "sh_offset"), (32, 8, "sh_size")]
_DYN_FIELDS = [(0, 8, "d_tag"), (8, 8, "d_val")]
_RELA_FIELDS = [(0, 8, "r_offset"), (8, 4, "r_type"), (12, 4, "r_sym"), (16, 8, "r_addend")]
_SYM_FIELDS = [(0, 4, "st_name"), (4, 1, "st_info"), (6, 2, "st_shndx"), (8, 8, "st_value"),
               (16, 8, "st_size")]
PT_LOAD, PT_DYNAMIC, PF_X, SHF_EXECINSTR = 1, 2, 1, 4
DT_HASH, DT_STRTAB, DT_SYMTAB, DT_RELA, DT_RELASZ, DT_STRSZ = 4, 5, 6, 7, 8, 10
DT_PLTRELSZ, DT_JMPREL, DT_INIT_ARRAY, DT_INIT_ARRAYSZ = 2, 23, 25, 27


@dataclass(frozen=True)
class Field:
    """`size` bytes at `offset` of the module file, little-endian, named for reports."""

    offset: int
    size: int
    name: str


@dataclass
class ElfLayout:
    """One embedded ELF: its fields, the table regions, and the native code to leave alone."""

    start: int
    fields: list
    tables: list        # (start, end, name) of byte tables: strings, hash, init array
    code: list          # (start, end) of executable section bytes, in module offsets


def find_elfs(data: bytes) -> list[ElfLayout]:
    """Every ELF in `data` whose headers parse (IREE puts each in its own rodata segment)."""
    layouts, position = [], data.find(MAGIC)
    while position >= 0:
        try:
            layouts.append(_walk(data, position))
        except (struct.error, ValueError, KeyError):
            pass
        position = data.find(MAGIC, position + 1)
    return layouts


def _entries(base: int, count: int, size: int, fields, name: str) -> list[Field]:
    return [Field(base + i * size + offset, width, f"{name}[{i}].{field}")
            for i in range(count) for offset, width, field in fields]


def _walk(data: bytes, start: int) -> ElfLayout:
    elf = memoryview(data)[start:]
    phoff, shoff = struct.unpack_from("<QQ", elf, 32)
    phnum, shnum = struct.unpack_from("<H", elf, 56)[0], struct.unpack_from("<H", elf, 60)[0]
    fields = [Field(start + offset, size, name) for offset, size, name in _EHDR_FIELDS]
    fields += _entries(start + phoff, phnum, 56, _PHDR_FIELDS, "phdr")
    loads, dynamic = [], None
    for i in range(phnum):
        p_type, flags, offset, vaddr, _, filesz, _, _ = struct.unpack_from("<IIQQQQQQ", elf, phoff + 56 * i)
        if p_type == PT_LOAD:
            loads.append((vaddr, offset, filesz, flags))
        elif p_type == PT_DYNAMIC:
            dynamic = (offset, filesz)
    code = []
    if shoff and shnum and shoff + 64 * shnum <= len(elf):
        fields += _entries(start + shoff, shnum, 64, _SHDR_FIELDS, "shdr")
        for i in range(shnum):
            _, _, flags, _, offset, size = struct.unpack_from("<IIQQQQ", elf, shoff + 64 * i)
            if flags & SHF_EXECINSTR and size:
                code.append((start + offset, start + offset + size))
    if not code:   # no section headers: the whole executable segments
        code = [(start + offset, start + offset + filesz) for _, offset, filesz, flags in loads
                if flags & PF_X]
    tables = []
    if dynamic is not None:
        fields += _dynamic_fields(elf, start, dynamic, loads, tables)
    return ElfLayout(start, fields, tables, code)


def _file_offset(loads, vaddr: int) -> int:
    for start, offset, filesz, _ in loads:
        if start <= vaddr < start + filesz:
            return offset + vaddr - start
    raise ValueError(f"vaddr 0x{vaddr:X} not in the file")


def _dynamic_fields(elf, start: int, dynamic, loads, tables: list) -> list[Field]:
    offset, filesz = dynamic
    count = filesz // 16
    fields = _entries(start + offset, count, 16, _DYN_FIELDS, "dynamic")
    tags = {}
    for i in range(count):
        tag, value = struct.unpack_from("<qQ", elf, offset + 16 * i)
        if tag == 0:
            break
        tags[tag] = value
    for table, size_tag in ((DT_RELA, DT_RELASZ), (DT_JMPREL, DT_PLTRELSZ)):
        if tags.get(table) and tags.get(size_tag):
            fields += _entries(start + _file_offset(loads, tags[table]), tags[size_tag] // 24, 24,
                               _RELA_FIELDS, "rela" if table == DT_RELA else "jmprel")
    if tags.get(DT_HASH) and tags.get(DT_SYMTAB):
        hash_at = _file_offset(loads, tags[DT_HASH])
        buckets, chains = struct.unpack_from("<II", elf, hash_at)
        tables.append((start + hash_at, start + hash_at + 4 * (2 + buckets + chains), "DT_HASH"))
        fields += _entries(start + _file_offset(loads, tags[DT_SYMTAB]), chains, 24, _SYM_FIELDS, "dynsym")
    if tags.get(DT_STRTAB) and tags.get(DT_STRSZ):
        strtab = start + _file_offset(loads, tags[DT_STRTAB])
        tables.append((strtab, strtab + tags[DT_STRSZ], "DT_STRTAB"))
    if tags.get(DT_INIT_ARRAY) and tags.get(DT_INIT_ARRAYSZ):
        array = start + _file_offset(loads, tags[DT_INIT_ARRAY])
        tables.append((array, array + tags[DT_INIT_ARRAYSZ], "DT_INIT_ARRAY"))
    return fields
