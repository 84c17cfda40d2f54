// Elementwise i32 arithmetic, bitwise ops and comparisons.
func.func @arith(%a: tensor<8xi32>, %b: tensor<8xi32>)
    -> (tensor<8xi32>, tensor<8xi32>, tensor<8xi32>, tensor<8xi32>, tensor<8xi32>) {
  %add = arith.addi %a, %b : tensor<8xi32>
  %sub = arith.subi %a, %b : tensor<8xi32>
  %mul = arith.muli %a, %b : tensor<8xi32>
  %maxs = arith.maxsi %a, %b : tensor<8xi32>
  %minu = arith.minui %a, %b : tensor<8xi32>
  return %add, %sub, %mul, %maxs, %minu
      : tensor<8xi32>, tensor<8xi32>, tensor<8xi32>, tensor<8xi32>, tensor<8xi32>
}

// Division and remainder; callers must not pass b == 0 or INT_MIN / -1.
func.func @divrem(%a: tensor<8xi32>, %b: tensor<8xi32>)
    -> (tensor<8xi32>, tensor<8xi32>, tensor<8xi32>, tensor<8xi32>) {
  %ds = arith.divsi %a, %b : tensor<8xi32>
  %du = arith.divui %a, %b : tensor<8xi32>
  %rs = arith.remsi %a, %b : tensor<8xi32>
  %ru = arith.remui %a, %b : tensor<8xi32>
  return %ds, %du, %rs, %ru : tensor<8xi32>, tensor<8xi32>, tensor<8xi32>, tensor<8xi32>
}

// Shifts (amounts in [0, 31]; larger amounts are poison in MLIR) and bitwise ops.
func.func @bits(%a: tensor<8xi32>, %s: tensor<8xi32>)
    -> (tensor<8xi32>, tensor<8xi32>, tensor<8xi32>, tensor<8xi32>, tensor<8xi32>) {
  %shl = arith.shli %a, %s : tensor<8xi32>
  %shrs = arith.shrsi %a, %s : tensor<8xi32>
  %shru = arith.shrui %a, %s : tensor<8xi32>
  %and = arith.andi %a, %s : tensor<8xi32>
  %xor = arith.xori %a, %s : tensor<8xi32>
  return %shl, %shrs, %shru, %and, %xor
      : tensor<8xi32>, tensor<8xi32>, tensor<8xi32>, tensor<8xi32>, tensor<8xi32>
}

// Signed and unsigned comparisons feeding selects.
func.func @compare(%a: tensor<8xi32>, %b: tensor<8xi32>)
    -> (tensor<8xi32>, tensor<8xi32>, tensor<8xi8>) {
  %slt = arith.cmpi slt, %a, %b : tensor<8xi32>
  %ult = arith.cmpi ult, %a, %b : tensor<8xi32>
  %sel_s = arith.select %slt, %a, %b : tensor<8xi1>, tensor<8xi32>
  %sel_u = arith.select %ult, %a, %b : tensor<8xi1>, tensor<8xi32>
  %eq = arith.cmpi eq, %a, %b : tensor<8xi32>
  %eq8 = arith.extui %eq : tensor<8xi1> to tensor<8xi8>
  return %sel_s, %sel_u, %eq8 : tensor<8xi32>, tensor<8xi32>, tensor<8xi8>
}
