"""What a seed module is made of, so mutations can aim at its structure.

The FlatBuffer fields (uoffsets, vtables, vector and string lengths, scalars)
are learnt by watching vmvxjit's own reader while the module is loaded and
called: every `FlatBuffer.read` and `view` whose bytes lie in the module file
is a field or region the loader depends on, including those of the VMVX
modules nested in its rodata. ELF headers and tables come from `elf_fields`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tools.fuzz.elf_fields import Field, find_elfs
from vmvxjit.vm import flatbuffer


@dataclass
class Anatomy:
    """A seed module's targets: FlatBuffer fields and views, ELF fields and tables,
    and the native code ranges no mutation may touch."""

    size: int
    fb_fields: list = field(default_factory=list)    # Field per scalar the reader read
    regions: list = field(default_factory=list)      # (start, end, name) per viewed range
    elf_fields: list = field(default_factory=list)   # Field per ELF header/table entry
    code: list = field(default_factory=list)         # (start, end) of executable sections

    def in_code(self, start: int, end: int) -> bool:
        """Whether any byte of `[start, end)` is native code."""
        return any(start < hi and lo < end for lo, hi in self.code)


def _recording(array: np.ndarray, anatomy: Anatomy):
    """Replacements for FlatBuffer.read and .view that note what lies inside `array`."""
    base, size = array.ctypes.data, array.shape[0]
    read, view = flatbuffer.FlatBuffer.read, flatbuffer.FlatBuffer.view
    seen = set()

    def file_offset(fb, pos: int) -> int | None:
        offset = fb.data.ctypes.data - base + pos
        return offset if 0 <= offset < size else None

    def recorded_read(self, kind, pos, what):
        offset = file_offset(self, pos)
        if offset is not None and (offset, kind) not in seen:
            seen.add((offset, kind))
            anatomy.fb_fields.append(Field(offset, flatbuffer.SCALARS[kind].size, what))
        return read(self, kind, pos, what)

    def recorded_view(self, pos, count, dtype, what):
        result = view(self, pos, count, dtype, what)
        offset = file_offset(self, pos)
        if offset is not None and result.nbytes:
            anatomy.regions.append((offset, offset + result.nbytes, what))
        return result
    return recorded_read, recorded_view


def examine(data: bytes, exercise) -> Anatomy:
    """The anatomy of module `data`; `exercise(array)` loads and calls it (so lazily
    read parts, such as executables loaded at the first call, are seen too)."""
    array = np.frombuffer(data, np.uint8)
    anatomy = Anatomy(len(data))
    read, view = flatbuffer.FlatBuffer.read, flatbuffer.FlatBuffer.view
    flatbuffer.FlatBuffer.read, flatbuffer.FlatBuffer.view = _recording(array, anatomy)
    try:
        exercise(array)
    finally:
        flatbuffer.FlatBuffer.read, flatbuffer.FlatBuffer.view = read, view
    for layout in find_elfs(data):
        anatomy.elf_fields += layout.fields
        anatomy.regions += layout.tables
        anatomy.code += layout.code
    anatomy.fb_fields = [f for f in anatomy.fb_fields if not anatomy.in_code(f.offset, f.offset + f.size)]
    return anatomy
