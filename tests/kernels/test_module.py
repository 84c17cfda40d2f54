"""The vmvx module's export table against IREE 3.13's."""

from __future__ import annotations

from vmvxjit.kernels.module import EXPORTS, EXPORTS_BY_NAME, VmvxModule
from vmvxjit.vm.buffer import VmBuffer


def test_table_matches_iree(iree):
    ours = {row.name: row.cconv for row in EXPORTS}
    assert ours == iree.exports()


def test_module_exposes_every_row():
    module = VmvxModule()
    assert (module.name, module.version) == ("vmvx", 0)
    assert module.export_names() == sorted(EXPORTS_BY_NAME)
    for row in EXPORTS:
        function = module.lookup(row.name)
        assert function.cconv.text == row.cconv
    assert module.lookup("nope") is None


def test_kernels_are_callable_directly():
    """Compiled code calls table kernels with byte arrays and ints after its own checks."""
    a = VmBuffer.allocate(16)
    a.data.view("f4")[:] = [1, 2, 3, 4]
    kernel = EXPORTS_BY_NAME["add.2d.f32"].kernel
    assert kernel(a.data, 0, 0, 1, a.data, 0, 0, 1, a.data, 0, 0, 1, 1, 4) == 0
    assert list(a.data.view("f4")) == [2, 4, 6, 8]
