// Used by the error cases (wrong shape / element type / argument count).
func.func @add4(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %r = arith.addf %a, %b : tensor<4xf32>
  return %r : tensor<4xf32>
}

func.func @scalar_arg(%a: i32) -> i32 {
  %r = arith.addi %a, %a : i32
  return %r : i32
}
