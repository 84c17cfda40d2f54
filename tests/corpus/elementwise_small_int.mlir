// i8 / i16 arithmetic wraps at the narrow width; widening and narrowing casts.
func.func @i8_ops(%a: tensor<8xi8>, %b: tensor<8xi8>)
    -> (tensor<8xi8>, tensor<8xi8>, tensor<8xi8>, tensor<8xi32>, tensor<8xi32>) {
  %add = arith.addi %a, %b : tensor<8xi8>
  %mul = arith.muli %a, %b : tensor<8xi8>
  %max = arith.maxsi %a, %b : tensor<8xi8>
  %sext = arith.extsi %a : tensor<8xi8> to tensor<8xi32>
  %zext = arith.extui %a : tensor<8xi8> to tensor<8xi32>
  return %add, %mul, %max, %sext, %zext
      : tensor<8xi8>, tensor<8xi8>, tensor<8xi8>, tensor<8xi32>, tensor<8xi32>
}

func.func @i16_ops(%a: tensor<8xi16>, %b: tensor<8xi16>)
    -> (tensor<8xi16>, tensor<8xi16>, tensor<8xi16>, tensor<8xi16>) {
  %add = arith.addi %a, %b : tensor<8xi16>
  %mul = arith.muli %a, %b : tensor<8xi16>
  %minu = arith.minui %a, %b : tensor<8xi16>
  %shr = arith.shrsi %a, %b : tensor<8xi16>
  return %add, %mul, %minu, %shr : tensor<8xi16>, tensor<8xi16>, tensor<8xi16>, tensor<8xi16>
}

func.func @trunc(%a: tensor<8xi32>) -> (tensor<8xi8>, tensor<8xi16>) {
  %t8 = arith.trunci %a : tensor<8xi32> to tensor<8xi8>
  %t16 = arith.trunci %a : tensor<8xi32> to tensor<8xi16>
  return %t8, %t16 : tensor<8xi8>, tensor<8xi16>
}
