"""Decodes a function's bytecode into instructions, once, with every read checked.

Operand values keep their raw encodings so the verifier can check them:
registers are raw u16 values (bank bit, MOVE bit, ordinal), lists are tuples
of raw u16s, remaps tuples of (src, dst) raw pairs, `cases` tuples of
(pc, remap). Immediates are decoded to Python numbers and strings to str.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from vmvxjit.errors import VerificationError
from vmvxjit.vm import isa

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_IMMEDIATES = {
    "imm:i32": struct.Struct("<i"),
    "imm:i64": struct.Struct("<q"),
    "imm:f32": struct.Struct("<f"),
    "imm:f64": struct.Struct("<d"),
}
_EXTENSION_SETS = {isa.PREFIX_EXT_F32: "ext_f32", isa.PREFIX_EXT_F64: "ext_f64"}


class Instr(NamedTuple):
    """One decoded instruction: where it is, what it is, its operand values."""

    pc: int
    next_pc: int
    op: isa.OpInfo
    args: tuple

    def arg(self, name: str):
        for field, value in zip(self.op.fields, self.args):
            if field.name == name:
                return value
        raise KeyError(name)

    def edges(self) -> list:
        """(destination pc, remap pairs) of each branch the instruction may take, in
        field order: a `pc` field with the `remap` after it, or a `cases` table's entries."""
        found = []
        args = self.args
        for i, remap, cases in self.op.branches:
            if cases:
                found += list(args[i])
            else:
                found.append((args[i], () if remap is None else args[remap]))
        return found


class _Reader:
    """Bounds-checked little-endian reads over one function's bytes."""

    __slots__ = ("data", "pc", "start")

    def __init__(self, data: bytes, pc: int):
        self.data = data
        self.pc = pc
        self.start = pc

    def need(self, size: int) -> None:
        if self.pc + size > len(self.data):
            raise VerificationError(
                f"bytecode data overrun trying to parse op at {self.start:08X} "
                f"({self.start}) of {len(self.data)} available bytes")

    def take(self, st: struct.Struct):
        self.need(st.size)
        value = st.unpack_from(self.data, self.pc)[0]
        self.pc += st.size
        return value

    def u8(self) -> int:
        self.need(1)
        value = self.data[self.pc]
        self.pc += 1
        return value

    def u16(self) -> int:
        return self.take(_U16)

    def u32(self) -> int:
        return self.take(_U32)

    def align2(self) -> None:
        if self.pc & 1:
            self.need(1)
            self.pc += 1

    def u16_list(self) -> tuple:
        self.align2()
        count = self.u16()
        self.need(2 * count)
        values = struct.unpack_from(f"<{count}H", self.data, self.pc)
        self.pc += 2 * count
        return values

    def remap(self) -> tuple:
        flat = self._pairs()
        return tuple(zip(flat[0::2], flat[1::2]))

    def _pairs(self) -> tuple:
        self.align2()
        count = self.u16()
        self.need(4 * count)
        values = struct.unpack_from(f"<{2 * count}H", self.data, self.pc)
        self.pc += 4 * count
        return values

    def string(self) -> str:
        length = self.u16()
        self.need(length)
        raw = bytes(self.data[self.pc:self.pc + length])
        self.pc += length
        return raw.decode("utf-8", errors="replace")


def _decode_field(reader: _Reader, kind: str, decoded: dict):
    if kind[:2] in ("R.", "W."):
        return reader.u16()
    if kind.endswith(":u32"):
        return reader.u32()
    if kind in _IMMEDIATES:
        return reader.take(_IMMEDIATES[kind])
    if kind.startswith(("list<", "rlist<")):
        return reader.u16_list()
    if kind == "remap":
        return reader.remap()
    if kind == "str16":
        return reader.string()
    if kind == "u16":
        return reader.u16()
    if kind == "cases[table_size]":
        return tuple((reader.u32(), reader.remap()) for _ in range(decoded["table_size"]))
    raise VerificationError(f"unknown operand encoding '{kind}'")


def decode_instruction(data: bytes, pc: int) -> Instr:
    """Decodes the instruction at `pc`; raises VerificationError if malformed."""
    reader = _Reader(data, pc)
    opcode = reader.u8()
    op_set = "core"
    if opcode in _EXTENSION_SETS:
        op_set = _EXTENSION_SETS[opcode]
        opcode = reader.u8()
    if op_set == "core" and opcode == isa.BLOCK_MARKER:
        return Instr(pc, reader.pc, BLOCK_OP, ())
    op = isa.OPCODES[op_set].get(opcode)
    if op is None:
        raise VerificationError(f"unrecognized opcode {op_set}.{opcode:02X} at pc {pc:08X}")
    decoded = {}
    values = []
    for field in op.fields:
        value = _decode_field(reader, field.kind, decoded)
        decoded[field.name] = value
        values.append(value)
    return Instr(pc, reader.pc, op, tuple(values))


BLOCK_OP = isa.OpInfo("core", isa.BLOCK_MARKER, "vm.block", ())


def decode_function(data: bytes) -> list[Instr]:
    """Decodes every instruction of one function's bytecode, in order."""
    instrs = []
    pc = 0
    while pc < len(data):
        instr = decode_instruction(data, pc)
        instrs.append(instr)
        pc = instr.next_pc
    return instrs
