"""Floating-point operations of one inference of a light ONNX model: 2 per multiply-add of
its convolutions, matrix products and fully connected layers (the work that dominates a CNN;
pooling, normalization and activations are not counted), from onnx's shape inference."""

from __future__ import annotations

from functools import cache
from math import prod
from pathlib import Path


def _shapes(graph) -> dict:
    """Tensor name -> its dims (ints; unknown dims are 1, as the prepared inputs use)."""
    shapes = {}
    for value in [*graph.input, *graph.value_info, *graph.output]:
        dims = value.type.tensor_type.shape.dim
        shapes[value.name] = [d.dim_value or 1 for d in dims]
    for init in graph.initializer:
        shapes[init.name] = list(init.dims)
    return shapes


def _attribute(node, name: str, default):
    for attribute in node.attribute:
        if attribute.name == name:
            import onnx
            return onnx.helper.get_attribute_value(attribute)
    return default


def _conv(node, shapes) -> int:
    weights = shapes[node.input[1]]           # (out channels, in channels / group, kernel...)
    output = shapes[node.output[0]]           # (batch, out channels, spatial...)
    return 2 * prod(output) * prod(weights[1:])


def _gemm(node, shapes) -> int:
    a = shapes[node.input[0]]
    k = a[0] if _attribute(node, "transA", 0) else a[-1]
    return 2 * prod(shapes[node.output[0]]) * k


def _matmul(node, shapes) -> int:
    return 2 * prod(shapes[node.output[0]]) * shapes[node.input[0]][-1]


_COUNTERS = {"Conv": _conv, "Gemm": _gemm, "MatMul": _matmul}


@cache
def count(onnx_path: Path) -> int:
    """FLOPs of one inference of the model at `onnx_path`."""
    import onnx
    from onnx import shape_inference

    graph = shape_inference.infer_shapes(onnx.load(str(onnx_path))).graph
    shapes = _shapes(graph)
    return sum(_COUNTERS[node.op_type](node, shapes) for node in graph.node if node.op_type in _COUNTERS)
