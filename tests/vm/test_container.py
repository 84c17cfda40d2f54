"""Container tests on real modules: ZIP-wrapped and bare, all three configurations."""

from __future__ import annotations

import struct
import zipfile

import numpy as np
import pytest

from tests.support.modules import ADD_F32, BARE, CONFIGS, compile_mlir
from vmvxjit.errors import Error, InvalidArgumentError, ModuleFormatError, NotFoundError
from vmvxjit.vm.container import SEGMENT_ALIGNMENT, as_byte_array, open_container
from vmvxjit.vm.module_def import load_module_def


@pytest.fixture(scope="module", params=[(c, z) for c in CONFIGS for z in ("zip", "bare")],
                ids=lambda p: f"{p[0]}-{p[1]}")
def module_path(request):
    config, wrapper = request.param
    return compile_mlir(ADD_F32, CONFIGS[config] + (BARE if wrapper == "bare" else []))


def test_layout(module_path):
    raw = module_path.read_bytes()
    container = open_container(module_path)
    is_zip = raw[:4] == b"PK\x03\x04"
    assert container.flatbuffer_offset == (68 if is_zip else 4)   # 64-aligned entry data + prefix
    (length,) = struct.unpack_from("<I", raw, container.flatbuffer_offset - 4)
    assert container.flatbuffer.shape[0] == length
    assert bytes(container.flatbuffer[4:8]) == b"IREE"
    assert container.rodata_base % SEGMENT_ALIGNMENT == 0
    assert 0 <= container.rodata_base - (container.flatbuffer_offset + length) < SEGMENT_ALIGNMENT
    assert bytes(container.data) == raw


def test_views_are_read_only_and_zero_copy(module_path):
    container = open_container(module_path)
    assert not container.data.flags.writeable
    assert not container.flatbuffer.flags.writeable
    assert np.shares_memory(container.flatbuffer, container.data)
    with pytest.raises(ValueError):
        container.data[0] = 0


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview, "numpy", "path-str"])
def test_every_source_kind_gives_the_same_container(module_path, kind):
    raw = module_path.read_bytes()
    source = {"numpy": lambda: np.frombuffer(bytearray(raw), dtype=np.uint8),
              "path-str": lambda: str(module_path)}.get(kind, lambda: kind(raw))()
    container = open_container(source)
    reference = open_container(module_path)
    assert bytes(container.flatbuffer) == bytes(reference.flatbuffer)
    assert container.rodata_base == reference.rodata_base


def test_bytearray_is_not_copied():
    buffer = bytearray(compile_mlir(ADD_F32, CONFIGS["static"]).read_bytes())
    container = open_container(buffer)
    buffer[-1] ^= 0xFF
    assert container.data[-1] == buffer[-1]
    assert not container.data.flags.writeable


def test_llvm_external_rodata_is_the_elf_blob():
    path = compile_mlir(ADD_F32, CONFIGS["dynamic_llvm"])
    module = load_module_def(path)
    (blob_index,) = [i for i, off in enumerate(module.rodata_external_offsets) if off is not None]
    blob = module.rodata[blob_index]
    assert bytes(blob[:4]) == b"\x7fELF"
    assert np.shares_memory(blob, module.container.data)
    # Cross-check against the ZIP directory (which the loader itself never uses).
    with zipfile.ZipFile(path) as archive:
        (name,) = [n for n in archive.namelist() if n != "module.fb"]
        assert archive.read(name) == bytes(blob)
    assert (blob.ctypes.data - module.container.data.ctypes.data) % SEGMENT_ALIGNMENT == 0


def test_bare_llvm_module_places_rodata_right_after_the_flatbuffer():
    module = load_module_def(compile_mlir(ADD_F32, CONFIGS["dynamic_llvm"] + BARE))
    (offset,) = [off for off in module.rodata_external_offsets if off is not None]
    assert offset == 0
    assert module.container.rodata_base + len(module.rodata[0]) == module.container.data.shape[0]


