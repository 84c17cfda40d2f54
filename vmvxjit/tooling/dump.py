"""`vmvxjit info MODULE`: module metadata laid out like `iree-dump-module`.

`format_module_info` reproduces `iree-dump-module --output=metadata` section
by section (module header, requirements, attributes, types, dependencies,
imports, exports, sections/rodata, function descriptors, debug info). Given
a `disassemble(ordinal) -> str` callback it also appends the disassembly
part (`vm.module` directives, then each function's `vm.export`/`vm.func`
lines around the callback's body text), as `iree-dump-module` does by default.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from vmvxjit.vm.cconv import CConv
from vmvxjit.vm.module_def import FeatureBits, ModuleDef, Signature

RULE = "//===" + "-" * 110 + "===//"
_TYPE_NAMES = {"i": "i32", "I": "i64", "f": "f32", "F": "f64", "r": "!vm.ref<?>"}
_REF_SIZE = 16           # sizeof(iree_vm_ref_t) in the "Module State" estimate
_MAX_STRING_PREVIEW = 32
_REQUIREMENTS_WIDTH = 12
_NAMED_FEATURES = int(FeatureBits.EXT_F32 | FeatureBits.EXT_F64)   # the dump tool names only these
_DESCRIPTOR_HEADER = (
    "  # | Offset   |   Length | Blocks | i32 # | ref # | Requirements | Aliases\n"
    "----+----------+----------+--------+-------+-------+--------------+-"
    + "-" * 52 + "\n")


def _section(title: str) -> str:
    return f"{RULE}\n// {title}\n{RULE}\n"


def _feature_bits(bits: int) -> str:
    """iree-dump-module's spelling: EXT_F32/EXT_F64 by name, the rest as %08X."""
    parts = [flag.name for flag in (FeatureBits.EXT_F32, FeatureBits.EXT_F64) if bits & flag]
    rest = bits & ~_NAMED_FEATURES
    if rest:
        parts.append(f"{rest:08X}")
    return " | ".join(parts)


def _fragment(items: tuple) -> str:
    return ", ".join(
        f"tuple<{_fragment(tuple(item[1:]))}>..." if len(item) > 1 else _TYPE_NAMES[item]
        for item in items)


def _cconv_suffix(cconv: CConv | None) -> str:
    if cconv is None:
        return ""
    return f"({_fragment(cconv.args)}) -> ({_fragment(cconv.results)})"


def _attr_lines(attrs: dict, indent: int) -> str:
    return "".join(f"{' ' * indent}{key}: {value}\n" for key, value in attrs.items())


def _string_preview(data: np.ndarray) -> str | None:
    """The leading printable-ASCII text of an embedded segment (up to its first NUL)."""
    zeros = np.flatnonzero(data == 0)
    text = data[:zeros[0]] if zeros.size else data
    if not np.all((text >= 0x20) & (text < 0x7F)):
        return None
    preview = f" `{bytes(text[:_MAX_STRING_PREVIEW]).decode('ascii')}`"
    return preview + ("..." if text.shape[0] >= _MAX_STRING_PREVIEW else "")


def _header_part(module: ModuleDef) -> str:
    present = module.present_fields
    out = [_section(f"@{module.name} : version {module.version}"), "\n"]
    if "requirements" in present:
        out.append(f"Requirements: {_feature_bits(module.requirements)}\n\n")
    if "attrs" in present:
        out += ["Attributes:\n", _attr_lines(module.attrs, 2), "\n"]
    if "types" in present:
        out.append("Required Types:\n")
        out += [f"  [{i:3d}] {name}\n" for i, name in enumerate(module.types)]
        out.append("\n")
    if "dependencies" in present:
        out.append("Module Dependencies:\n")
        out += [f"  {dep.name}, version >= {dep.minimum_version}, "
                f"{'optional' if dep.optional else 'required'}\n" for dep in module.dependencies]
        out.append("\n")
    if "imported_functions" in present:
        out.append("Imported Functions:\n")
        for i, imp in enumerate(module.imports):
            out.append(f"  [{i:3d}] {'?' if imp.optional else ''}{imp.full_name}"
                       f"{_cconv_suffix(imp.cconv)}\n")
            out.append(_attr_lines(imp.attrs, 8))
        out.append("\n")
    if "exported_functions" in present:
        out.append("Exported Functions:\n")
        for i, export in enumerate(module.exports):
            signature = module.signatures[export.internal_ordinal]
            out.append(f"  [{i:3d}] {export.name}{_cconv_suffix(signature.cconv)}\n")
            out.append(_attr_lines(signature.attrs, 8))
        out.append("\n")
    return "".join(out)


