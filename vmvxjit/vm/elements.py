"""`vm.buffer` element codes (`f32`, `i8.u`, ...): one row each.

A load code (`vm.buffer.load.<code>`) says how an element is read into a
register: `i8.u` zero-extends, `i8.s` sign-extends. A store or fill code
(`vm.buffer.store.<code>`, `vm.buffer.fill.<code>`) says the width a register
value is cut to. Every per-element map (struct formats and store masks in
buffer.py, the steps' codes, the JIT's banks and views) is derived from
`ELEMENTS`, and which codes each op uses from the ISA table.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

import numpy as np

from vmvxjit.vm import isa


class Element(NamedTuple):
    """An element code: its little-endian struct format as loaded (a lowercase
    integer letter sign-extends, an uppercase one zero-extends) and the register
    bank its values are loaded into and stored from."""

    format: str
    bank: str

    @property
    def size(self) -> int:
        return struct.calcsize(self.format)

    @property
    def is_float(self) -> bool:
        return self.format[1] in "fd"

    @property
    def store_format(self) -> str:
        """Stores and fills write the unsigned form of an integer width (the value masked)."""
        return self.format if self.is_float else self.format.upper()

    @property
    def store_mask(self) -> int | None:
        """The mask a stored integer value is cut to (None for floats)."""
        return None if self.is_float else (1 << 8 * self.size) - 1

    @property
    def dtype(self) -> str:
        """The numpy dtype name of a view of such elements (`uint8`, `float32`, ...)."""
        return np.dtype(self.format).name


ELEMENTS = {
    "i8": Element("<B", "i32"),
    "i8.u": Element("<B", "i32"),
    "i8.s": Element("<b", "i32"),
    "i16": Element("<H", "i32"),
    "i16.u": Element("<H", "i32"),
    "i16.s": Element("<h", "i32"),
    "i32": Element("<i", "i32"),
    "i64": Element("<q", "i64"),
    "f32": Element("<f", "f32"),
    "f64": Element("<d", "f64"),
}


def _codes(kind: str) -> dict:
    prefix = f"vm.buffer.{kind}."
    return {m: m[len(prefix):] for m in isa.BY_MNEMONIC if m.startswith(prefix)}


# mnemonic -> element code, for the typed loads, stores and fills of the ISA
LOADS = _codes("load")
STORES = _codes("store")
FILLS = _codes("fill")
ACCESSES = {**LOADS, **STORES, **FILLS}
