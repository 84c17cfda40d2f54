// Reductions along one axis (StableHLO).
func.func @sum_axis1(%a: tensor<6x10xf32>) -> tensor<6xf32> {
  %zero = stablehlo.constant dense<0.0> : tensor<f32>
  %r = stablehlo.reduce(%a init: %zero) applies stablehlo.add across dimensions = [1]
      : (tensor<6x10xf32>, tensor<f32>) -> tensor<6xf32>
  return %r : tensor<6xf32>
}

func.func @max_axis0(%a: tensor<6x10xf32>) -> tensor<10xf32> {
  %ninf = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %r = stablehlo.reduce(%a init: %ninf) applies stablehlo.maximum across dimensions = [0]
      : (tensor<6x10xf32>, tensor<f32>) -> tensor<10xf32>
  return %r : tensor<10xf32>
}

func.func @sum_i32_all(%a: tensor<4x5x3xi32>) -> (tensor<i32>, tensor<4x3xi32>) {
  %zero = stablehlo.constant dense<0> : tensor<i32>
  %all = stablehlo.reduce(%a init: %zero) applies stablehlo.add across dimensions = [0, 1, 2]
      : (tensor<4x5x3xi32>, tensor<i32>) -> tensor<i32>
  %mid = stablehlo.reduce(%a init: %zero) applies stablehlo.add across dimensions = [1]
      : (tensor<4x5x3xi32>, tensor<i32>) -> tensor<4x3xi32>
  return %all, %mid : tensor<i32>, tensor<4x3xi32>
}
