// Row gather: out[i, :] = table[idx[i], :]  (indices are clamped by the caller).
func.func @gather_rows(%table: tensor<6x4xf32>, %idx: tensor<5xi32>) -> tensor<5x4xf32> {
  %init = tensor.empty() : tensor<5x4xf32>
  %r = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%idx : tensor<5xi32>) outs(%init : tensor<5x4xf32>) {
    ^bb0(%k: i32, %out: f32):
      %row = arith.index_cast %k : i32 to index
      %col = linalg.index 1 : index
      %v = tensor.extract %table[%row, %col] : tensor<6x4xf32>
      linalg.yield %v : f32
  } -> tensor<5x4xf32>
  return %r : tensor<5x4xf32>
}

// StableHLO gather of a slice at a runtime start index.
func.func @gather_hlo(%input: tensor<5x3xi32>, %start: tensor<i64>) -> tensor<3xi32> {
  %r = "stablehlo.gather"(%input, %start) {
    dimension_numbers = #stablehlo.gather<
      collapsed_slice_dims = [0], index_vector_dim = 0, offset_dims = [0], start_index_map = [0]>,
    slice_sizes = array<i64: 1, 3>
  } : (tensor<5x3xi32>, tensor<i64>) -> tensor<3xi32>
  return %r : tensor<3xi32>
}

// argmax over the last axis: (max value, first index of it) per row.
func.func @argmax(%x: tensor<3x7xf32>) -> (tensor<3xf32>, tensor<3xi32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %c0 = arith.constant 0 : i32
  %vinit = tensor.empty() : tensor<3xf32>
  %iinit = tensor.empty() : tensor<3xi32>
  %v0 = linalg.fill ins(%ninf : f32) outs(%vinit : tensor<3xf32>) -> tensor<3xf32>
  %i0 = linalg.fill ins(%c0 : i32) outs(%iinit : tensor<3xi32>) -> tensor<3xi32>
  %r:2 = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<3x7xf32>) outs(%v0, %i0 : tensor<3xf32>, tensor<3xi32>) {
    ^bb0(%in: f32, %best: f32, %bi: i32):
      %j = linalg.index 1 : index
      %j32 = arith.index_cast %j : index to i32
      %gt = arith.cmpf ogt, %in, %best : f32
      %nb = arith.select %gt, %in, %best : f32
      %ni = arith.select %gt, %j32, %bi : i32
      linalg.yield %nb, %ni : f32, i32
  } -> (tensor<3xf32>, tensor<3xi32>)
  return %r#0, %r#1 : tensor<3xf32>, tensor<3xi32>
}
