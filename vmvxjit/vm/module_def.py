"""The module model: `iree.vm.BytecodeModuleDef` parsed into plain records.

`load_module_def` reads the container and the FlatBuffer once, applies the
load-time checks IREE makes before it runs anything (identifier, bytecode
version, feature bits, table shapes, bytecode and rodata ranges) and returns
a `ModuleDef`. Bytecode and rodata are zero-copy read-only views of the file,
which the `ModuleDef` keeps mapped through its `Container`. Debug info (names
and source locations) is looked up on demand.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np

from vmvxjit.errors import ModuleFormatError, UnimplementedError
from vmvxjit.vm.cconv import CConv, parse_cconv
from vmvxjit.vm.container import Container, open_container
from vmvxjit.vm.flatbuffer import FlatBuffer, Table, TableType, TableVector

BYTECODE_VERSION_MAJOR = 17
BYTECODE_VERSION_MINOR = 0
MAX_I32_REGISTERS = 0x7FFF
MAX_REF_REGISTERS = 0x3FFF


class FeatureBits(enum.IntFlag):
    """`iree.vm.FeatureBits`: what a module or function needs from the runtime."""

    EXT_F32 = 1
    EXT_F64 = 2
    YIELD = 4
    UNWIND = 8
    ALL = 15


_KNOWN_FEATURES = int(FeatureBits.ALL)


def format_features(bits: int) -> str:
    """IREE's bitfield text: known names joined by '|', leftover bits as `<hex>h`."""
    names = [flag.name for flag in (FeatureBits.EXT_F32, FeatureBits.EXT_F64,
                                    FeatureBits.YIELD, FeatureBits.UNWIND) if bits & flag]
    rest = int(bits) & ~_KNOWN_FEATURES
    if rest:
        names.append(f"{rest:X}h")
    return "|".join(names)


def check_features(required: int, available: int, where: str = "module") -> None:
    """Raises unless every bit of `required` is in `available` (unknown bits never are)."""
    required, available = int(required), int(available) & _KNOWN_FEATURES
    missing = required & ~available
    if missing:
        raise ModuleFormatError(
            f"{where}: required module features [{format_features(missing)}] are not available "
            f"in this runtime configuration; have [{format_features(available)}] while module "
            f"requires [{format_features(required)}]")


# Schema (runtime/src/iree/schemas/bytecode_module_def.fbs): field names in slot order.
ATTR_DEF = TableType("AttrDef", "key", "value")
TYPE_DEF = TableType("TypeDef", "full_name")
SIGNATURE_DEF = TableType("FunctionSignatureDef", "calling_convention", "attrs")
DEPENDENCY_DEF = TableType("ModuleDependencyDef", "name", "minimum_version", "flags")
IMPORT_DEF = TableType("ImportFunctionDef", "full_name", "signature", "flags")
EXPORT_DEF = TableType("ExportFunctionDef", "local_name", "internal_ordinal")
UNCOMPRESSED_DATA_DEF = TableType("UncompressedDataDef")
RODATA_DEF = TableType("RodataSegmentDef", "compression_type_type", "compression_type",
                       "embedded_data", "external_data_offset", "external_data_length")
MODULE_STATE_DEF = TableType("ModuleStateDef", "global_bytes_capacity", "global_ref_count")
CALL_SITE_LOC_DEF = TableType("CallSiteLocDef", "callee", "caller")
FILE_LINE_COL_LOC_DEF = TableType("FileLineColLocDef", "filename", "line", "column")
FUSED_LOC_DEF = TableType("FusedLocDef", "metadata", "locations")
NAME_LOC_DEF = TableType("NameLocDef", "name", "child_location")
FUNCTION_SOURCE_MAP_DEF = TableType("FunctionSourceMapDef", "local_name", "locations")
DEBUG_DATABASE_DEF = TableType("DebugDatabaseDef", "location_table_type", "location_table",
                               "functions")
BYTECODE_MODULE_DEF = TableType(
    "BytecodeModuleDef", "name", "version", "requirements", "attrs", "types", "dependencies",
    "imported_functions", "exported_functions", "function_signatures", "rodata_segments",
    "rwdata_segments", "module_state", "function_descriptors", "bytecode_version",
    "bytecode_data", "debug_database")

