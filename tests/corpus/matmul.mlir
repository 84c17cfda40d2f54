// linalg.matmul on f32 and i32 with small and odd sizes.
func.func @matmul_f32_8x16x4(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>) -> tensor<8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<8x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<8x4xf32>) -> tensor<8x4xf32>
  %r = linalg.matmul ins(%a, %b : tensor<8x16xf32>, tensor<16x4xf32>)
                     outs(%acc : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %r : tensor<8x4xf32>
}

func.func @matmul_f32_33x17x9(%a: tensor<33x17xf32>, %b: tensor<17x9xf32>) -> tensor<33x9xf32> {
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<33x9xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<33x9xf32>) -> tensor<33x9xf32>
  %r = linalg.matmul ins(%a, %b : tensor<33x17xf32>, tensor<17x9xf32>)
                     outs(%acc : tensor<33x9xf32>) -> tensor<33x9xf32>
  return %r : tensor<33x9xf32>
}

func.func @matmul_i32_8x16x4(%a: tensor<8x16xi32>, %b: tensor<16x4xi32>) -> tensor<8x4xi32> {
  %zero = arith.constant 0 : i32
  %init = tensor.empty() : tensor<8x4xi32>
  %acc = linalg.fill ins(%zero : i32) outs(%init : tensor<8x4xi32>) -> tensor<8x4xi32>
  %r = linalg.matmul ins(%a, %b : tensor<8x16xi32>, tensor<16x4xi32>)
                     outs(%acc : tensor<8x4xi32>) -> tensor<8x4xi32>
  return %r : tensor<8x4xi32>
}

func.func @matmul_i32_33x17x9(%a: tensor<33x17xi32>, %b: tensor<17x9xi32>) -> tensor<33x9xi32> {
  %zero = arith.constant 0 : i32
  %init = tensor.empty() : tensor<33x9xi32>
  %acc = linalg.fill ins(%zero : i32) outs(%init : tensor<33x9xi32>) -> tensor<33x9xi32>
  %r = linalg.matmul ins(%a, %b : tensor<33x17xi32>, tensor<17x9xi32>)
                     outs(%acc : tensor<33x9xi32>) -> tensor<33x9xi32>
  return %r : tensor<33x9xi32>
}

// Matmul that accumulates into a caller-provided tensor (C + A*B).
func.func @matmul_acc_f32(%a: tensor<5x3xf32>, %b: tensor<3x7xf32>, %c: tensor<5x7xf32>) -> tensor<5x7xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<5x3xf32>, tensor<3x7xf32>)
                     outs(%c : tensor<5x7xf32>) -> tensor<5x7xf32>
  return %r : tensor<5x7xf32>
}
