"""Bytecode disassembly for `python -m vmvxjit info --disasm`.

Registers print as iree-dump-module writes them: `%i3`, `%i4:5` for a 64-bit
pair, `%r2` for a ref and `%R2` when the op moves it; block markers start a
new `^pc` label.
"""

from __future__ import annotations

from vmvxjit.vm import isa
from vmvxjit.vm.decoder import BLOCK_OP, decode_function


def format_register(raw: int, bank: str = "any") -> str:
    if raw & isa.REF_BIT:
        return ("%R" if raw & isa.MOVE_BIT else "%r") + str(raw & isa.REF_MASK)
    if bank in ("i64", "f64"):
        return f"%i{raw}:{raw + 1}"
    return f"%i{raw}"


def _format_remap(pairs) -> str:
    return "(" + ", ".join(f"{format_register(s)}->{format_register(d)}" for s, d in pairs) + ")"


def format_operand(field: isa.Field, value) -> str:
    kind = field.kind
    if field.is_register:
        return format_register(value, field.bank)
    if kind.startswith(("list<", "rlist<")):
        element = kind[kind.index("<") + 1:-1].split("/")[0]
        if element == "u16":
            return "[" + ", ".join(str(v) for v in value) + "]"
        return "[" + ", ".join(format_register(v, element) for v in value) + "]"
    if kind == "remap":
        return _format_remap(value)
    if kind == "cases[table_size]":
        return "[" + ", ".join(f"^{pc:08X}{_format_remap(r)}" for pc, r in value) + "]"
    if kind == "pc:u32":
        return f"^{value:08X}"
    if kind == "func:u32":
        return f"@import{value & ~isa.IMPORT_BIT}" if value & isa.IMPORT_BIT else f"@func{value}"
    if kind == "str16":
        return repr(value)
    return str(value)


def disassemble_function(data: bytes) -> str:
    lines = []
    for instr in decode_function(data):
        if instr.op is BLOCK_OP:
            lines.append(f"  ^{instr.pc:08X}:")
            continue
        operands = ", ".join(f"{f.name}={format_operand(f, v)}"
                             for f, v in zip(instr.op.fields, instr.args))
        lines.append(f"    [{instr.pc:08X}] {instr.op.mnemonic} {operands}".rstrip())
    return "\n".join(lines) + "\n"


def disassembler(module_def):
    """A `disassemble(ordinal) -> str` function over one module's functions."""

    def disassemble(ordinal: int) -> str:
        desc = module_def.functions[ordinal]
        start = desc.bytecode_offset
        return disassemble_function(bytes(module_def.bytecode[start:start + desc.bytecode_length]))

    return disassemble