FUNCTION_DESCRIPTOR_DTYPE = np.dtype([
    ("bytecode_offset", "<i4"), ("bytecode_length", "<i4"), ("requirements", "<u4"),
    ("reserved", "<i2"), ("block_count", "<i2"), ("i32_register_count", "<i2"),
    ("ref_register_count", "<i2")])
BYTECODE_LOCATION_DTYPE = np.dtype([("bytecode_offset", "<i4"), ("location", "<i4")])

# Union member indices (NONE = 0).
_COMPRESSION_TYPES = {1: UNCOMPRESSED_DATA_DEF}
_LOCATION_TYPES = {1: CALL_SITE_LOC_DEF, 2: FILE_LINE_COL_LOC_DEF, 3: FUSED_LOC_DEF,
                   4: NAME_LOC_DEF}
_FLAG_OPTIONAL = 2       # ModuleDependencyFlagBits / ImportFlagBits.OPTIONAL
_FLAG_REQUIRED = 1
# Location rendering visits at most this many location-table entries (cycles, fan-out).
_MAX_LOCATION_NODES = 64


class Dependency(NamedTuple):
    name: str
    minimum_version: int
    optional: bool


class Signature(NamedTuple):
    """A function signature: cconv (None when absent) and reflection attrs."""

    cconv_text: str | None
    cconv: CConv | None
    attrs: dict


class Import(NamedTuple):
    full_name: str
    module_name: str          # full_name split at the first '.'
    function_name: str
    cconv_text: str | None
    cconv: CConv | None
    attrs: dict
    optional: bool


class Export(NamedTuple):
    name: str
    internal_ordinal: int


class FunctionDescriptor(NamedTuple):
    bytecode_offset: int
    bytecode_length: int
    requirements: int
    block_count: int
    i32_register_count: int
    ref_register_count: int


@dataclass(frozen=True, eq=False)
class ModuleDef:
    """A loaded, checked bytecode module (internal ordinal = index into `functions`)."""

    name: str
    version: int
    requirements: int
    attrs: dict
    types: list
    dependencies: list
    imports: list
    exports: list
    signatures: list
    rodata: list                      # read-only uint8 views
    rodata_external_offsets: list     # per segment: offset from rodata_base, None if embedded
    global_bytes: int
    global_refs: int
    functions: list
    bytecode_version: int
    bytecode: np.ndarray
    container: Container = field(repr=False)
    present_fields: frozenset = field(repr=False)   # BytecodeModuleDef fields in the file
    debug_info: "DebugInfo | None" = field(repr=False)
    function_names: list = field(repr=False)

    @cached_property
    def code_digest(self) -> str:
        """A digest of the module's code as the VM checks and runs it: the bytecode and the
        tables its functions are verified and planned against (function descriptors,
        signatures, imports, rodata, type and global counts). It keys the disk caches
        that depend on the code alone (vm/verified.py, the JIT's plans)."""
        digest = hashlib.sha256(bytes(self.bytecode))
        digest.update(repr([self.functions, [s.cconv_text for s in self.signatures],
                            [(i.full_name, i.cconv_text) for i in self.imports], len(self.rodata),
                            self.global_bytes, self.global_refs, len(self.types)]).encode())
        return digest.hexdigest()

    def function_name(self, ordinal: int) -> str:
        """Debug-database name, else the first export name, else `__func_<ordinal>`."""
        return self.function_names[ordinal]

    def location(self, ordinal: int, bytecode_offset: int) -> str | None:
        """Readable source location of the op at `bytecode_offset` in function `ordinal`."""
        if self.debug_info is None:
            return None
        return self.debug_info.location(ordinal, bytecode_offset)


