// Float <-> integer conversions.  NOTE: the 3.13 VM lowers fptosi to vm.cast.f32.si32,
// which rounds half away from zero instead of truncating (see iree-inline-abi.md 2.16).
func.func @float_to_int(%a: tensor<8xf32>) -> (tensor<8xi32>, tensor<8xi32>, tensor<8xi8>) {
  %si = arith.fptosi %a : tensor<8xf32> to tensor<8xi32>
  %ui = arith.fptoui %a : tensor<8xf32> to tensor<8xi32>
  %s8 = arith.fptosi %a : tensor<8xf32> to tensor<8xi8>
  return %si, %ui, %s8 : tensor<8xi32>, tensor<8xi32>, tensor<8xi8>
}

func.func @int_to_float(%a: tensor<8xi32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %s = arith.sitofp %a : tensor<8xi32> to tensor<8xf32>
  %u = arith.uitofp %a : tensor<8xi32> to tensor<8xf32>
  return %s, %u : tensor<8xf32>, tensor<8xf32>
}

func.func @bitcast(%a: tensor<8xf32>) -> tensor<8xi32> {
  %b = arith.bitcast %a : tensor<8xf32> to tensor<8xi32>
  return %b : tensor<8xi32>
}
