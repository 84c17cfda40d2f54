"""Module model tests: real modules, targeted corruptions and fuzzed bytes."""

from __future__ import annotations

import struct
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.corrupt import patched
from tests.support.modules import ADD_F32, BARE, CONFIGS, MULTI_FUNCTION, compile_mlir
from tests.vm.test_flatbuffer import build
from vmvxjit.errors import Error, ModuleFormatError, UnimplementedError
from vmvxjit.tooling.dump import format_module_info
from vmvxjit.vm.container import open_container
from vmvxjit.vm.flatbuffer import FlatBuffer
from vmvxjit.vm.module_def import (BYTECODE_MODULE_DEF, DEBUG_DATABASE_DEF, EXPORT_DEF,
                                   FUNCTION_DESCRIPTOR_DTYPE, RODATA_DEF, SIGNATURE_DEF,
                                   DebugInfo, FeatureBits, load_module_def)


def module_bytes(source: str = ADD_F32, config: str = "static", extra=()) -> bytes:
    return compile_mlir(source, CONFIGS[config] + list(extra)).read_bytes()


def vector_start(root, field):
    return root.fb.follow(root.field_position(field, 4), field)


def descriptor_field(index: int, name: str):
    offset = FUNCTION_DESCRIPTOR_DTYPE.fields[name][1]
    return lambda root: vector_start(root, "function_descriptors") + 4 + 20 * index + offset


def vtable_entry(field):
    return lambda root: root._vtable + 4 + 2 * BYTECODE_MODULE_DEF.slot(field)


def embedded_rodata(module) -> list[bytes]:
    return [bytes(data) for data, offset in zip(module.rodata, module.rodata_external_offsets)
            if offset is None]


def exercise(module) -> None:
    """Touches everything a user of a loaded module may read."""
    format_module_info(module, disassemble=lambda ordinal: "")
    for ordinal, fn in enumerate(module.functions):
        module.function_name(ordinal)
        for offset in range(0, fn.bytecode_length, 7):
            module.location(ordinal, offset)


# --- well-formed modules -----------------------------------------------------

def test_static_module_model():
    module = load_module_def(module_bytes())
    assert (module.name, module.version) == ("module", 0)
    assert module.requirements == FeatureBits.EXT_F32 | FeatureBits.UNWIND
    assert module.types[:3] == ["f32", "i32", "i64"] and "!hal.buffer_view" in module.types
    assert [(d.name, d.minimum_version, d.optional) for d in module.dependencies] == [
        ("hal_inline", 0, False)]
    create = next(i for i in module.imports if i.full_name == "hal_inline.buffer_view.create")
    assert (create.module_name, create.function_name) == ("hal_inline", "buffer_view.create")
    assert create.cconv_text == "0rIIiiCID_r" and create.cconv.args[-1] == "CI"
    assert not create.optional
    assert [(e.name, e.internal_ordinal) for e in module.exports] == [("add", 0)]
    (signature,) = module.signatures
    assert signature.cconv_text == "0rr_r" and signature.cconv.results == ("r",)
    assert signature.attrs["iree.abi.declaration"].startswith("sync func @add(")
    assert [bytes(r) for r in module.rodata] == [b"input0", b"input1"]
    assert module.rodata_external_offsets == [None, None]
    (fn,) = module.functions
    assert fn.bytecode_offset == 0 and 0 < fn.bytecode_length <= module.bytecode.shape[0]
    assert fn.block_count >= 1 and fn.i32_register_count > 0 and fn.ref_register_count > 0
    assert fn.requirements == module.requirements
    assert module.bytecode_version == 17 << 16
    for view in [module.bytecode, *module.rodata]:
        assert not view.flags.writeable
        assert np.shares_memory(view, module.container.data)
    assert module.function_name(0) == "add"


def test_debug_locations():
    module = load_module_def(module_bytes())
    assert module.location(0, 0) is None                 # the block marker precedes every entry
    first = module.location(0, 1)
    assert first == "input.mlir:2:8 at input.mlir:1:1"    # arith.addf inlined into @add
    assert module.location(0, 2) == first                 # inside the same op: nearest before
    assert module.location(5, 1) is None                  # no such function


