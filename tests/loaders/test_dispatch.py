"""The dispatch ABI seen from inside a library: state layout, loop order, failures, imports.

Uses the hand-written fixture library (`native_library.py`) through both the
embedded-ELF and the system-library loader.
"""

from __future__ import annotations

import numpy as np
import pytest

from vmvxjit.errors import (
    FailedPreconditionError,
    InternalError,
    NotFoundError,
    UnavailableError,
)
from vmvxjit.native.cpu import processor_data
from vmvxjit.loaders.embedded_elf import EmbeddedElfLoader
from vmvxjit.loaders.system_library import SystemLibraryLoader
from tests.loaders.native_library import REPORT
from tests.loaders.util import aligned_bytes

LOADERS = {"embedded": EmbeddedElfLoader(), "system": SystemLibraryLoader()}
NOOP, FAIL_AT, RECORD = 0, 1, 2


@pytest.fixture(params=sorted(LOADERS))
def load(request, native_fixture):
    """`load(constants=None, **defines)` -> executable of the fixture built with `defines`."""
    loader = LOADERS[request.param]
    loaded = []

    def load(constants=None, **defines):
        data = np.frombuffer(native_fixture(**defines), np.uint8)
        executable = loader.load("fixture", data, constants)
        loaded.append(executable)
        return executable

    yield load
    for executable in loaded:
        executable.release()


def record(executable, count=(1, 1, 1), constants=(11, 22, 33)):
    """Runs `record`; returns (report dict, workgroup order array, binding 2)."""
    report = np.zeros(len(REPORT), np.uint64)
    order = np.zeros(1 + count[0] * count[1] * count[2], np.uint32)
    extra = aligned_bytes(np.zeros(5, np.uint8))
    executable.dispatch(RECORD, count, np.array(constants, np.uint32),
                        [report.view(np.uint8), order.view(np.uint8), extra])
    return dict(zip(REPORT, report.tolist())), order, extra


def test_exports(load):
    executable = load()
    assert executable.export_names == ["noop", "fail_at", "record"]
    assert executable.library.name == "fixture"
    assert [executable.binding_count(i) for i in range(3)] == [0, 1, 3]
    assert [executable.constant_count(i) for i in range(3)] == [0, 4, 3]
    assert executable.local_memory_size(RECORD) == 4096


def test_dispatch_state_and_environment(load):
    report, _, extra = record(load(), count=(3, 2, 4))
    assert report == report | {
        "workgroup_size_x": 1, "workgroup_size_y": 1, "workgroup_size_z": 1,
        "constant_count": 3, "workgroup_count_x": 3, "workgroup_count_y": 2,
        "workgroup_count_z": 4, "max_concurrency": 1, "binding_count": 3,
        "constant0": 11, "constant1": 22, "constant2": 33,
        "binding_length0": 8 * len(REPORT), "binding_length1": 4 * 25, "binding_length2": 5,
        "binding_ptr2": extra.ctypes.data, "processor_data0": processor_data()[0],
        "executable_constant0": 0xDEAD, "processor_id": 0, "workgroup_reserved": 0,
        "import_thunk_nonnull": 0,
    }


def test_initializers_ran_in_order(load):
    report, _, _ = record(load())
    assert report["initialized"] == 12


def test_local_memory_is_zeroed_scratch_of_the_declared_size(load):
    report, _, _ = record(load())
    assert report["local_memory_nonnull"] == 1
    assert report["local_memory_size"] == 4096
    assert report["local_memory_was_zero"] == 1


def test_workgroups_run_once_each_x_innermost(load):
    _, order, _ = record(load(), count=(3, 2, 4))
    assert order[0] == 24
    np.testing.assert_array_equal(order[1:], np.arange(1, 25))


def test_executable_constants_reach_the_environment(load):
    report, _, _ = record(load(np.array([77], np.uint32), LIBRARY_CONSTANTS=1))
    assert report["executable_constant0"] == 77


@pytest.mark.parametrize("code", [7, -3])
def test_first_failing_workgroup_stops_the_dispatch(load, code):
    executable = load()
    calls = aligned_bytes(np.zeros(1, np.uint32))
    constants = np.array([code & 0xFFFFFFFF, 1, 0, 1], np.uint32)
    message = (f"executable entry point returned catastrophic error {code} "
               r"\(export 'fail_at', workgroup \(1, 0, 1\)\)")
    with pytest.raises(InternalError, match=message):
        executable.dispatch(FAIL_AT, (2, 2, 2), constants, [calls])
    # z=0 ran 4 workgroups, then (0,0,1) and the failing (1,0,1).
    assert calls.view(np.uint32)[0] == 6


def test_succeeding_dispatch_runs_every_workgroup(load):
    executable = load()
    calls = aligned_bytes(np.zeros(1, np.uint32))
    executable.dispatch(FAIL_AT, (5, 3, 2), np.array([9, 99, 0, 0], np.uint32), [calls])
    assert calls.view(np.uint32)[0] == 30


def test_optional_imports_resolve_to_null(load):
    report, _, _ = record(load(IMPORTS='"?optional_fn"'))
    assert report["import_thunk_nonnull"] == 1
    assert report["import_funcs0"] == 0


def test_required_imports_fail_naming_them(load):
    with pytest.raises(NotFoundError,
                       match=r"missing 2 required executable imports: \[required_b, required_c\]"):
        load(IMPORTS='"?optional_a", "required_b", "required_c"')


def test_header_version_must_be_6(load):
    with pytest.raises(FailedPreconditionError, match="header version 5"):
        load(HEADER_VERSION=5)


def test_sanitized_libraries_are_unavailable(load):
    with pytest.raises(UnavailableError, match="sanitizer"):
        load(SANITIZER=1)


def test_constant_count_mismatch(load):
    with pytest.raises(FailedPreconditionError, match="requires 2 constants but caller provided 0"):
        load(LIBRARY_CONSTANTS=2)


def test_embedded_elf_rejects_symbol_imports(native_fixture):
    data = np.frombuffer(native_fixture(ELF_IMPORT=1), np.uint8)
    with pytest.raises(UnavailableError, match="ELF imports one or more symbols .*'external_helper'"):
        EmbeddedElfLoader().load("embedded-elf", data, None)