def _rodata_line(index: int, data, external_offset: int | None) -> str:
    if external_offset is not None:
        length = data.shape[0]
        return (f"  .rodata[{index:3d}] external {length:8d} bytes (offset {external_offset} / "
                f"{external_offset:X}h to {external_offset + length:X}h)\n")
    return (f"  .rodata[{index:3d}] embedded {data.shape[0]:8d} bytes"
            f"{_string_preview(data) or ''}\n")


def _sections_part(module: ModuleDef) -> str:
    present = module.present_fields
    out = [_section("Sections"), "\n"]
    if "module_state" in present:
        total = module.global_bytes + _REF_SIZE * module.global_refs
        out.append(f"Module State:\n  {module.global_bytes} bytes, {module.global_refs} refs, "
                   f"~{total} bytes total\n\n")
    out.append(f"FlatBuffer: {module.container.flatbuffer.shape[0]} bytes\n")
    if "bytecode_data" in present:
        out.append(f"  Bytecode: {module.bytecode.shape[0]} bytes\n")
    out += [_rodata_line(i, data, offset) for i, (data, offset)
            in enumerate(zip(module.rodata, module.rodata_external_offsets))]
    out.append("\n")
    external = sum(data.shape[0] for data, offset
                   in zip(module.rodata, module.rodata_external_offsets) if offset is not None)
    if external:
        out.append(f"External .rodata: ~{external} bytes\n\n")
    return "".join(out)


def _descriptors_part(module: ModuleDef) -> str:
    out = [_section(f"Bytecode : version {module.version}"), "\n"]
    if "function_descriptors" in module.present_fields:
        out.append(_DESCRIPTOR_HEADER)
        for i, fn in enumerate(module.functions):
            aliases = ", ".join(e.name for e in module.exports if e.internal_ordinal == i)
            requirements = _feature_bits(fn.requirements).ljust(_REQUIREMENTS_WIDTH)
            out.append(f"{i:3d} | {fn.bytecode_offset:08X} | {fn.bytecode_length:8d} | "
                       f"{fn.block_count:6d} | {fn.i32_register_count:5d} | "
                       f"{fn.ref_register_count:5d} | {requirements} | {aliases}\n")
    out.append("\n")
    if module.debug_info is not None:
        out += [_section("Debug Information"),
                "// NOTE: debug databases are large and should be stripped in deployed "
                "artifacts.\n\n",
                f"Locations: {len(module.debug_info.locations)}\n\n"]
    return "".join(out)


def _function_signature(signature: Signature) -> str:
    """`(%i0: i32, %i1:2: i64, %r0: !vm.ref<?>) -> (i32)` from the cconv."""
    cconv = signature.cconv
    if cconv is None:
        return "() -> ()"
    args, i32_ordinal, ref_ordinal = [], 0, 0
    for item in cconv.args:
        if len(item) > 1:
            args.append(_fragment((item,)))
        elif item == "r":
            args.append(f"%r{ref_ordinal}: {_TYPE_NAMES[item]}")
            ref_ordinal += 1
        elif item in "IF":
            args.append(f"%i{i32_ordinal}:{i32_ordinal + 1}: {_TYPE_NAMES[item]}")
            i32_ordinal += 2
        else:
            args.append(f"%i{i32_ordinal}: {_TYPE_NAMES[item]}")
            i32_ordinal += 1
    return f"({', '.join(args)}) -> ({_fragment(cconv.results)})"


def _directives(module: ModuleDef) -> str:
    out = [f"vm.type {name}\n" for name in module.types]
    out += [f"vm.import {'optional ' if imp.optional else ''}@{imp.full_name} "
            f"cconv \"{imp.cconv_text or ''}\"\n" for imp in module.imports]
    out += [f"vm.rodata[{i}] = {bytes(data).hex().upper()}\n"
            for i, data in enumerate(module.rodata)]
    return "".join(out) + ("\n" if out else "")


def _disassembly_part(module: ModuleDef, disassemble: Callable[[int], str]) -> str:
    out = f"vm.module @{module.name} version {module.version}\n" + _directives(module)
    for ordinal in range(len(module.functions)):
        exports = [e.name for e in module.exports if e.internal_ordinal == ordinal]
        name = exports[0] if exports else module.function_name(ordinal)
        if not out.endswith("\n\n"):
            out += "\n"
        out += "".join(f"vm.export @{alias}\n" if alias == name else
                       f"vm.export @{alias} = @{name}\n" for alias in exports)
        out += (f"vm.func @{name}{_function_signature(module.signatures[ordinal])} {{\n"
                f"{disassemble(ordinal)}}}\n")
    return out


def format_module_info(module: ModuleDef,
                       disassemble: Callable[[int], str] | None = None) -> str:
    """The `info` text; with `disassemble(ordinal) -> body text`, the disassembly too."""
    text = _header_part(module) + _sections_part(module) + _descriptors_part(module)
    if disassemble is not None:
        text += "\n" + _disassembly_part(module, disassemble)
    return text