def test_dynamic_module_model():
    module = load_module_def(module_bytes(config="dynamic_llvm"))
    assert [(d.name, d.minimum_version) for d in module.dependencies] == [
        ("hal_loader", 1), ("hal_inline", 0)]
    assert [e.name for e in module.exports] == ["add", "__init"]
    init = module.exports[1].internal_ordinal
    assert module.signatures[init].cconv_text == "0v_v"
    assert module.signatures[init].cconv.args == () and module.signatures[init].cconv.results == ()
    assert module.global_refs == 1 and module.global_bytes == 0
    assert [module.function_name(i) for i in range(2)] == ["add", "__init"]
    assert "!hal.executable" in module.types


@pytest.mark.parametrize("config", CONFIGS)
def test_zip_and_bare_files_give_the_same_model(config):
    zipped = load_module_def(module_bytes(config=config))
    bare = load_module_def(module_bytes(config=config, extra=BARE))
    assert bare.container.flatbuffer_offset == 4
    for name in ("name", "types", "dependencies", "imports", "exports", "signatures",
                 "functions", "function_names", "global_bytes", "global_refs"):
        assert getattr(zipped, name) == getattr(bare, name), name
    # External blobs differ (a nested VMVX module is itself emitted bare); embedded ones match.
    assert embedded_rodata(zipped) == embedded_rodata(bare)
    assert bytes(zipped.bytecode) == bytes(bare.bytecode)


def test_multi_function_names_and_the_313_debug_database_quirk():
    """3.13 keeps only the last function's source map (stored under ordinal 0)."""
    module = load_module_def(module_bytes(MULTI_FUNCTION))
    assert len(module.functions) == 3
    assert [module.function_name(i) for i in range(3)] == ["__func_0", "f", "g"]
    assert module.location(0, 1) is None
    assert module.location(2, 1) == "input.mlir:11:8 at input.mlir:10:1"
    exercise(module)


def test_container_and_path_sources(tmp_path):
    path = compile_mlir(ADD_F32, CONFIGS["static"])
    assert load_module_def(open_container(path)).name == "module"
    assert load_module_def(str(path)).functions == load_module_def(path.read_bytes()).functions


def test_available_features():
    data = module_bytes()
    with pytest.raises(ModuleFormatError, match=r"required module features \[EXT_F32\]"):
        load_module_def(data, available_features=FeatureBits.UNWIND | FeatureBits.EXT_F64)
    load_module_def(data, available_features=FeatureBits.EXT_F32 | FeatureBits.UNWIND)


def test_large_external_rodata_is_mapped_not_copied(tmp_path):
    """A 100 MB external segment: loading maps it (sparse file, no copy, fast)."""
    size = 100 << 20
    data = module_bytes(config="dynamic_llvm", extra=BARE)
    container = open_container(data)
    data = patched(data, lambda r: r.tables("rodata_segments", RODATA_DEF)[0].field_position(
        "external_data_length", 8), "<Q", size)
    path = tmp_path / "big.vmfb"
    with open(path, "wb") as file:
        file.write(data[:container.rodata_base])
        file.truncate(container.rodata_base + size)
    start = time.perf_counter()
    module = load_module_def(path)
    assert time.perf_counter() - start < 0.5
    assert module.rodata[0].shape[0] == size
    assert np.shares_memory(module.rodata[0], module.container.data)
    assert not module.rodata[0].flags.writeable


# --- targeted corruption -------------------------------------------------------

STATIC_BYTES = module_bytes()
LLVM_BYTES = module_bytes(config="dynamic_llvm")


def rodata0(field, size=8):
    return lambda root: root.tables("rodata_segments", RODATA_DEF)[0].field_position(field, size)


def export1_ordinal(root):
    return root.tables("exported_functions", EXPORT_DEF)[1].field_position("internal_ordinal", 4)


