// Elementwise f32: several results from one function, compare + select.
func.func @add_mul_max(%a: tensor<8xf32>, %b: tensor<8xf32>)
    -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %sum = arith.addf %a, %b : tensor<8xf32>
  %prod = arith.mulf %a, %b : tensor<8xf32>
  %max = arith.maximumf %a, %b : tensor<8xf32>
  %div = arith.divf %a, %b : tensor<8xf32>
  return %sum, %prod, %max, %div : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}

// select(a < b, a - b, b * 2) and the comparison mask itself as i8.
func.func @select_cmp(%a: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xi8>) {
  %lt = arith.cmpf olt, %a, %b : tensor<8xf32>
  %diff = arith.subf %a, %b : tensor<8xf32>
  %twice = arith.addf %b, %b : tensor<8xf32>
  %sel = arith.select %lt, %diff, %twice : tensor<8xi1>, tensor<8xf32>
  %mask = arith.extui %lt : tensor<8xi1> to tensor<8xi8>
  return %sel, %mask : tensor<8xf32>, tensor<8xi8>
}

// NaN / signed zero / infinity handling of min, max, neg, abs.
func.func @special(%a: tensor<6xf32>, %b: tensor<6xf32>)
    -> (tensor<6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>) {
  %min = arith.minimumf %a, %b : tensor<6xf32>
  %maxn = arith.maxnumf %a, %b : tensor<6xf32>
  %neg = arith.negf %a : tensor<6xf32>
  %abs = math.absf %b : tensor<6xf32>
  return %min, %maxn, %neg, %abs : tensor<6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>
}
