func.func @transpose2d(%a: tensor<3x5xf32>) -> tensor<5x3xf32> {
  %r = stablehlo.transpose %a, dims = [1, 0] : (tensor<3x5xf32>) -> tensor<5x3xf32>
  return %r : tensor<5x3xf32>
}

func.func @transpose3d(%a: tensor<2x3x4xi32>) -> tensor<4x2x3xi32> {
  %init = tensor.empty() : tensor<4x2x3xi32>
  %r = linalg.transpose ins(%a : tensor<2x3x4xi32>) outs(%init : tensor<4x2x3xi32>) permutation = [2, 0, 1]
  return %r : tensor<4x2x3xi32>
}