@pytest.mark.parametrize("wrapper", [[], BARE])
def test_nested_vmvx_module_parses_recursively(wrapper):
    outer = load_module_def(compile_mlir(ADD_F32, CONFIGS["dynamic_vmvx"] + wrapper))
    (blob_index,) = [i for i, off in enumerate(outer.rodata_external_offsets) if off is not None]
    inner = load_module_def(outer.rodata[blob_index])
    assert inner.name == "module"
    assert np.shares_memory(inner.bytecode, outer.container.data)
    assert inner.exports and all(
        inner.signatures[e.internal_ordinal].cconv_text == "0rrriiiiiiiii_v" for e in inner.exports)
    assert all("binding_count" in inner.signatures[e.internal_ordinal].attrs for e in inner.exports)
    assert all(imp.module_name == "vmvx" for imp in inner.imports)


def test_junk_before_the_module_is_rejected():
    raw = compile_mlir(ADD_F32, CONFIGS["dynamic_llvm"]).read_bytes()
    with pytest.raises(ModuleFormatError):
        load_module_def(b"\0" * 64 + raw)


@pytest.mark.parametrize("data, message", [
    (b"", "less than 16 bytes"),
    (b"IREE" * 3, "less than 16 bytes"),
    (b"PK\x03\x04" + b"\0" * 22 + struct.pack("<HH", 0xFFFF, 0xFFFF), "self-reports as a zip"),
    (b"PK\x03\x04" + b"\0" * 22 + struct.pack("<HH", 0, 0) + b"\0" * 10, "less than 16 bytes"),
    (struct.pack("<I", 100) + b"\0\0\0\0IREE" + b"\0" * 8, "length prefix out of bounds"),
    (struct.pack("<I", 12) + b"\0\0\0\0NOPE" + b"\0" * 4, "identifier"),
    (struct.pack("<I", 4) + b"\0\0\0\0" + b"\0" * 12, "identifier"),
])
def test_malformed_containers(data, message):
    with pytest.raises(ModuleFormatError, match=message):
        open_container(data)


NOT_A_MODULE = "not a .vmfb module (no ZIP header and no 'IREE' FlatBuffer identifier); "


@pytest.mark.parametrize("data, detail", [
    (bytes(range(7, 255, 3)) * 4, "FlatBuffer length prefix out of bounds (prefix is "),
    (b"# notes\nthis is a text file, not a module\n", "FlatBuffer length prefix out of bounds"),
    (struct.pack("<I", 12) + b"\0\0\0\0NOPE" + b"\0" * 4, "FlatBuffer identifier mismatch"),
    (b"short", "FlatBuffer data is not present or less than 16 bytes (5 total)"),
], ids=["random", "text", "other-flatbuffer", "short"])
def test_files_that_are_no_module_say_so_first(tmp_path, data, detail):
    path = tmp_path / "x.vmfb"
    path.write_bytes(data)
    with pytest.raises(ModuleFormatError) as info:
        open_container(path)
    assert str(info.value).startswith(f"INVALID_ARGUMENT; {NOT_A_MODULE}{detail}")


def test_a_zip_without_a_module_says_so_first(tmp_path):
    path = tmp_path / "notes.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "no module in here " * 10)
    with pytest.raises(ModuleFormatError) as info:
        open_container(path)
    assert str(info.value).startswith("INVALID_ARGUMENT; not a .vmfb module (its ZIP archive "
                                      "holds no 'IREE' FlatBuffer); FlatBuffer length prefix")


def test_wrong_identifier_in_a_real_module():
    raw = bytearray(compile_mlir(ADD_F32, CONFIGS["static"]).read_bytes())
    raw[68 + 4:68 + 8] = b"XREE"
    with pytest.raises(ModuleFormatError, match="identifier"):
        open_container(raw)


def test_bad_sources(tmp_path):
    with pytest.raises(NotFoundError):
        open_container(tmp_path / "missing.vmfb")
    with pytest.raises(Error):
        open_container(tmp_path)                       # a directory
    with pytest.raises(InvalidArgumentError):
        as_byte_array(np.zeros(4, dtype=np.int32))
    with pytest.raises(InvalidArgumentError):
        as_byte_array(np.zeros((2, 8), dtype=np.uint8))
    with pytest.raises(InvalidArgumentError):
        as_byte_array(memoryview(bytes(16))[::2])
    with pytest.raises(InvalidArgumentError):
        as_byte_array(12)
    (tmp_path / "empty.vmfb").write_bytes(b"")
    with pytest.raises(ModuleFormatError, match="less than 16 bytes"):
        open_container(tmp_path / "empty.vmfb")
