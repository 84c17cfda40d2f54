"""The seed programs: small MLIR functions covering what modules do.

Each is compiled in the three inline configurations; together they exercise
elementwise and matmul dispatches, reductions over a dynamic dim, `exp`,
scalar loops, internal calls and mutable globals, so mutants reach every
part of the loader and the VM.
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

PROGRAMS = {"add": ADD, "matmul": MATMUL, "row_sums": ROW_SUMS, "softmax": SOFTMAX,
            "scalar_loop": SCALAR_LOOP, "stateful": STATEFUL}
