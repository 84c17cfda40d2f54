"""Writes examples/tiny.onnx: the README's ONNX example, a 4 -> 8 -> 3 network with fixed
weights (Gemm, Relu, Gemm, Softmax), built with onnx's helpers (`pip install onnx`)."""

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(0)
weights = {"w1": rng.standard_normal((4, 8)), "b1": rng.standard_normal(8),
           "w2": rng.standard_normal((8, 3)), "b2": rng.standard_normal(3)}
graph = helper.make_graph(
    [helper.make_node("Gemm", ["x", "w1", "b1"], ["h"]), helper.make_node("Relu", ["h"], ["r"]),
     helper.make_node("Gemm", ["r", "w2", "b2"], ["logits"]),
     helper.make_node("Softmax", ["logits"], ["y"], axis=1)],
    "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
    [numpy_helper.from_array(value.astype(np.float32), name) for name, value in weights.items()])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.checker.check_model(model)
path = Path(__file__).with_name("tiny.onnx")
onnx.save(model, path)
print(f"wrote {path}")
