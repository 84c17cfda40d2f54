// Dynamically shaped arguments: the same module runs with different sizes.
func.func @dyn_add(%a: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
  %r = arith.addf %a, %b : tensor<?xf32>
  return %r : tensor<?xf32>
}

// tensor<?x?xf32>: scale by 2 and transpose, plus the row sums.
func.func @dyn_2d(%a: tensor<?x?xf32>) -> (tensor<?x?xf32>, tensor<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %d0 = tensor.dim %a, %c0 : tensor<?x?xf32>
  %d1 = tensor.dim %a, %c1 : tensor<?x?xf32>
  %twice = arith.addf %a, %a : tensor<?x?xf32>
  %tinit = tensor.empty(%d1, %d0) : tensor<?x?xf32>
  %t = linalg.transpose ins(%twice : tensor<?x?xf32>) outs(%tinit : tensor<?x?xf32>) permutation = [1, 0]
  %zero = arith.constant 0.0 : f32
  %sinit = tensor.empty(%d0) : tensor<?xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%sinit : tensor<?xf32>) -> tensor<?xf32>
  %s = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%a : tensor<?x?xf32>) outs(%s0 : tensor<?xf32>) {
    ^bb0(%in: f32, %acc: f32):
      %n = arith.addf %in, %acc : f32
      linalg.yield %n : f32
  } -> tensor<?xf32>
  return %t, %s : tensor<?x?xf32>, tensor<?xf32>
}

// Dynamic matmul.
func.func @dyn_matmul(%a: tensor<?x?xf32>, %b: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = tensor.dim %a, %c0 : tensor<?x?xf32>
  %n = tensor.dim %b, %c1 : tensor<?x?xf32>
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty(%m, %n) : tensor<?x?xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<?x?xf32>) -> tensor<?x?xf32>
  %r = linalg.matmul ins(%a, %b : tensor<?x?xf32>, tensor<?x?xf32>)
                     outs(%acc : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}
