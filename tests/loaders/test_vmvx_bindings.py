"""Which bindings a VMVX export may write, on programs iree-compile makes."""

import inspect

import pytest

import vmvxjit
from tests.hal_inline.test_read_only_arguments import ADD
from tests.support.modules import DATA_TILED_VMVX, DYNAMIC_VMVX, MICROKERNELS_VMVX, compile_mlir
from tests.test_api import UPDATED_IN_PLACE
from tests.vm.jit.test_parallel_loops import MATMUL
from vmvxjit.kernels.module import EXPORTS
from vmvxjit.loaders.vmvx_bindings import KERNELS
from vmvxjit.loaders.vmvx_executable import VmvxExecutable

def _written(source: str, flags: list) -> dict:
    module = vmvxjit.load(compile_mlir(source, flags))
    executable = next(r for r in module._program.state.global_refs if isinstance(r, VmvxExecutable))
    return {name: (executable.binding_count(i), executable.written_bindings(i))
            for i, name in enumerate(executable.export_names)}


@pytest.mark.parametrize("flags", [DYNAMIC_VMVX, MICROKERNELS_VMVX], ids=["vmvx", "vmvx-microkernels"])
def test_an_elementwise_export_writes_only_its_result(flags):
    assert list(_written(ADD, flags).values()) == [(3, {2})]


def test_an_argument_updated_in_place_is_a_written_binding():
    """The first dispatch writes the slice into the argument's own buffer (binding 1)."""
    assert list(_written(UPDATED_IN_PLACE, DYNAMIC_VMVX).values()) == [(2, {1}), (2, {1})]


@pytest.mark.parametrize("flags", [DYNAMIC_VMVX, MICROKERNELS_VMVX, DATA_TILED_VMVX],
                         ids=["vmvx", "vmvx-microkernels", "vmvx-data-tiled"])
def test_every_export_of_a_matmul_writes_its_last_binding_only(flags):
    written = _written(MATMUL, flags)
    assert written and all(found == {count - 1} for count, found in written.values()), written


def test_every_kernel_writes_its_last_buffer_operand_only():
    """vmvx_bindings.KERNELS relies on it: the shims name that operand `out`."""
    for row in EXPORTS:
        names = list(inspect.signature(row.shim(row.name, row.kernel)).parameters)[1:]
        buffers = [name for name, ch in zip(names, row.cconv[1:].split("_")[0]) if ch == "r"]
        assert (f"vmvx.{row.name}" in KERNELS) == bool(buffers)
        assert buffers[-1:] in ([], ["out"]) and "out" not in buffers[:-1], row.name
