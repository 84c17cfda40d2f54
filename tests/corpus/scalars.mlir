// Rank-0 tensors.
func.func @rank0(%a: tensor<f32>, %b: tensor<f32>) -> (tensor<f32>, tensor<i32>) {
  %s = arith.mulf %a, %b : tensor<f32>
  %c = arith.fptosi %s : tensor<f32> to tensor<i32>
  return %s, %c : tensor<f32>, tensor<i32>
}

// Primitive (non-tensor) arguments and results of each 32-bit-or-narrower kind.
func.func @prims(%a: i32, %b: i64, %c: f32) -> (i32, i64, f32) {
  %a2 = arith.muli %a, %a : i32
  %bext = arith.extsi %a : i32 to i64
  %b2 = arith.addi %b, %bext : i64
  %cf = arith.sitofp %a : i32 to f32
  %c2 = arith.addf %c, %cf : f32
  return %a2, %b2, %c2 : i32, i64, f32
}

// Scalars in and out of a tensor computation.
func.func @scale(%t: tensor<4xf32>, %k: f32) -> (tensor<4xf32>, f32) {
  %einit = tensor.empty() : tensor<4xf32>
  %e = linalg.fill ins(%k : f32) outs(%einit : tensor<4xf32>) -> tensor<4xf32>
  %m = arith.mulf %t, %e : tensor<4xf32>
  %c0 = arith.constant 0 : index
  %first = tensor.extract %m[%c0] : tensor<4xf32>
  return %m, %first : tensor<4xf32>, f32
}

// Scalar extracted from a tensor as an i32 result, and a tensor built from a scalar.
func.func @extract_insert(%t: tensor<5xi32>, %i: i32, %v: i32) -> (i32, tensor<5xi32>) {
  %idx = arith.index_cast %i : i32 to index
  %x = tensor.extract %t[%idx] : tensor<5xi32>
  %u = tensor.insert %v into %t[%idx] : tensor<5xi32>
  return %x, %u : i32, tensor<5xi32>
}
