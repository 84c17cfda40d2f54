// i64 arithmetic with values that need all 64 bits.
func.func @i64_ops(%a: tensor<6xi64>, %b: tensor<6xi64>)
    -> (tensor<6xi64>, tensor<6xi64>, tensor<6xi64>, tensor<6xi64>, tensor<6xi64>) {
  %add = arith.addi %a, %b : tensor<6xi64>
  %mul = arith.muli %a, %b : tensor<6xi64>
  %max = arith.maxsi %a, %b : tensor<6xi64>
  %div = arith.divsi %a, %b : tensor<6xi64>
  %rem = arith.remui %a, %b : tensor<6xi64>
  return %add, %mul, %max, %div, %rem
      : tensor<6xi64>, tensor<6xi64>, tensor<6xi64>, tensor<6xi64>, tensor<6xi64>
}

func.func @i64_shift_cast(%a: tensor<6xi64>, %s: tensor<6xi64>) -> (tensor<6xi64>, tensor<6xi64>, tensor<6xi32>) {
  %shl = arith.shli %a, %s : tensor<6xi64>
  %shr = arith.shrui %a, %s : tensor<6xi64>
  %t = arith.trunci %a : tensor<6xi64> to tensor<6xi32>
  return %shl, %shr, %t : tensor<6xi64>, tensor<6xi64>, tensor<6xi32>
}