@pytest.mark.parametrize("data, locate, fmt, value, error, message", [
    (STATIC_BYTES, lambda r: r.field_position("bytecode_version", 4), "<I", 18 << 16,
     ModuleFormatError, r"bytecode version mismatch; runtime supports 17\.0, module has 18\.0"),
    (STATIC_BYTES, lambda r: r.field_position("bytecode_version", 4), "<I", 17 << 16 | 1,
     ModuleFormatError, r"module has 17\.1"),
    (STATIC_BYTES, lambda r: r.field_position("requirements", 4), "<I", 9 | 0x30, ModuleFormatError,
     r"required module features \[30h\]"),
    (STATIC_BYTES, descriptor_field(0, "requirements"), "<I", 1 << 20, ModuleFormatError,
     r"functions\[0\]: required module features \[100000h\]"),
    (STATIC_BYTES, descriptor_field(0, "bytecode_length"), "<i", 1 << 30, ModuleFormatError,
     r"functions\[0\] descriptor bytecode span out of range"),
    (STATIC_BYTES, descriptor_field(0, "bytecode_offset"), "<i", -8, ModuleFormatError,
     r"functions\[0\] descriptor bytecode span out of range"),
    (STATIC_BYTES, descriptor_field(0, "bytecode_length"), "<i", 0, ModuleFormatError,
     "at least one block"),
    (STATIC_BYTES, descriptor_field(0, "block_count"), "<h", 0, ModuleFormatError,
     "at least 1 block"),
    (STATIC_BYTES, descriptor_field(0, "i32_register_count"), "<h", -1, ModuleFormatError,
     "register count out of range"),
    (STATIC_BYTES, descriptor_field(0, "ref_register_count"), "<h", 0x4000, ModuleFormatError,
     "register count out of range"),
    (STATIC_BYTES, lambda r: vector_start(r, "function_descriptors"), "<I", 2, ModuleFormatError,
     r"descriptor table length mismatch \(1 vs 2\)"),
    (STATIC_BYTES, lambda r: vector_start(r, "bytecode_data"), "<I", 0xFFFFFFFF, ModuleFormatError,
     r"BytecodeModuleDef\.bytecode_data out of bounds"),
    (STATIC_BYTES, lambda r: vector_start(r, "imported_functions"), "<I", 1 << 28,
     ModuleFormatError, r"BytecodeModuleDef\.imported_functions out of bounds"),
    (STATIC_BYTES, lambda r: r.pos, "<i", -(1 << 20), ModuleFormatError,
     r"BytecodeModuleDef vtable"),
    (STATIC_BYTES, lambda r: 0, "<I", 1 << 30, ModuleFormatError, r"BytecodeModuleDef vtable"),
    (STATIC_BYTES, vtable_entry("types"), "<H", 0xFFF0, ModuleFormatError,
     r"BytecodeModuleDef\.types field offset 65520 outside its table"),
    (STATIC_BYTES, vtable_entry("name"), "<H", 0, ModuleFormatError, "module missing name field"),
    (LLVM_BYTES, rodata0("external_data_offset"), "<Q", (1 << 64) - 64, ModuleFormatError,
     r"rodata\[0\] external reference out of range"),
    (LLVM_BYTES, rodata0("external_data_length"), "<Q", (1 << 64) - 1, ModuleFormatError,
     r"rodata\[0\] external reference out of range"),
    (LLVM_BYTES, rodata0("external_data_length"), "<Q", 1 << 20, ModuleFormatError,
     r"rodata\[0\] external reference out of range"),
    (LLVM_BYTES, export1_ordinal, "<i", 7, ModuleFormatError,
     r"exports\[1\] \(__init\) internal_ordinal out of bounds"),
    (LLVM_BYTES, export1_ordinal, "<i", -1, ModuleFormatError, "internal_ordinal out of bounds"),
])
def test_corrupted_fields(data, locate, fmt, value, error, message):
    with pytest.raises(error, match=message):
        load_module_def(patched(data, locate, fmt, value))


def test_unknown_compression_type_is_unimplemented():
    """Give the ELF segment a union type the schema does not define."""
    data = bytearray(LLVM_BYTES)
    container = open_container(LLVM_BYTES)
    segment = FlatBuffer(container.flatbuffer).root(BYTECODE_MODULE_DEF).tables(
        "rodata_segments", RODATA_DEF)[0]
    # Point the (absent) compression_type_type slot at the low byte of external_data_length.
    entry = segment._vtable + 4 + 2 * RODATA_DEF.slot("compression_type_type")
    if entry >= segment._vtable + segment._vtable_size:
        pytest.skip("vtable too short to patch in place")
    target = segment.field_position("external_data_offset", 8) - segment.pos
    struct.pack_into("<H", data, container.flatbuffer_offset + entry, target)
    with pytest.raises(UnimplementedError, match=r"rodata\[0\] uses unsupported compression"):
        load_module_def(bytes(data))


def test_cconv_errors_name_the_function():
    def first_cconv_char(root):
        signature = root.tables("function_signatures", SIGNATURE_DEF)[0]
        return root.fb.follow(signature.field_position("calling_convention", 4), "cconv") + 4
    with pytest.raises(ModuleFormatError, match=r"function_signatures\[0\]: .*'9rr_r'"):
        load_module_def(patched(STATIC_BYTES, first_cconv_char, "<B", ord("9")))


# --- truncation and fuzzing ----------------------------------------------------