class DebugInfo:
    """The debug database: per-function names and bytecode-offset → location maps.

    Shapes (vector bounds, source-map tables) are checked at load; location
    table entries are read when a location is asked for, and a malformed
    entry renders as `[malformed location: …]` so that error reporting never
    fails because of debug info.

    iree-compile 3.13 files every function's source map under ordinal 0, so
    a multi-function module carries a single source map: that of the last
    function. It is attributed to that function here (IREE itself would
    wrongly attribute it to function 0).
    """

    def __init__(self, table: Table, function_count: int):
        self.locations = table.union_vector("location_table", _LOCATION_TYPES) or ()
        source_maps = table.tables("functions", FUNCTION_SOURCE_MAP_DEF) or ()
        if len(source_maps) == 1 and function_count > 1:
            ordinals = [function_count - 1]
        else:
            ordinals = range(min(len(source_maps), function_count))
        self.names: dict[int, str] = {}
        self.offsets: dict[int, np.ndarray] = {}
        for index, ordinal in enumerate(ordinals):
            source_map = source_maps[index]
            name = source_map.string("local_name")
            if name:
                self.names[ordinal] = name
            entries = source_map.vector("locations", BYTECODE_LOCATION_DTYPE)
            if entries is not None and len(entries):
                self.offsets[ordinal] = entries

    def location(self, ordinal: int, bytecode_offset: int) -> str | None:
        """The entry recorded at exactly `bytecode_offset`, else the nearest one before it."""
        entries = self.offsets.get(ordinal)
        if entries is None:
            return None
        offsets = entries["bytecode_offset"]
        exact = np.flatnonzero(offsets == bytecode_offset)
        if exact.size:
            index = exact[0]
        else:
            before = np.flatnonzero(offsets <= bytecode_offset)
            if not before.size:
                return None
            index = before[np.argmax(offsets[before])]
        return self.format(int(entries["location"][index]), [_MAX_LOCATION_NODES])

    def format(self, index: int, budget: list) -> str | None:
        """Renders location-table entry `index` (None when unknown).

        `budget` (a one-element list) bounds the entries visited, so cyclic or
        exponentially fanned-out tables still render quickly.
        """
        if budget[0] <= 0:
            return "..."
        budget[0] -= 1
        if not 0 <= index < len(self.locations):
            return None
        try:
            kind, loc = self.locations[index]
            return None if loc is None else _LOCATION_FORMATTERS[kind](self, loc, budget)
        except ModuleFormatError as error:
            return f"[malformed location: {error.message}]"


def _format_call_site(info: DebugInfo, loc: Table, budget: list) -> str | None:
    callee = info.format(loc.scalar("callee", "i32"), budget)
    caller = info.format(loc.scalar("caller", "i32"), budget)
    if callee is None or caller is None:
        return callee or caller
    return f"{callee} at {caller}"


def _format_file_line_col(info: DebugInfo, loc: Table, budget: list) -> str:
    return (f"{loc.string('filename') or ''}:{loc.scalar('line', 'i32')}:"
            f"{loc.scalar('column', 'i32')}")


def _format_fused(info: DebugInfo, loc: Table, budget: list) -> str | None:
    children = loc.vector("locations", "<i4")
    children = () if children is None else children[:budget[0] + 1]
    texts = [text for text in (info.format(int(child), budget) for child in children) if text]
    metadata = loc.string("metadata")
    if not texts:
        return None if metadata is None else f"<{metadata}>"
    prefix = "" if metadata is None else f"<{metadata}>"
    return texts[0] if len(texts) == 1 and not prefix else f"{prefix}[{', '.join(texts)}]"


def _format_name(info: DebugInfo, loc: Table, budget: list) -> str:
    text = f'"{loc.string("name") or ""}"'
    child = info.format(loc.scalar("child_location", "i32"), budget) if loc.has(
        "child_location") else None
    return text if child is None else f"{text}({child})"


_LOCATION_FORMATTERS = {1: _format_call_site, 2: _format_file_line_col, 3: _format_fused,
                        4: _format_name}


def _parse_cconv(text: str | None, where: str) -> CConv | None:
    if not text:
        return None
    try:
        return parse_cconv(text)
    except ModuleFormatError as error:
        raise ModuleFormatError(f"{where}: {error.message}") from None


def _read_attrs(attrs: TableVector | None) -> dict:
    result = {}
    for attr in attrs or ():
        key = attr.string("key")
        if not key:
            raise ModuleFormatError(f"{attr.path} reflection attribute missing key")
        result[key] = attr.string("value") or ""
    return result


def _read_signature(table: Table | None, where: str) -> Signature:
    if table is None:
        return Signature(None, None, {})
    text = table.string("calling_convention") or None
    return Signature(text, _parse_cconv(text, where), _read_attrs(table.tables("attrs", ATTR_DEF)))


