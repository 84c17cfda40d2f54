"""Real llvm-cpu executables (generic, host, system library): load, look up, dispatch vs numpy."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from vmvxjit.errors import (
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    OutOfRangeError,
)
from vmvxjit.loaders import registry
from vmvxjit.native.cpu import HOST_ARCH
from vmvxjit.loaders.embedded_elf import EmbeddedElfLoader
from vmvxjit.loaders.executable import Executable
from vmvxjit.vm.ref import REF_TYPES
from tests.loaders.util import aligned_bytes

NO_CONSTANTS = np.zeros(0, np.uint32)
EXPORT_PREFIXES = ("add_dispatch_0", "matmul_dispatch_0", "rowsum_dispatch_0", "dynmul_dispatch_0")


def load(suite_executable, variant: str, constants=None) -> Executable:
    format, data = suite_executable(variant)
    return registry.find_loader(format).load(format, data, constants)


def export(executable: Executable, prefix: str) -> int:
    (name,) = [name for name in executable.export_names if name.startswith(prefix)]
    return executable.lookup(name)


def as_f32(binding: np.ndarray, shape) -> np.ndarray:
    return binding.view(np.float32).reshape(shape)


@pytest.fixture(scope="module", params=["generic", "host", "system"])
def executable(request, suite_executable):
    executable = load(suite_executable, request.param)
    yield executable
    executable.release()


def test_is_the_hal_executable_ref_type():
    assert REF_TYPES["hal.executable"] is Executable


def test_exports_and_counts(executable):
    assert len(executable.export_names) == 4
    for ordinal, prefix in enumerate(EXPORT_PREFIXES):
        assert executable.export_names[ordinal].startswith(prefix)
        assert executable.lookup(executable.export_names[ordinal]) == ordinal
    assert [executable.binding_count(i) for i in range(4)] == [3, 3, 2, 3]
    assert [executable.constant_count(i) for i in range(4)] == [0, 0, 0, 4]
    assert [executable.local_memory_size(i) for i in range(4)] == [0, 0, 0, 0]


def test_lookup_and_ordinal_errors(executable):
    with pytest.raises(NotFoundError, match="export 'add' not found in library"):
        executable.lookup("add")
    with pytest.raises(OutOfRangeError, match=r"function id 4 out of range \(count: 4\)"):
        executable.binding_count(4)
    with pytest.raises(OutOfRangeError):
        executable.dispatch(-1, (1, 1, 1), NO_CONSTANTS, [])


def test_add_with_readonly_inputs(executable):
    a, b = np.arange(4, dtype=np.float32), np.full(4, 0.5, np.float32)
    out = aligned_bytes(np.zeros(4, np.float32))
    executable.dispatch(export(executable, "add_dispatch_0"), (1, 1, 1), NO_CONSTANTS,
                        [aligned_bytes(a, readonly=True), aligned_bytes(b, readonly=True), out])
    np.testing.assert_array_equal(as_f32(out, 4), a + b)


def test_matmul(executable):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 16, 16), dtype=np.float32)
    out = aligned_bytes(np.zeros((16, 16), np.float32))
    executable.dispatch(export(executable, "matmul_dispatch_0"), (2, 1, 1), NO_CONSTANTS,
                        [aligned_bytes(a), aligned_bytes(b), out])
    np.testing.assert_allclose(as_f32(out, (16, 16)), a @ b, rtol=1e-5, atol=1e-5)


def test_reduction(executable):
    a = np.random.default_rng(2).standard_normal((8, 32), dtype=np.float32)
    out = aligned_bytes(np.zeros(8, np.float32))
    executable.dispatch(export(executable, "rowsum_dispatch_0"), (8, 1, 1), NO_CONSTANTS,
                        [aligned_bytes(a), out])
    np.testing.assert_allclose(as_f32(out, 8), a.sum(axis=1), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("n", [1, 4096, 10001])
def test_dynamic_shape_push_constants(executable, n):
    rng = np.random.default_rng(n)
    a, b = rng.standard_normal((2, n), dtype=np.float32)
    out = aligned_bytes(np.zeros(n, np.float32))
    constants = np.array([n, 0, n, 0], np.uint32)
    executable.dispatch(export(executable, "dynmul_dispatch_0"), (-(-n // 4096), 1, 1), constants,
                        [aligned_bytes(a), aligned_bytes(b), out])
    np.testing.assert_array_equal(as_f32(out, n), a * b)


def test_zero_workgroups_run_nothing(executable):
    out = aligned_bytes(np.full(4, 7, np.float32))
    inputs = [aligned_bytes(np.ones(4, np.float32))] * 2
    executable.dispatch(export(executable, "add_dispatch_0"), (0, 1, 1), NO_CONSTANTS, inputs + [out])
    np.testing.assert_array_equal(as_f32(out, 4), 7)


@pytest.mark.parametrize("constants, bindings, match", [
    (np.zeros(1, np.uint32), 3, "takes 0 constants and 3 bindings but 1 and 3"),
    (NO_CONSTANTS, 2, "takes 0 constants and 3 bindings but 0 and 2"),
])
def test_argument_counts_must_match_the_export(executable, constants, bindings, match):
    spans = [aligned_bytes(np.zeros(4, np.float32)) for _ in range(bindings)]
    with pytest.raises(InvalidArgumentError, match=match):
        executable.dispatch(0, (1, 1, 1), constants, spans)


@pytest.mark.parametrize("count", [(-1, 1, 1), (1, 1 << 32, 1), (1, 1, 1 << 16)])
def test_workgroup_count_range(executable, count):
    spans = [aligned_bytes(np.zeros(4, np.float32)) for _ in range(3)]
    with pytest.raises(InvalidArgumentError, match="workgroup count"):
        executable.dispatch(0, count, NO_CONSTANTS, spans)


@pytest.mark.parametrize("bad", ["strided", "float32", "2d"])
def test_bindings_must_be_contiguous_bytes(executable, bad):
    spans = [aligned_bytes(np.zeros(8, np.float32)) for _ in range(3)]
    spans[2] = {"strided": spans[2][::2], "float32": spans[2].view(np.float32),
                "2d": spans[2].reshape(4, 8)}[bad]
    with pytest.raises(InvalidArgumentError, match="contiguous 1-D uint8 bindings"):
        executable.dispatch(0, (1, 1, 1), NO_CONSTANTS, spans)


def test_executable_constants_must_match_the_library(suite_executable):
    with pytest.raises(FailedPreconditionError, match="requires 0 constants but caller provided 1"):
        load(suite_executable, "generic", np.array([5], np.uint32))


def _mapped(address: int) -> bool:
    with open("/proc/self/maps") as maps:
        for line in maps:
            start, end = (int(part, 16) for part in line.split()[0].split("-"))
            if start <= address < end:
                return True
    return False


def test_release_unmaps_and_is_idempotent(suite_executable):
    executable = load(suite_executable, "generic")
    function = executable.library.exports[0].function
    assert _mapped(function)
    executable.release()
    executable.release()
    assert executable.released and not _mapped(function)
    with pytest.raises(FailedPreconditionError, match="released"):
        executable.dispatch(0, (1, 1, 1), NO_CONSTANTS, [])


def test_garbage_collection_unmaps(suite_executable):
    executable = load(suite_executable, "generic")
    function = executable.library.exports[0].function
    del executable
    gc.collect()
    assert not _mapped(function)


def test_gnu_ld_system_library_also_loads_as_embedded(suite_executable):
    """IREE's system library (GNU-style layout, 4 PT_LOADs) through the embedded loader."""
    _, data = suite_executable("system")
    executable = EmbeddedElfLoader().load(f"embedded-elf-{HOST_ARCH}", data, None)
    a = aligned_bytes(np.arange(4, dtype=np.float32))
    out = aligned_bytes(np.zeros(4, np.float32))
    executable.dispatch(0, (1, 1, 1), NO_CONSTANTS, [a, a, out])
    np.testing.assert_array_equal(as_f32(out, 4), 2 * np.arange(4))
    executable.release()
