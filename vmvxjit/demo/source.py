"""The demo's model as MLIR text: the trained weights as constants, one function
`@predict(tensor<1x8x8xf32>) -> tensor<1x10xf32>` giving each digit's probability."""

from __future__ import annotations

import numpy as np

HEADER = """\
// The bundled demo (`python -m vmvxjit run` with no module): a digit classifier, an MLP
// 64-{hidden}-10 (ReLU, softmax) trained with numpy on 8x8 digits drawn from a bitmap font.
// Written by `python -m vmvxjit.demo.make_demo`, which also compiles it into demo.vmfb
// (inline-static, vmvx-inline); do not edit by hand.
"""

BODY = """\
func.func @predict(%digit: tensor<1x8x8xf32>) -> tensor<1x10xf32> {{
  %zero = arith.constant 0.0 : f32
  %pixels = tensor.collapse_shape %digit [[0], [1, 2]] : tensor<1x8x8xf32> into tensor<1x64xf32>
  %empty_h = tensor.empty() : tensor<1x{h}xf32>
  %zeros_h = linalg.fill ins(%zero : f32) outs(%empty_h : tensor<1x{h}xf32>) -> tensor<1x{h}xf32>
  %product_h = linalg.matmul ins(%pixels, %w1 : tensor<1x64xf32>, tensor<64x{h}xf32>)
                             outs(%zeros_h : tensor<1x{h}xf32>) -> tensor<1x{h}xf32>
  %sum_h = arith.addf %product_h, %b1 : tensor<1x{h}xf32>
  %hidden = arith.maximumf %sum_h, %zeros_h : tensor<1x{h}xf32>
  %empty_o = tensor.empty() : tensor<1x10xf32>
  %zeros_o = linalg.fill ins(%zero : f32) outs(%empty_o : tensor<1x10xf32>) -> tensor<1x10xf32>
  %product_o = linalg.matmul ins(%hidden, %w2 : tensor<1x{h}xf32>, tensor<{h}x10xf32>)
                             outs(%zeros_o : tensor<1x10xf32>) -> tensor<1x10xf32>
  %logits = arith.addf %product_o, %b2 : tensor<1x10xf32>
  %scores = linalg.softmax dimension(1) ins(%logits : tensor<1x10xf32>)
                                        outs(%empty_o : tensor<1x10xf32>) -> tensor<1x10xf32>
  return %scores : tensor<1x10xf32>
}}
"""


def model_mlir(weights: list[np.ndarray]) -> str:
    """The MLIR module for weights [w1, b1, w2, b2] (`train.train`'s)."""
    w1, b1, w2, b2 = weights
    hidden = w1.shape[1]
    constants = "".join(_constant(name, value) for name, value in
                        (("w1", w1), ("b1", b1[None]), ("w2", w2), ("b2", b2[None])))
    body = BODY.format(h=hidden).replace("{\n", "{\n" + constants, 1)
    return HEADER.format(hidden=hidden) + body


def _constant(name: str, value: np.ndarray) -> str:
    shape = "x".join(map(str, value.shape))
    rows = ",\n      ".join("[" + ", ".join(repr(float(x)) for x in row) + "]" for row in value)
    return f"  %{name} = arith.constant dense<[\n      {rows}]> : tensor<{shape}xf32>\n"
