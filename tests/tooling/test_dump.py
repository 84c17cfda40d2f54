"""`format_module_info` against `iree-dump-module` on the same files."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.support.modules import ADD_F32, BARE, CONFIGS, MULTI_FUNCTION, compile_mlir
from vmvxjit.tooling.dump import format_module_info
from vmvxjit.vm.module_def import load_module_def
CASES = {
    "static": (ADD_F32, CONFIGS["static"]),
    "static-bare": (ADD_F32, CONFIGS["static"] + BARE),
    "llvm": (ADD_F32, CONFIGS["dynamic_llvm"]),
    "vmvx": (ADD_F32, CONFIGS["dynamic_vmvx"]),
    "multi": (MULTI_FUNCTION, CONFIGS["static"]),
}
needs_iree_dump = pytest.mark.skipif(shutil.which("iree-dump-module") is None,
                                     reason="iree-dump-module not installed")


def iree_dump(path, *flags) -> str:
    return subprocess.run(["iree-dump-module", *flags, str(path)], capture_output=True,
                          text=True, check=True).stdout


def function_bodies(dump: str) -> list[str]:
    return re.findall(r"^vm\.func [^\n]*\{\n(.*?)^\}\n", dump, re.S | re.M)


def test_key_lines():
    module = load_module_def(compile_mlir(*CASES["llvm"]))
    text = format_module_info(module)
    lines = text.splitlines()
    assert lines[1] == "// @module : version 0"
    assert "Requirements: 00000008" in lines
    assert "  hal_loader, version >= 1, required" in lines
    assert ("  [  2] hal_inline.buffer_view.create(!vm.ref<?>, i64, i64, i32, i32, tuple<i64>...)"
            " -> (!vm.ref<?>)") in lines
    assert "  [  0] add(!vm.ref<?>, !vm.ref<?>) -> (!vm.ref<?>)" in lines
    assert any(line.startswith("        iree.abi.declaration: sync func @add(") for line in lines)
    assert "  [  1] __init() -> ()" in lines
    assert "  0 bytes, 1 refs, ~16 bytes total" in lines
    assert any(re.fullmatch(r"  \.rodata\[  0\] external +\d+ bytes \(offset 128 / 80h to \w+h\)",
                            line) for line in lines)
    assert "  .rodata[  2] embedded        6 bytes `input0`" in lines
    assert "  .rodata[  4] embedded       32 bytes `add_dispatch_0_elementwise_4_f32`..." in lines
    assert re.search(r"^  1 \| [0-9A-F]{8} \| +\d+ \| +3 \| +\d+ \| +\d+ \| "
                     r"00000008     \| __init$", text, re.M)
    assert "Locations: 4" in lines


def test_disassemble_callback_is_called_per_function():
    module = load_module_def(compile_mlir(*CASES["multi"]))
    seen = []
    text = format_module_info(
        module, lambda ordinal: seen.append(ordinal) or f"  // body {ordinal}\n")
    assert seen == [0, 1, 2]
    assert "vm.func @__func_0(%i0: i32) -> (i32) {\n  // body 0\n}\n" in text
    assert "vm.export @f\nvm.func @f(%i0: i32) -> (i32) {\n  // body 1\n}\n" in text
    assert text.count("vm.module @module version 0\n") == 1
    assert "vm.func" not in format_module_info(module)


@needs_iree_dump
@pytest.mark.parametrize("case", CASES)
def test_metadata_matches_iree_dump_module(case):
    path = compile_mlir(*CASES[case])
    assert format_module_info(load_module_def(path)) == iree_dump(path, "--output=metadata")


@needs_iree_dump
def test_nested_vmvx_module_matches_iree_dump_module(tmp_path):
    outer = load_module_def(compile_mlir(*CASES["vmvx"]))
    (blob,) = [r for r, off in zip(outer.rodata, outer.rodata_external_offsets) if off is not None]
    path = tmp_path / "executable.vmfb"
    path.write_bytes(bytes(blob))
    assert format_module_info(load_module_def(blob)) == iree_dump(path, "--output=metadata")


@needs_iree_dump
@pytest.mark.parametrize("case", ["static", "llvm", "vmvx"])
def test_full_layout_matches_iree_dump_module_given_its_bodies(case):
    """With IREE's own function bodies plugged in, the whole dump is identical."""
    path = compile_mlir(*CASES[case])
    expected = iree_dump(path)
    bodies = function_bodies(expected)
    assert format_module_info(load_module_def(path), lambda i: bodies[i]) == expected


@needs_iree_dump
def test_internal_function_names_differ_from_iree_only_by_the_313_quirk():
    """IREE names function 0 after the last function's source map; we don't."""
    path = compile_mlir(*CASES["multi"])
    expected = iree_dump(path)
    bodies = function_bodies(expected)
    ours = format_module_info(load_module_def(path), lambda i: bodies[i])
    helper = "(%i0: i32) -> (i32) {\n^bb0:\n  %i1 = vm.const"
    assert ours == expected.replace(f"vm.func @g{helper}", f"vm.func @__func_0{helper}", 1)