def _read_types(root: Table) -> list:
    types = []
    for i, type_def in enumerate(root.tables("types", TYPE_DEF) or ()):
        full_name = type_def.string("full_name")
        if not full_name:
            raise ModuleFormatError(f"types[{i}] missing name")
        types.append(full_name)
    return types


def _read_dependencies(root: Table) -> list:
    dependencies = []
    for i, dep in enumerate(root.tables("dependencies", DEPENDENCY_DEF) or ()):
        name = dep.string("name")
        if not name:
            raise ModuleFormatError(f"dependencies[{i}] has no module name")
        flags = dep.scalar("flags", "u32", _FLAG_REQUIRED)
        dependencies.append(Dependency(name, dep.scalar("minimum_version", "u32"),
                                       bool(flags & _FLAG_OPTIONAL)))
    return dependencies


def _read_imports(root: Table) -> list:
    imports = []
    for i, imp in enumerate(root.tables("imported_functions", IMPORT_DEF) or ()):
        full_name = imp.string("full_name")
        if not full_name:
            raise ModuleFormatError(f"imports[{i}] missing full_name")
        module_name, dot, function_name = full_name.partition(".")
        if not dot or not module_name or not function_name:
            raise ModuleFormatError(
                f"imports[{i}] name '{full_name}' is not of the form module.function")
        signature = _read_signature(imp.table("signature", SIGNATURE_DEF),
                                    f"imports[{i}] ({full_name})")
        flags = imp.scalar("flags", "u32", _FLAG_REQUIRED)
        imports.append(Import(full_name, module_name, function_name, signature.cconv_text,
                              signature.cconv, signature.attrs, bool(flags & _FLAG_OPTIONAL)))
    return imports


def _read_exports(root: Table, function_count: int) -> list:
    exports = []
    for i, exp in enumerate(root.tables("exported_functions", EXPORT_DEF) or ()):
        name = exp.string("local_name")
        if not name:
            raise ModuleFormatError(f"exports[{i}] missing local_name")
        ordinal = exp.scalar("internal_ordinal", "i32")
        if not 0 <= ordinal < function_count:
            raise ModuleFormatError(
                f"exports[{i}] ({name}) internal_ordinal out of bounds "
                f"(0 <= {ordinal} < {function_count})")
        exports.append(Export(name, ordinal))
    return exports


def _read_rodata(root: Table, container: Container) -> tuple[list, list]:
    segments, external_offsets = [], []
    for i, segment in enumerate(root.tables("rodata_segments", RODATA_DEF) or ()):
        compression = segment.scalar("compression_type_type", "u8")
        if compression and compression not in _COMPRESSION_TYPES:
            raise UnimplementedError(f"rodata[{i}] uses unsupported compression type {compression}")
        embedded = segment.vector("embedded_data", np.uint8)
        if embedded is not None:
            segments.append(embedded)
            external_offsets.append(None)
            continue
        offset = segment.scalar("external_data_offset", "u64")
        length = segment.scalar("external_data_length", "u64")
        segments.append(container.external(offset, length, f"rodata[{i}]"))
        external_offsets.append(offset)
    return segments, external_offsets


def _read_module_state(root: Table) -> tuple[int, int]:
    state = root.table("module_state", MODULE_STATE_DEF)
    if state is None:
        return 0, 0
    global_bytes = state.scalar("global_bytes_capacity", "i32")
    global_refs = state.scalar("global_ref_count", "i32")
    if global_bytes < 0 or global_refs < 0:
        raise ModuleFormatError(
            f"module_state is negative (global_bytes_capacity {global_bytes}, "
            f"global_ref_count {global_refs})")
    return global_bytes, global_refs


def _check_bytecode_version(version: int) -> None:
    major, minor = version >> 16, version & 0xFFFF
    if major != BYTECODE_VERSION_MAJOR or minor > BYTECODE_VERSION_MINOR:
        raise ModuleFormatError(
            f"bytecode version mismatch; runtime supports {BYTECODE_VERSION_MAJOR}."
            f"{BYTECODE_VERSION_MINOR}, module has {major}.{minor}")


