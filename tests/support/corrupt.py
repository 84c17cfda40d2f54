"""Corrupting real modules at named FlatBuffer positions, for regression tests of
malformed input (each test builds its bytes from a freshly compiled module, so no
corrupted binary is ever committed)."""

from __future__ import annotations

import struct

import numpy as np

from vmvxjit.vm.container import open_container
from vmvxjit.vm.flatbuffer import FlatBuffer
from vmvxjit.vm.module_def import BYTECODE_MODULE_DEF


def patched(data: bytes, locate, fmt: str, value) -> bytes:
    """`data` with the FlatBuffer position `locate(root)` overwritten by `value`."""
    container = open_container(data)
    root = FlatBuffer(container.flatbuffer).root(BYTECODE_MODULE_DEF)
    out = bytearray(data)
    struct.pack_into(fmt, out, container.flatbuffer_offset + locate(root), value)
    return bytes(out)


def string_start(table, field: str) -> int:
    """The FlatBuffer position of the first character of `table`'s string `field`."""
    return table.fb.follow(table.field_position(field, 4), field) + 4


def instruction_offset(data: np.ndarray, module_def, ordinal: int, pc: int) -> int:
    """The file offset of the instruction at `pc` of function `ordinal` (`module_def` was
    loaded from the array `data`, whose bytecode it views without copying)."""
    descriptor = module_def.functions[ordinal]
    return module_def.bytecode.ctypes.data - data.ctypes.data + descriptor.bytecode_offset + pc