@pytest.mark.parametrize("config", CONFIGS)
def test_every_truncation_fails_cleanly(config):
    data = module_bytes(config=config)
    module = load_module_def(data)
    container = module.container
    end_of_rodata = max((container.rodata_base + off + len(seg) for seg, off in zip(
        module.rodata, module.rodata_external_offsets) if off is not None), default=0)
    must_fail_below = max(container.flatbuffer_offset + container.flatbuffer.shape[0],
                          end_of_rodata)
    for cut in range(0, len(data), 3):
        try:
            load_module_def(data[:cut])
        except Error:
            continue
        assert cut >= must_fail_below, f"truncation at {cut} loaded"


SAMPLES = [module_bytes(config=config) for config in CONFIGS] + [module_bytes(MULTI_FUNCTION)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_modules_raise_errors_or_load(data):
    raw = bytearray(data.draw(st.sampled_from(SAMPLES)))
    container = open_container(bytes(raw))
    hot = range(container.flatbuffer_offset, container.flatbuffer_offset + 4096)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.one_of(st.integers(0, len(raw) - 1),
                                       st.sampled_from(hot).filter(lambda p: p < len(raw))))
        raw[position] = data.draw(st.sampled_from([0, 1, 0x7F, 0x80, 0xFF])
                                  | st.integers(0, 255))
    try:
        module = load_module_def(bytes(raw))
    except Error:
        return
    exercise(module)


# --- debug locations on a hand-built debug database ----------------------------

def _file(name, line, column):
    return ("table", {0: ("string", name), 1: ("scalar", "<i", line), 2: ("scalar", "<i", column)})


_LOCATION_TABLE = [   # (LocationTypeDef member, table)
    (2, _file("a.mlir", 3, 8)),                                                     # 0
    (1, ("table", {0: ("scalar", "<i", 0), 1: ("scalar", "<i", 2)})),               # 1 callsite
    (2, _file("a.mlir", 1, 1)),                                                     # 2
    (3, ("table", {0: ("string", "m"), 1: ("vector", "<i", [0, 2])})),              # 3 fused
    (4, ("table", {0: ("string", "x"), 1: ("scalar", "<i", 0)})),                   # 4 name
    (1, ("table", {0: ("scalar", "<i", 5), 1: ("scalar", "<i", 5)})),               # 5 cycle
    (0, ("table", {})),                                                             # 6 NONE
    (3, ("table", {1: ("vector", "<i", [6])})),                                     # 7 unknown
    (3, ("table", {1: ("vector", "<i", [9] * 5000)})),                              # 8 fan-out
    (3, ("table", {1: ("vector", "<i", [8, 8])})),                                  # 9
    (2, ("table", {0: ("scalar", "<I", 1 << 30)})),                                 # 10 broken
]


@pytest.fixture(scope="module")
def debug_info():
    offsets = [(4 * i + 1, i) for i in range(len(_LOCATION_TABLE))] + [(100, 99)]
    database = ("table", {
        0: ("vector", "<B", [kind for kind, _ in _LOCATION_TABLE]),
        1: ("tables", [table for _, table in _LOCATION_TABLE]),
        2: ("tables", [("table", {0: ("string", "fn"), 1: ("vector", "<ii", offsets)})]),
    })
    return DebugInfo(FlatBuffer(build(database)).root(DEBUG_DATABASE_DEF), 1)


@pytest.mark.parametrize("offset, expected", [
    (0, None),                                         # before the first entry
    (1, "a.mlir:3:8"),
    (3, "a.mlir:3:8"),                                 # inside the op that starts at 1
    (5, "a.mlir:3:8 at a.mlir:1:1"),
    (13, "<m>[a.mlir:3:8, a.mlir:1:1]"),
    (17, '"x"(a.mlir:3:8)'),
    (25, None),                                        # NONE
    (29, None),                                        # fused of unknowns
    (100, None),                                       # index past the table
])
def test_location_formats(debug_info, offset, expected):
    assert debug_info.names == {0: "fn"}
    assert debug_info.location(0, offset) == expected


@pytest.mark.parametrize("offset", [21, 33, 37])
def test_cyclic_and_fanned_out_locations_render_quickly(debug_info, offset):
    start = time.perf_counter()
    text = debug_info.location(0, offset)
    assert time.perf_counter() - start < 0.5
    assert "..." in text and len(text) < 10_000


def test_malformed_location_entries_render_in_band(debug_info):
    assert debug_info.location(0, 41).startswith("[malformed location: ")