def _read_functions(table: np.ndarray | None, bytecode_size: int,
                    available_features: int) -> list:
    functions = []
    for i, (offset, length, requirements, _reserved, blocks, i32_count, ref_count) in enumerate(
            () if table is None else table.tolist()):
        if blocks <= 0:
            raise ModuleFormatError(
                f"functions[{i}] descriptor block count is {blocks}; "
                f"functions must have at least 1 block")
        if length <= 0:
            raise ModuleFormatError(
                f"functions[{i}] descriptor bytecode reports {length} length; "
                f"functions must have at least one block")
        if offset < 0 or offset + length > bytecode_size:
            raise ModuleFormatError(
                f"functions[{i}] descriptor bytecode span out of range (offset {offset}, "
                f"length {length}, bytecode_data is {bytecode_size} bytes)")
        if not (0 <= i32_count <= MAX_I32_REGISTERS and 0 <= ref_count <= MAX_REF_REGISTERS):
            raise ModuleFormatError(
                f"functions[{i}] descriptor register count out of range "
                f"(i32 {i32_count}, ref {ref_count})")
        check_features(requirements, available_features, f"functions[{i}]")
        functions.append(FunctionDescriptor(offset, length, requirements, blocks,
                                            i32_count, ref_count))
    return functions


def _function_names(exports: list, debug_info: DebugInfo | None, count: int) -> list:
    names = [f"__func_{ordinal}" for ordinal in range(count)]
    for export in reversed(exports):
        names[export.internal_ordinal] = export.name
    for ordinal, name in (debug_info.names.items() if debug_info else ()):
        names[ordinal] = name
    return names


def load_module_def(source, *, available_features: int = FeatureBits.ALL) -> ModuleDef:
    """Loads and checks a module from a path, bytes-like, uint8 array or `Container`."""
    container = source if isinstance(source, Container) else open_container(source)
    root = FlatBuffer(container.flatbuffer).root(BYTECODE_MODULE_DEF)
    requirements = root.scalar("requirements", "u32")
    check_features(requirements, available_features)
    name = root.string("name")
    if not name:
        raise ModuleFormatError("module missing name field")
    types = _read_types(root)
    rodata, rodata_external_offsets = _read_rodata(root, container)
    dependencies = _read_dependencies(root)
    imports = _read_imports(root)
    signatures = [_read_signature(sig, f"function_signatures[{i}]")
                  for i, sig in enumerate(root.tables("function_signatures", SIGNATURE_DEF) or ())]
    descriptors = root.vector("function_descriptors", FUNCTION_DESCRIPTOR_DTYPE)
    descriptor_count = 0 if descriptors is None else len(descriptors)
    if len(signatures) != descriptor_count:
        raise ModuleFormatError(
            f"function signature and descriptor table length mismatch "
            f"({len(signatures)} vs {descriptor_count})")
    exports = _read_exports(root, descriptor_count)
    bytecode_version = root.scalar("bytecode_version", "u32")
    _check_bytecode_version(bytecode_version)
    bytecode = root.vector("bytecode_data", np.uint8)
    if bytecode is None:
        bytecode = container.flatbuffer[:0]
    functions = _read_functions(descriptors, bytecode.shape[0], available_features)
    global_bytes, global_refs = _read_module_state(root)
    debug_table = root.table("debug_database", DEBUG_DATABASE_DEF)
    debug_info = None if debug_table is None else DebugInfo(debug_table, len(functions))
    return ModuleDef(
        name=name,
        version=root.scalar("version", "u32"),
        requirements=requirements,
        attrs=_read_attrs(root.tables("attrs", ATTR_DEF)),
        types=types,
        dependencies=dependencies,
        imports=imports,
        exports=exports,
        signatures=signatures,
        rodata=rodata,
        rodata_external_offsets=rodata_external_offsets,
        global_bytes=global_bytes,
        global_refs=global_refs,
        functions=functions,
        bytecode_version=bytecode_version,
        bytecode=bytecode,
        container=container,
        present_fields=frozenset(f for f in BYTECODE_MODULE_DEF.fields if root.has(f)),
        debug_info=debug_info,
        function_names=_function_names(exports, debug_info, len(functions)),
    )
