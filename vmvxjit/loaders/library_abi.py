"""IREE's executable library ABI v6 (`executable_library.h`), as seen from Python.

ctypes structures for what Python reads or writes (header, library_v0,
dispatch attrs, environment, dispatch_state_v0, workgroup_state_v0), the
`query` call and the checked reading of the library it returns. Every pointer the library hands
back is checked against the loaded image's segments (`NativeMemory`) before
it is dereferenced, so a malformed library is an error rather than a crash.
"""

from __future__ import annotations

import ctypes
from typing import NamedTuple

import numpy as np

from vmvxjit.errors import (
    FailedPreconditionError,
    InvalidArgumentError,
    ModuleFormatError,
    NotFoundError,
    OutOfRangeError,
    UnavailableError,
)
from vmvxjit.loaders.elf import PF_R, PF_X
from vmvxjit.native import trap
from vmvxjit.native.cpu import PROCESSOR_DATA_CAPACITY

QUERY_SYMBOL = "iree_hal_executable_library_query"
LIBRARY_VERSION = 6
SANITIZER_NONE = 0
LOCAL_MEMORY_PAGE_SIZE = 4096
MAX_CONSTANT_COUNT = 64
MAX_BINDING_COUNT = 64
# Longest C string read from a library (names, import symbols).
MAX_STRING_LENGTH = 4096

_PTR = ctypes.c_void_p
# Pointers read out of library memory: plain 64-bit integers (NULL is 0, not None).
_ADDR = ctypes.c_uint64


class LibraryHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("name", _ADDR),
                ("features", ctypes.c_uint32), ("sanitizer", ctypes.c_int32)]


class DispatchAttrs(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("local_memory_pages", ctypes.c_uint16),
                ("constant_count", ctypes.c_uint8), ("binding_count", ctypes.c_uint8),
                ("workgroup_size_x", ctypes.c_uint32), ("workgroup_size_y", ctypes.c_uint32),
                ("workgroup_size_z", ctypes.c_uint16), ("parameter_count", ctypes.c_uint16),
                ("reserved", ctypes.c_uint64 * 5)]


class LibraryV0(ctypes.Structure):
    """library_v0 with its nested tables flattened (the constant table is padded to 8)."""

    _fields_ = [("header", _ADDR),
                ("import_count", ctypes.c_uint32), ("import_symbols", _ADDR),
                ("export_count", ctypes.c_uint32), ("export_ptrs", _ADDR),
                ("export_attrs", _ADDR), ("export_params", _ADDR), ("export_occupancy", _ADDR),
                ("export_names", _ADDR), ("export_tags", _ADDR), ("export_parameter_names", _ADDR),
                ("export_source_locations", _ADDR), ("export_stage_locations", _ADDR),
                ("constant_count", ctypes.c_uint32), ("_constant_table_padding", ctypes.c_uint32),
                ("source_count", ctypes.c_uint32), ("source_files", _ADDR)]


IMPORT_THUNK = ctypes.CFUNCTYPE(ctypes.c_int, _PTR, _PTR, _PTR, _PTR)
IMPORT_FUNCTION = ctypes.CFUNCTYPE(ctypes.c_int, _PTR, _PTR, _PTR)


class Environment(ctypes.Structure):
    _fields_ = [("constants", _PTR), ("import_thunk", IMPORT_THUNK),
                ("import_funcs", _PTR), ("import_contexts", _PTR),
                ("processor_data", ctypes.c_uint64 * PROCESSOR_DATA_CAPACITY)]


class DispatchStateV0(ctypes.Structure):
    _fields_ = [("workgroup_size_x", ctypes.c_uint32), ("workgroup_size_y", ctypes.c_uint32),
                ("workgroup_size_z", ctypes.c_uint16), ("constant_count", ctypes.c_uint16),
                ("workgroup_count_x", ctypes.c_uint32), ("workgroup_count_y", ctypes.c_uint32),
                ("workgroup_count_z", ctypes.c_uint16), ("max_concurrency", ctypes.c_uint8),
                ("binding_count", ctypes.c_uint8), ("constants", _ADDR),
                ("binding_ptrs", _ADDR), ("binding_lengths", _ADDR)]


