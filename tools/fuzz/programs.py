"""The seed programs: small MLIR functions covering what modules do.

Each is compiled in the three inline configurations; together they exercise
elementwise, matmul and convolution dispatches, reductions over a dynamic dim,
`exp`, data-dependent indexing, i8/i16 arithmetic, scalar loops, internal
calls and mutable globals, so mutants reach every part of the loader and the VM.
"""

ADD = """
func.func @add(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = arith.addf %a, %b : tensor<4xf32>
  return %0 : tensor<4xf32>
}
"""

MATMUL = """
func.func @mm(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  %r = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x4xf32>)
                     outs(%z : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}
"""

ROW_SUMS = """
func.func @row_sums(%a: tensor<?x4xi32>) -> tensor<?xi32> {
  %c0 = arith.constant 0 : index
  %z = arith.constant 0 : i32
  %n = tensor.dim %a, %c0 : tensor<?x4xi32>
  %e = tensor.empty(%n) : tensor<?xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<?xi32>) -> tensor<?xi32>
  %r = linalg.reduce ins(%a : tensor<?x4xi32>) outs(%i : tensor<?xi32>) dimensions = [1]
    (%x: i32, %acc: i32) { %s = arith.addi %x, %acc : i32
                           linalg.yield %s : i32 }
  return %r : tensor<?xi32>
}
"""

SOFTMAX = """
func.func @softmax(%a: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %e = tensor.empty() : tensor<2x8xf32>
  %r = linalg.softmax dimension(1) ins(%a : tensor<2x8xf32>) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}
"""

SCALAR_LOOP = """
func.func private @square(%a: i64) -> i64 attributes {noinline} {
  %r = arith.muli %a, %a : i64
  return %r : i64
}
func.func @sum_squares(%n: i64) -> i64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0 : i64
  %ni = arith.index_cast %n : i64 to index
  %r = scf.for %i = %c0 to %ni step %c1 iter_args(%acc = %z) -> i64 {
    %ii = arith.index_cast %i : index to i64
    %s = func.call @square(%ii) : (i64) -> i64
    %next = arith.addi %acc, %s : i64
    scf.yield %next : i64
  }
  return %r : i64
}
"""

STATEFUL = """
util.global private mutable @state = dense<0.0> : tensor<4xf32>
func.func @step(%x: tensor<4xf32>) -> tensor<4xf32> {
  %s = util.global.load @state : tensor<4xf32>
  %n = arith.addf %s, %x : tensor<4xf32>
  util.global.store %n, @state : tensor<4xf32>
  return %n : tensor<4xf32>
}
"""

GATHER = """
func.func @gather(%table: tensor<8x4xf32>, %indices: tensor<3xi32>) -> tensor<3x4xf32> {
  %e = tensor.empty() : tensor<3x4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%indices : tensor<3xi32>) outs(%e : tensor<3x4xf32>) {
    ^bb0(%index: i32, %out: f32):
      %i = arith.index_cast %index : i32 to index
      %c7 = arith.constant 7 : index
      %clamped = arith.minsi %i, %c7 : index
      %j = linalg.index 1 : index
      %v = tensor.extract %table[%clamped, %j] : tensor<8x4xf32>
      linalg.yield %v : f32
  } -> tensor<3x4xf32>
  return %r : tensor<3x4xf32>
}
"""

CONV = """
func.func @conv(%input: tensor<1x6x6x2xf32>, %filter: tensor<3x3x2x4xf32>) -> tensor<1x4x4x4xf32> {
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x4xf32>
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %r = linalg.conv_2d_nhwc_hwcf ins(%input, %filter : tensor<1x6x6x2xf32>, tensor<3x3x2x4xf32>)
                               outs(%z : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %r : tensor<1x4x4x4xf32>
}
"""

NARROW_TYPES = """
func.func @narrow(%a: tensor<6xi8>, %b: tensor<6xi16>) -> (tensor<6xi16>, tensor<6xf32>) {
  %e = tensor.empty() : tensor<6xi16>
  %f = tensor.empty() : tensor<6xf32>
  %r:2 = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>,
                                          affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                         iterator_types = ["parallel"]}
      ins(%a, %b : tensor<6xi8>, tensor<6xi16>) outs(%e, %f : tensor<6xi16>, tensor<6xf32>) {
    ^bb0(%x: i8, %y: i16, %o: i16, %p: f32):
      %w = arith.extsi %x : i8 to i16
      %s = arith.muli %w, %y : i16
      %q = arith.sitofp %s : i16 to f32
      linalg.yield %s, %q : i16, f32
  } -> (tensor<6xi16>, tensor<6xf32>)
  return %r#0, %r#1 : tensor<6xi16>, tensor<6xf32>
}
"""

PROGRAMS = {"add": ADD, "matmul": MATMUL, "row_sums": ROW_SUMS, "softmax": SOFTMAX,
            "scalar_loop": SCALAR_LOOP, "stateful": STATEFUL, "gather": GATHER, "conv": CONV,
            "narrow_types": NARROW_TYPES}

# Programs of one configuration only, with extra iree-compile flags: VMVX microkernels
# (the `vmvx` module's exports and their argument checks) and data tiling (mmt4d, pack).
VARIANTS = {"dynamic_vmvx": {
    "add_ukernels": (ADD, ("--iree-vmvx-enable-microkernels",)),
    "matmul_data_tiling": (MATMUL, ("--iree-vmvx-enable-microkernels", "--iree-opt-data-tiling")),
}}
