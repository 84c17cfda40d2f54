"""`iree.abi.declaration` text: specs of arguments and results, and corrupted text."""

import pytest

import vmvxjit
from tests.support.corrupt import patched, string_start
from tests.support.modules import ADD_F32, STATIC, compile_mlir
from vmvxjit.declaration import parse_declaration
from vmvxjit.vm.module_def import ATTR_DEF, SIGNATURE_DEF


def test_specs():
    declaration = parse_declaration(
        "sync func @f(%input0: tensor<?x4xf32>, %input1: i32) -> (%output0: tensor<f32>)", "f")
    (a, b), (out,) = declaration.inputs, declaration.outputs
    assert (a.shape, a.element_type, b.is_tensor, out.shape) == ((None, 4), "f32", False, ())
    assert parse_declaration(None, "f") is None


def test_a_corrupted_dim_names_the_function_and_the_attribute():
    """Fuzz finding (tools/fuzz): a dim that is not a number raised ValueError from int()
    when the library API built the function's argument checks."""
    def first_dim(root):
        attr = root.tables("function_signatures", SIGNATURE_DEF)[0].tables("attrs", ATTR_DEF)[0]
        start = string_start(attr, "value")
        text = bytes(root.fb.data[start:start + 80]).decode(errors="replace")
        return start + text.index("tensor<") + len("tensor<")
    data = patched(compile_mlir(ADD_F32, STATIC).read_bytes(), first_dim, "<B", ord("z"))
    with pytest.raises(vmvxjit.ModuleFormatError) as info:
        vmvxjit.load(data)
    assert str(info.value) == ("INVALID_ARGUMENT; function 'add': malformed iree.abi.declaration "
                               "attribute: %input0 has type 'tensor<zxf32>'")