class WorkgroupStateV0(ctypes.Structure):
    _fields_ = [("workgroup_id_x", ctypes.c_uint32), ("workgroup_id_y", ctypes.c_uint32),
                ("workgroup_id_z", ctypes.c_uint16), ("reserved", ctypes.c_uint16),
                ("processor_id", ctypes.c_uint32), ("local_memory", _ADDR),
                ("local_memory_size", ctypes.c_uint32)]


for _struct, _size in ((LibraryHeader, 24), (DispatchAttrs, 64), (LibraryV0, 128), (Environment, 96),
                      (DispatchStateV0, 48), (WorkgroupStateV0, 32)):
    assert ctypes.sizeof(_struct) == _size, _struct


@IMPORT_THUNK
def _import_thunk(function, params, context, reserved):
    """Calls an import the way `iree_elf_thunk_i_ppp` does (C ABI, no translation),
    untrapped: a fault must not jump over this callback's Python frames."""
    if not function:
        return -1
    with trap.suspended():
        return IMPORT_FUNCTION(function)(params, context, reserved)


# Imports this runtime provides to executables: symbol → (function, context)
# addresses. None yet; a library's required import therefore fails to load.
PROVIDED_IMPORTS: dict[str, tuple[int, int]] = {}


class NativeMemory:
    """Bounds-checked access to a loaded library: only inside its segments.

    `ranges` are (start, end, ELF segment flags) in host addresses; data is
    only read from PF_R segments and code only accepted in PF_X segments.
    """

    def __init__(self, ranges: list[tuple[int, int, int]]):
        self.ranges = ranges

    def _range_end(self, address: int, size: int, flag: int, what: str) -> int:
        for start, end, flags in self.ranges:
            if start <= address and address + size <= end and flags & flag:
                return end
        kind = "executable" if flag == PF_X else "readable"
        raise ModuleFormatError(
            f"executable library {what} at 0x{address:X} (0x{size:X} bytes) is outside the "
            f"{kind} segments of the loaded image")

    def read(self, ctype, address: int, what: str):
        """A copy of the `ctype` value at `address`."""
        self._range_end(address, ctypes.sizeof(ctype), PF_R, what)
        return ctype.from_buffer_copy(ctypes.string_at(address, ctypes.sizeof(ctype)))

    def read_array(self, ctype, address: int, count: int, what: str) -> list:
        if count == 0:
            return []
        return list(self.read(ctype * count, address, what))

    def read_string(self, address: int, what: str) -> str:
        end = self._range_end(address, 1, PF_R, what)
        text = ctypes.string_at(address, min(end - address, MAX_STRING_LENGTH))
        length = text.find(b"\0")
        if length < 0:
            raise ModuleFormatError(f"executable library {what} is not a NUL-terminated string")
        return text[:length].decode("utf-8", errors="replace")

    def check_code(self, address: int, what: str) -> int:
        """`address` if it lies in an executable segment."""
        self._range_end(address, 1, PF_X, what)
        return address


class Export(NamedTuple):
    """One dispatch function and its attributes."""

    name: str
    function: int
    flags: int
    local_memory_pages: int
    constant_count: int
    binding_count: int
    workgroup_size: tuple[int, int, int]

    @property
    def local_memory_size(self) -> int:
        return self.local_memory_pages * LOCAL_MEMORY_PAGE_SIZE


class Library(NamedTuple):
    """What `query` returned, read and validated."""

    name: str
    exports: list[Export]
    imports: list[str]
    constant_count: int


