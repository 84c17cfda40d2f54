// The bundled demo: `python -m vmvxjit run` with no module runs this
// (compiled for inline-static vmvx-inline by regenerate.py) on two vectors.
func.func @add(%lhs: tensor<4xf32>, %rhs: tensor<4xf32>) -> tensor<4xf32> {
  %sum = arith.addf %lhs, %rhs : tensor<4xf32>
  return %sum : tensor<4xf32>
}
