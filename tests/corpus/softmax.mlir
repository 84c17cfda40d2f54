// Row-wise softmax over the last axis (uses exp: transcendental).
func.func @softmax(%x: tensor<4x10xf32>) -> tensor<4x10xf32> {
  %ninf = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %zero = stablehlo.constant dense<0.0> : tensor<f32>
  %max = stablehlo.reduce(%x init: %ninf) applies stablehlo.maximum across dimensions = [1]
      : (tensor<4x10xf32>, tensor<f32>) -> tensor<4xf32>
  %maxb = stablehlo.broadcast_in_dim %max, dims = [0] : (tensor<4xf32>) -> tensor<4x10xf32>
  %shifted = stablehlo.subtract %x, %maxb : tensor<4x10xf32>
  %e = stablehlo.exponential %shifted : tensor<4x10xf32>
  %sum = stablehlo.reduce(%e init: %zero) applies stablehlo.add across dimensions = [1]
      : (tensor<4x10xf32>, tensor<f32>) -> tensor<4xf32>
  %sumb = stablehlo.broadcast_in_dim %sum, dims = [0] : (tensor<4xf32>) -> tensor<4x10xf32>
  %r = stablehlo.divide %e, %sumb : tensor<4x10xf32>
  return %r : tensor<4x10xf32>
}
