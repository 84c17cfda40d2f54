"""vmvxjit.compile and `python -m vmvxjit compile`: MLIR and ONNX to modules that run."""

import numpy as np
import pytest

import vmvxjit
from tests.support.oracle import assert_same_output, have_iree, run_iree, run_vmvxjit
from vmvxjit.cli import main
from vmvxjit.tooling import compile as compiling

ADD = """
func.func @add(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = arith.addf %a, %b : tensor<4xf32>
  return %0 : tensor<4xf32>
}
"""


def _onnx_model(path):
    """A two-node ONNX graph: relu(x + w) with w an initializer."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.array([[1, -2, 3], [-4, 5, -6]], np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["s"]), helper.make_node("Relu", ["s"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)
    return np.array([[1, -2, 3], [-4, 5, -6]], np.float32)


@pytest.mark.parametrize("model,target", [("inline-static", None), ("inline-dynamic", None),
                                          ("inline-dynamic", "vmvx")])
def test_mlir_text_compiles_and_runs_in_every_configuration(model, target):
    m = vmvxjit.compile(ADD, model=model, target=target)
    assert m.add(np.ones(4, np.float32), np.arange(4, dtype=np.float32)).tolist() == [1, 2, 3, 4]


def test_a_path_naming_a_module_is_a_path_and_one_line_mlir_is_text(tmp_path):
    path = tmp_path / "my_module.mlir"
    path.write_text(ADD)
    assert vmvxjit.compile(str(path)).add(np.ones(4, np.float32), np.ones(4, np.float32)).tolist() == [2] * 4
    one_line = "module { " + ADD.replace("\n", " ") + " }"
    assert vmvxjit.compile(one_line).add(np.ones(4, np.float32), np.zeros(4, np.float32)).tolist() == [1] * 4


def test_onnx_file_is_imported_compiled_and_run(tmp_path):
    w = _onnx_model(tmp_path / "model.onnx")
    out = tmp_path / "model.vmfb"
    m = vmvxjit.compile(str(tmp_path / "model.onnx"), model="inline-dynamic", output=out)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(next(iter(m.functions.values()))(x), np.maximum(x + w, 0))
    assert out.exists()


@pytest.mark.skipif(not have_iree(), reason="iree-run-module not installed")
@pytest.mark.parametrize("model,target", sorted(compiling.CONFIGURATIONS))
def test_onnx_compiled_by_vmvxjit_runs_as_iree_runs_it(tmp_path, model, target):
    """The module `compile` makes from ONNX gives iree-run-module's output, bit for bit as printed."""
    _onnx_model(tmp_path / "model.onnx")
    out = tmp_path / "model.vmfb"
    compiling.compile_file(tmp_path / "model.onnx", out, model, target)
    inputs = ["2x3xf32=[0.5 1 -2][3 -4 5.25]"]
    function = next(iter(vmvxjit.load(str(out)).functions))
    iree = run_iree(out, function, inputs)
    ours = run_vmvxjit(out, function, inputs)
    assert iree[0] == ours[0] == 0
    assert_same_output(iree[1], ours[1])


def test_cli_compiles_to_a_file_with_extra_flags(tmp_path, capsys):
    (tmp_path / "add.mlir").write_text(ADD)
    out = tmp_path / "add.vmfb"
    assert main(["compile", str(tmp_path / "add.mlir"), "-o", str(out), "--", "--mlir-print-op-on-diagnostic=false"]) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    assert main(["run", str(out), "--input=4xf32=1 2 3 4", "--input=4xf32=1 1 1 1"]) == 0
    assert capsys.readouterr().out.endswith("4xf32=2 3 4 5\n")


@pytest.mark.parametrize("model,target,message", [
    ("inline-static", "llvm-cpu", "target 'llvm-cpu' is not one of inline-static's: vmvx-inline"),
    ("full", None, "unknown execution model 'full'"),
])
def test_unknown_configurations_are_named(model, target, message):
    with pytest.raises(vmvxjit.InvalidArgumentError, match=message):
        compiling.compile_flags(model, target)


def test_without_the_compiler_the_extra_to_install_is_named(monkeypatch, tmp_path):
    monkeypatch.setattr("vmvxjit.tooling.iree_tools.tool_path", lambda name: None)
    with pytest.raises(vmvxjit.FailedPreconditionError, match=r"pip install 'vmvxjit\[compiler\]'"):
        compiling.compile_file(ADD, tmp_path / "x.vmfb")


def test_compiler_errors_carry_its_message():
    with pytest.raises(vmvxjit.InvalidArgumentError, match="iree-compile failed: .*custom op 'bad'"):
        vmvxjit.compile("func.func @f() {\n  bad\n}\n")
