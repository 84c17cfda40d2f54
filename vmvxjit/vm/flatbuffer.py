"""A minimal, bounds-checked FlatBuffers reader (no external library).

Module files are untrusted, so every offset, length and element read is
checked against the buffer before use and a failure raises
`ModuleFormatError` naming the field path, e.g.
`BytecodeModuleDef.imported_functions[2].full_name`. Tables are described by
a `TableType` (field names in slot order) so callers read fields by name.
Byte, scalar and struct vectors come back as zero-copy, read-only numpy
views of the buffer; nothing is decoded until it is asked for.

Navigation follows the schema, never arbitrary pointers, so a malicious file
cannot make the reader loop; sizes are Python ints, so nothing overflows.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from vmvxjit.errors import ModuleFormatError

SCALARS = {
    kind: struct.Struct(fmt)
    for kind, fmt in (("u8", "<B"), ("i8", "<b"), ("u16", "<H"), ("i16", "<h"),
                      ("u32", "<I"), ("i32", "<i"), ("u64", "<Q"), ("i64", "<q"),
                      ("f32", "<f"), ("f64", "<d"))
}
_UOFFSET = 4


class TableType:
    """The schema of one table: its name and its field names in slot order.

    A union field `x` takes two slots, declared as `x_type` then `x`.
    """

    __slots__ = ("name", "fields", "_slots")

    def __init__(self, name: str, *fields: str):
        self.name = name
        self.fields = fields
        self._slots = {field: slot for slot, field in enumerate(fields)}

    def slot(self, field: str) -> int:
        return self._slots[field]

    def __repr__(self) -> str:
        return f"TableType({self.name})"


class FlatBuffer:
    """A FlatBuffer held as a 1-D uint8 numpy array, read with checked accessors."""

    __slots__ = ("data", "size", "_view")

    def __init__(self, data: np.ndarray):
        self.data = data
        self.size = int(data.shape[0])
        self._view = memoryview(data)

    def check(self, pos: int, length: int, what: str) -> None:
        """Raises unless `[pos, pos+length)` lies inside the buffer."""
        if pos < 0 or length < 0 or pos + length > self.size:
            raise ModuleFormatError(
                f"malformed FlatBuffer: {what} out of bounds "
                f"({length} bytes at offset {pos}, buffer is {self.size} bytes)")

    def read(self, kind: str, pos: int, what: str) -> int | float:
        """A little-endian scalar (`u8`…`f64`) at `pos`."""
        codec = SCALARS[kind]
        self.check(pos, codec.size, what)
        return codec.unpack_from(self._view, pos)[0]

    def follow(self, pos: int, what: str) -> int:
        """The absolute target of the uoffset stored at `pos`."""
        return pos + self.read("u32", pos, what)

    def string(self, pos: int, what: str) -> str:
        """The length-prefixed, NUL-terminated string at `pos` (bad UTF-8 is replaced)."""
        length = self.read("u32", pos, f"{what} length")
        self.check(pos + 4, length + 1, what)
        if self.data[pos + 4 + length] != 0:
            raise ModuleFormatError(f"malformed FlatBuffer: {what} is not NUL-terminated")
        return bytes(self.data[pos + 4:pos + 4 + length]).decode("utf-8", errors="replace")

    def view(self, pos: int, count: int, dtype: np.dtype, what: str) -> np.ndarray:
        """A read-only view of `count` elements of `dtype` starting at `pos`."""
        dtype = np.dtype(dtype)
        self.check(pos, count * dtype.itemsize, what)
        array = self.data[pos:pos + count * dtype.itemsize].view(dtype)
        array.flags.writeable = False
        return array

    def root(self, table_type: TableType) -> "Table":
        """The root table (its uoffset is the buffer's first 4 bytes)."""
        return Table(self, self.follow(0, f"{table_type.name} root offset"),
                     table_type, table_type.name)


class Table:
    """One table: fields are looked up by name through its `TableType`."""

    __slots__ = ("fb", "pos", "type", "path", "_vtable", "_vtable_size", "_object_size")

    def __init__(self, fb: FlatBuffer, pos: int, table_type: TableType, path: str):
        self.fb = fb
        self.pos = pos
        self.type = table_type
        self.path = path
        vtable = pos - fb.read("i32", pos, f"{path} vtable offset")
        self._vtable = vtable
        fb.check(vtable, 4, f"{path} vtable")
        self._vtable_size = fb.read("u16", vtable, f"{path} vtable")
        self._object_size = fb.read("u16", vtable + 2, f"{path} vtable")
        if self._vtable_size < 4 or self._vtable_size % 2:
            raise ModuleFormatError(
                f"malformed FlatBuffer: {path} vtable size {self._vtable_size} is invalid")
        fb.check(vtable, self._vtable_size, f"{path} vtable")
        if self._object_size < 4:
            raise ModuleFormatError(
                f"malformed FlatBuffer: {path} object size {self._object_size} is invalid")
        fb.check(pos, self._object_size, f"{path} table")

    def _where(self, field: str) -> str:
        return f"{self.path}.{field}"

    def field_position(self, field: str, size: int) -> int | None:
        """Absolute position of a present field of `size` bytes, else None."""
        entry = 4 + 2 * self.type.slot(field)
        if entry >= self._vtable_size:
            return None
        offset = self.fb.read("u16", self._vtable + entry, f"{self._where(field)} vtable entry")
        if offset == 0:
            return None
        if offset < 4 or offset + size > self._object_size:
            raise ModuleFormatError(
                f"malformed FlatBuffer: {self._where(field)} field offset {offset} "
                f"outside its table ({self._object_size} bytes)")
        return self.pos + offset

    def has(self, field: str) -> bool:
        return self.field_position(field, 1) is not None

    def scalar(self, field: str, kind: str, default: int | float = 0) -> int | float:
        pos = self.field_position(field, SCALARS[kind].size)
        return default if pos is None else self.fb.read(kind, pos, self._where(field))

    def _target(self, field: str) -> int | None:
        pos = self.field_position(field, _UOFFSET)
        return None if pos is None else self.fb.follow(pos, self._where(field))

    def string(self, field: str) -> str | None:
        target = self._target(field)
        return None if target is None else self.fb.string(target, self._where(field))

    def table(self, field: str, table_type: TableType) -> "Table | None":
        target = self._target(field)
        return None if target is None else Table(self.fb, target, table_type, self._where(field))

    def union(self, field: str, types: Mapping[int, TableType]) -> tuple[int, "Table | None"]:
        """`(type, table)` of a union field; table is None for NONE or unknown types."""
        kind = self.scalar(f"{field}_type", "u8")
        table_type = types.get(kind)
        if table_type is None:
            return kind, None
        return kind, self.table(field, table_type)

    def vector(self, field: str, dtype) -> np.ndarray | None:
        """A vector of scalars or structs as a read-only numpy view (`dtype` per element)."""
        target = self._target(field)
        if target is None:
            return None
        what = self._where(field)
        count = self.fb.read("u32", target, f"{what} length")
        return self.fb.view(target + 4, count, dtype, what)

    def tables(self, field: str, table_type: TableType) -> "TableVector | None":
        target = self._target(field)
        if target is None:
            return None
        return TableVector(self.fb, target, table_type, self._where(field))

    def union_vector(self, field: str, types: Mapping[int, TableType]) -> "UnionVector | None":
        """A vector of unions: parallel `<field>_type` ([u8]) and `<field>` vectors."""
        kinds = self.vector(f"{field}_type", np.uint8)
        target = self._target(field)
        values = None if target is None else OffsetVector(self.fb, target, self._where(field))
        if kinds is None and values is None:
            return None
        if kinds is None or values is None or len(kinds) != len(values):
            raise ModuleFormatError(
                f"malformed FlatBuffer: {self._where(field)} union type and value vectors "
                f"differ in length")
        return UnionVector(values, kinds, types)


class OffsetVector(Sequence):
    """A vector of uoffsets; the count and the offset array are checked up front."""

    __slots__ = ("fb", "start", "path", "_count")

    def __init__(self, fb: FlatBuffer, pos: int, path: str):
        self.fb = fb
        self._count = fb.read("u32", pos, f"{path} length")
        fb.check(pos + 4, self._count * _UOFFSET, path)
        self.start = pos + 4
        self.path = path

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> int:
        """Absolute position that element `index` points at."""
        if not -self._count <= index < self._count:
            raise IndexError(f"{self.path}[{index}] out of range ({self._count} elements)")
        index %= self._count
        return self.fb.follow(self.start + _UOFFSET * index, f"{self.path}[{index}]")


class TableVector(OffsetVector):
    """A vector of tables; elements are read (and checked) on access."""

    __slots__ = ("type",)

    def __init__(self, fb: FlatBuffer, pos: int, table_type: TableType, path: str):
        super().__init__(fb, pos, path)
        self.type = table_type

    def __getitem__(self, index: int) -> Table:
        target = super().__getitem__(index)
        return Table(self.fb, target, self.type, f"{self.path}[{index % len(self)}]")

    def __iter__(self) -> Iterator[Table]:
        return (self[i] for i in range(len(self)))


class UnionVector(Sequence):
    """A vector of unions: element i is `(type, Table | None)` (None for NONE/unknown)."""

    __slots__ = ("_values", "_kinds", "_types")

    def __init__(self, values: OffsetVector, kinds: np.ndarray, types: Mapping[int, TableType]):
        self._values = values
        self._kinds = kinds
        self._types = types

    def __len__(self) -> int:
        return len(self._values)

    def __getitem__(self, index: int) -> tuple[int, Table | None]:
        target = self._values[index]  # checks the index
        kind = int(self._kinds[index])
        table_type = self._types.get(kind)
        if table_type is None:
            return kind, None
        return kind, Table(self._values.fb, target, table_type,
                           f"{self._values.path}[{index % len(self)}]")
