"""Unit tests for the checked FlatBuffer reader, on hand-laid-out buffers."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmvxjit.errors import ModuleFormatError
from vmvxjit.vm.flatbuffer import FlatBuffer, TableType

# --- a tiny front-to-back builder ------------------------------------------
# Nodes: ("scalar", fmt, value), ("string", text), ("vector", fmt, values),
# ("tables", [table nodes]), ("table", {field_slot: node}). A table is laid out
# as its vtable, then the object (soffset + one 8-byte cell per slot), then its
# children, so every uoffset points forward as FlatBuffers requires.


def _align(buf: bytearray, n: int) -> None:
    buf.extend(b"\0" * (-len(buf) % n))


def _emit(buf: bytearray, node) -> int:
    kind = node[0]
    if kind == "string":
        _align(buf, 4)
        pos = len(buf)
        data = node[1].encode()
        buf += struct.pack("<I", len(data)) + data + b"\0"
        return pos
    if kind == "vector":
        _, fmt, values = node
        _align(buf, 8)
        buf.extend(b"\0" * 4)        # keep elements 8-aligned
        pos = len(buf)
        buf += struct.pack("<I", len(values))
        for value in values:
            buf += struct.pack(fmt, *value) if isinstance(value, tuple) else struct.pack(fmt, value)
        return pos
    if kind == "tables":
        _align(buf, 4)
        pos = len(buf)
        buf += struct.pack("<I", len(node[1])) + b"\0" * 4 * len(node[1])
        for i, child in enumerate(node[1]):
            _patch(buf, pos + 4 + 4 * i, child)
        return pos
    assert kind == "table"
    fields = node[1]
    slots = max(fields, default=-1) + 1
    _align(buf, 4)
    vtable = len(buf)
    buf += struct.pack("<HH", 4 + 2 * slots, 4 + 8 * slots)
    buf += b"".join(struct.pack("<H", 4 + 8 * s if s in fields else 0) for s in range(slots))
    _align(buf, 8)
    pos = len(buf)
    buf += struct.pack("<i", pos - vtable) + b"\0" * 8 * slots
    for slot, child in fields.items():
        cell = pos + 4 + 8 * slot
        if child[0] == "scalar":
            struct.pack_into(child[1], buf, cell, child[2])
        else:
            _patch(buf, cell, child)
    return pos


def _patch(buf: bytearray, at: int, child) -> None:
    target = _emit(buf, child)
    struct.pack_into("<I", buf, at, target - at)


def build(root) -> np.ndarray:
    buf = bytearray(b"\0\0\0\0TEST")
    _patch(buf, 0, root)
    return np.frombuffer(bytes(buf), dtype=np.uint8)


POINT = TableType("Point", "x", "y", "label")
LOC = TableType("Loc", "line")
ROOT = TableType("Root", "count", "name", "bytes", "ints", "points", "child", "shape_type",
                 "shape", "pairs", "items_type", "items", "absent")
PAIR = np.dtype([("a", "<i4"), ("b", "<i2"), ("c", "<i2")])


def sample():
    return ("table", {
        0: ("scalar", "<I", 7),
        1: ("string", "hello"),
        2: ("vector", "<B", [1, 2, 3]),
        3: ("vector", "<i", [-1, 5]),
        4: ("tables", [("table", {0: ("scalar", "<i", 1), 1: ("scalar", "<i", 2)}),
                       ("table", {2: ("string", "p1")})]),
        5: ("table", {0: ("scalar", "<i", -4)}),
        6: ("scalar", "<B", 2),
        7: ("table", {0: ("scalar", "<i", 42)}),
        8: ("vector", "<ihh", [(10, 1, 2), (20, 3, 4)]),
        9: ("vector", "<B", [0, 1, 2]),
        10: ("tables", [("table", {}), ("table", {0: ("scalar", "<i", 1)}),
                        ("table", {0: ("scalar", "<i", 9)})]),
    })


def root_of(data: np.ndarray):
    return FlatBuffer(data).root(ROOT)


def test_scalars_and_defaults():
    root = root_of(build(sample()))
    assert root.scalar("count", "u32") == 7
    assert root.scalar("absent", "u32", 99) == 99
    assert not root.has("absent")
    child = root.table("child", POINT)
    assert child.scalar("x", "i32") == -4
    assert child.scalar("y", "i32", 3) == 3         # slot beyond the vtable
    assert child.string("label") is None


def test_strings_and_vectors_are_zero_copy_views():
    data = build(sample())
    root = root_of(data)
    assert root.string("name") == "hello"
    raw = root.vector("bytes", np.uint8)
    assert raw.tolist() == [1, 2, 3]
    assert np.shares_memory(raw, data)
    assert not raw.flags.writeable
    assert root.vector("ints", "<i4").tolist() == [-1, 5]
    pairs = root.vector("pairs", PAIR)
    assert pairs["a"].tolist() == [10, 20] and pairs["c"].tolist() == [2, 4]
    assert root.vector("absent", np.uint8) is None


def test_table_vectors():
    points = root_of(build(sample())).tables("points", POINT)
    assert len(points) == 2
    assert [p.scalar("x", "i32") for p in points] == [1, 0]
    assert points[-1].string("label") == "p1"
    assert points[1].path == "Root.points[1]"
    with pytest.raises(IndexError):
        points[2]


def test_unions():
    root = root_of(build(sample()))
    kind, shape = root.union("shape", {1: POINT, 2: LOC})
    assert kind == 2 and shape.scalar("line", "i32") == 42
    items = root.union_vector("items", {1: LOC})
    assert len(items) == 3
    assert items[0] == (0, None)
    assert items[1][1].scalar("line", "i32") == 1
    assert items[2] == (2, None)          # unknown member type


def _mutated(offset_of, fmt, value):
    data = bytearray(build(sample()).tobytes())
    struct.pack_into(fmt, data, offset_of(root_of(np.frombuffer(bytes(data), np.uint8))), value)
    return root_of(np.frombuffer(bytes(data), dtype=np.uint8))


@pytest.mark.parametrize("offset_of, fmt, value, read, message", [
    (lambda r: 0, "<I", 10_000, lambda r: r, "Root vtable offset out of bounds"),
    (lambda r: r.pos, "<i", -10_000, lambda r: r, "Root vtable"),
    (lambda r: r.pos, "<i", 10_000, lambda r: r, "Root vtable"),
    (lambda r: r._vtable, "<H", 3, lambda r: r, "vtable size"),
    (lambda r: r._vtable + 2, "<H", 60_000, lambda r: r, "Root table"),
    (lambda r: r._vtable + 4 + 2 * 1, "<H", 60_000, lambda r: r.string("name"),
     "Root.name field offset"),
    (lambda r: r.field_position("name", 4), "<I", 1 << 31, lambda r: r.string("name"),
     "Root.name length"),
    (lambda r: r.fb.follow(r.field_position("name", 4), ""), "<I", 1 << 30,
     lambda r: r.string("name"), "Root.name out of bounds"),
    (lambda r: r.fb.follow(r.field_position("name", 4), "") + 9, "<B", 65,
     lambda r: r.string("name"), "not NUL-terminated"),
    (lambda r: r.fb.follow(r.field_position("ints", 4), ""), "<I", 0xFFFFFFFF,
     lambda r: r.vector("ints", "<i4"), "Root.ints out of bounds"),
    (lambda r: r.fb.follow(r.field_position("points", 4), ""), "<I", 0xFFFFFFFF,
     lambda r: r.tables("points", POINT), "Root.points out of bounds"),
    (lambda r: r.fb.follow(r.field_position("points", 4), "") + 4, "<I", 1 << 30,
     lambda r: r.tables("points", POINT)[0], r"Root\.points\[0\] vtable offset"),
    (lambda r: r.fb.follow(r.field_position("items_type", 4), ""), "<I", 2,
     lambda r: r.union_vector("items", {1: LOC}), "differ in length"),
])
def test_malformed_buffers_name_the_field(offset_of, fmt, value, read, message):
    with pytest.raises(ModuleFormatError, match=message):
        read(_mutated(offset_of, fmt, value))


def _read_everything(data: np.ndarray) -> None:
    root = root_of(data)
    root.scalar("count", "u32")
    root.string("name")
    root.vector("bytes", np.uint8)
    root.vector("pairs", PAIR)
    for point in root.tables("points", POINT) or ():
        point.string("label")
    child = root.table("child", POINT)
    if child is not None:
        child.scalar("x", "i32")
    root.union("shape", {1: POINT, 2: LOC})
    for _, item in root.union_vector("items", {1: LOC}) or ():
        if item is not None:
            item.scalar("line", "i32")


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_random_corruption_only_raises_module_format_errors(data):
    raw = bytearray(build(sample()).tobytes())
    for _ in range(data.draw(st.integers(1, 6))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    try:
        _read_everything(np.frombuffer(bytes(raw[:cut]), dtype=np.uint8))
    except ModuleFormatError:
        pass
