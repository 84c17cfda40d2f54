// Small 2-D convolution, NHWC input, HWCF filter, stride 1, no padding.
func.func @conv2d(%input: tensor<1x6x6x2xf32>, %filter: tensor<3x3x2x4xf32>) -> tensor<1x4x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<1x4x4x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %r = linalg.conv_2d_nhwc_hwcf
      {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%input, %filter : tensor<1x6x6x2xf32>, tensor<3x3x2x4xf32>)
      outs(%acc : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %r : tensor<1x4x4x4xf32>
}

// Strided variant: stride 2, 2 images.
func.func @conv2d_stride2(%input: tensor<2x7x7x3xf32>, %filter: tensor<3x3x3x2xf32>) -> tensor<2x3x3x2xf32> {
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<2x3x3x2xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<2x3x3x2xf32>) -> tensor<2x3x3x2xf32>
  %r = linalg.conv_2d_nhwc_hwcf
      {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%input, %filter : tensor<2x7x7x3xf32>, tensor<3x3x3x2xf32>)
      outs(%acc : tensor<2x3x3x2xf32>) -> tensor<2x3x3x2xf32>
  return %r : tensor<2x3x3x2xf32>
}