class ExecutableEnvironment:
    """The environment_v0 an executable is queried and dispatched with.

    Owns the executable-level constants and the import tables so their
    addresses stay valid for the executable's lifetime.
    """

    def __init__(self, constants: np.ndarray | None, processor_data):
        constants = np.zeros(0, np.uint32) if constants is None else np.asarray(constants)
        if constants.dtype.kind not in "iu" or constants.dtype.itemsize != 4:
            raise InvalidArgumentError(
                f"executable constants must be 32-bit integers, not {constants.dtype}")
        self.constants = constants.astype(np.uint32).ravel()
        self.struct = Environment()
        if self.constants.size:
            self.struct.constants = self.constants.ctypes.data
        self.struct.processor_data[:] = processor_data
        self._import_tables = None

    @property
    def address(self) -> int:
        return ctypes.addressof(self.struct)

    def resolve_imports(self, symbols: list[str], provided: dict[str, tuple[int, int]]) -> None:
        """Fills the import tables; required symbols must be provided, `?x` may be NULL."""
        if not symbols:
            return
        functions = (_PTR * len(symbols))()
        contexts = (_PTR * len(symbols))()
        missing = []
        for i, symbol in enumerate(symbols):
            optional = symbol.startswith("?")
            function, context = provided.get(symbol[1:] if optional else symbol, (0, 0))
            functions[i], contexts[i] = function, context
            if not function and not optional:
                missing.append(symbol)
        if missing:
            raise NotFoundError(
                f"missing {len(missing)} required executable imports: [{', '.join(missing)}]")
        self._import_tables = (functions, contexts)
        self.struct.import_thunk = _import_thunk
        self.struct.import_funcs = ctypes.addressof(functions)
        self.struct.import_contexts = ctypes.addressof(contexts)


def query_library(query_address: int, environment: ExecutableEnvironment,
                  memory: NativeMemory) -> Library:
    """Calls the library's query function for ABI v6 and reads what it returns."""
    memory.check_code(query_address, QUERY_SYMBOL)
    pointer = trap.call(query_address, LIBRARY_VERSION, environment.address,
                        f"the library's query function ({QUERY_SYMBOL})")
    if not pointer:
        raise FailedPreconditionError(
            f"executable does not support this version of the runtime ({LIBRARY_VERSION:08X})")
    library = memory.read(LibraryV0, pointer, "library")
    header = memory.read(LibraryHeader, library.header, "header")
    if header.version != LIBRARY_VERSION:
        raise FailedPreconditionError(
            f"executable library header version {header.version} does not match the "
            f"queried version {LIBRARY_VERSION}")
    if header.sanitizer != SANITIZER_NONE:
        raise UnavailableError(
            f"executable requires sanitizer but they are not yet supported: {header.sanitizer}")
    return Library(
        name=memory.read_string(header.name, "name"),
        exports=_read_exports(library, memory),
        imports=[memory.read_string(symbol, f"import symbol {i}") for i, symbol in enumerate(
            memory.read_array(_ADDR, library.import_symbols, library.import_count, "import table"))],
        constant_count=library.constant_count,
    )


def _read_exports(library: LibraryV0, memory: NativeMemory) -> list[Export]:
    count = library.export_count
    if count and not library.export_attrs:
        raise FailedPreconditionError("executable exports must provide dispatch attributes")
    if count and not library.export_names:
        raise FailedPreconditionError("executable exports must provide function names")
    functions = memory.read_array(_ADDR, library.export_ptrs, count, "export table")
    attrs = memory.read_array(DispatchAttrs, library.export_attrs, count, "dispatch attributes")
    names = memory.read_array(_ADDR, library.export_names, count, "export names")
    exports = []
    for i in range(count):
        attr = attrs[i]
        if attr.constant_count > MAX_CONSTANT_COUNT:
            raise OutOfRangeError(
                f"dispatch requiring {attr.constant_count} constants exceeds limit of {MAX_CONSTANT_COUNT}")
        if attr.binding_count > MAX_BINDING_COUNT:
            raise OutOfRangeError(
                f"dispatch requiring {attr.binding_count} bindings exceeds limit of {MAX_BINDING_COUNT}")
        name = memory.read_string(names[i], f"export {i} name") if names[i] else ""
        if not name:
            raise FailedPreconditionError(f"executable export {i} missing function name")
        exports.append(Export(
            name=name,
            function=memory.check_code(functions[i], f"export '{name}' function"),
            flags=attr.flags,
            local_memory_pages=attr.local_memory_pages,
            constant_count=attr.constant_count,
            binding_count=attr.binding_count,
            workgroup_size=(attr.workgroup_size_x, attr.workgroup_size_y, attr.workgroup_size_z),
        ))
    return exports
