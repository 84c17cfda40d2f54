"""Struct layouts of the executable library ABI v6 (iree-inline-abi.md 7.3)."""

from __future__ import annotations

import ctypes

import pytest

from vmvxjit.loaders import library_abi as abi

CTYPES_LAYOUTS = {
    abi.LibraryHeader: (24, {"version": 0, "name": 8, "features": 16, "sanitizer": 20}),
    abi.LibraryV0: (128, {
        "header": 0, "import_count": 8, "import_symbols": 16, "export_count": 24,
        "export_ptrs": 32, "export_attrs": 40, "export_params": 48, "export_occupancy": 56,
        "export_names": 64, "export_tags": 72, "export_parameter_names": 80,
        "export_source_locations": 88, "export_stage_locations": 96, "constant_count": 104,
        "source_count": 112, "source_files": 120}),
    abi.DispatchAttrs: (64, {
        "flags": 0, "local_memory_pages": 8, "constant_count": 10, "binding_count": 11,
        "workgroup_size_x": 12, "workgroup_size_y": 16, "workgroup_size_z": 20,
        "parameter_count": 22, "reserved": 24}),
    abi.Environment: (96, {"constants": 0, "import_thunk": 8, "import_funcs": 16,
                           "import_contexts": 24, "processor_data": 32}),
    abi.DispatchStateV0: (48, {
        "workgroup_size_x": 0, "workgroup_size_y": 4, "workgroup_size_z": 8, "constant_count": 10,
        "workgroup_count_x": 12, "workgroup_count_y": 16, "workgroup_count_z": 20,
        "max_concurrency": 22, "binding_count": 23, "constants": 24, "binding_ptrs": 32,
        "binding_lengths": 40}),
    abi.WorkgroupStateV0: (32, {
        "workgroup_id_x": 0, "workgroup_id_y": 4, "workgroup_id_z": 8, "reserved": 10,
        "processor_id": 12, "local_memory": 16, "local_memory_size": 24}),
}


@pytest.mark.parametrize("struct", list(CTYPES_LAYOUTS), ids=lambda s: s.__name__)
def test_ctypes_layout(struct):
    size, offsets = CTYPES_LAYOUTS[struct]
    assert ctypes.sizeof(struct) == size
    assert {name: getattr(struct, name).offset for name in offsets} == offsets
