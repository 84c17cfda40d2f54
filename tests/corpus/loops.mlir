// Host-level loops: scf.while with scalar and tensor loop-carried values.

// Collatz: number of steps until n reaches 1 (n > 0).
func.func @collatz(%n: i32) -> i32 {
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  %c2 = arith.constant 2 : i32
  %c3 = arith.constant 3 : i32
  %r:2 = scf.while (%x = %n, %steps = %c0) : (i32, i32) -> (i32, i32) {
    %more = arith.cmpi sgt, %x, %c1 : i32
    scf.condition(%more) %x, %steps : i32, i32
  } do {
  ^bb0(%x: i32, %steps: i32):
    %rem = arith.remsi %x, %c2 : i32
    %odd = arith.cmpi ne, %rem, %c0 : i32
    %half = arith.divsi %x, %c2 : i32
    %t = arith.muli %x, %c3 : i32
    %t1 = arith.addi %t, %c1 : i32
    %nx = arith.select %odd, %t1, %half : i32
    %ns = arith.addi %steps, %c1 : i32
    scf.yield %nx, %ns : i32, i32
  }
  return %r#1 : i32
}

// Repeatedly v = v * 1.5 + 1 until sum(v) exceeds the limit; returns v and the iteration count.
func.func @grow(%v: tensor<4xf32>, %limit: f32) -> (tensor<4xf32>, i32) {
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  %zero = arith.constant dense<0.0> : tensor<f32>
  %k = arith.constant dense<1.5> : tensor<4xf32>
  %one = arith.constant dense<1.0> : tensor<4xf32>
  %r:2 = scf.while (%x = %v, %i = %c0) : (tensor<4xf32>, i32) -> (tensor<4xf32>, i32) {
    %s = stablehlo.reduce(%x init: %zero) applies stablehlo.add across dimensions = [0]
        : (tensor<4xf32>, tensor<f32>) -> tensor<f32>
    %se = tensor.extract %s[] : tensor<f32>
    %more = arith.cmpf ole, %se, %limit : f32
    scf.condition(%more) %x, %i : tensor<4xf32>, i32
  } do {
  ^bb0(%x: tensor<4xf32>, %i: i32):
    %m = arith.mulf %x, %k : tensor<4xf32>
    %a = arith.addf %m, %one : tensor<4xf32>
    %ni = arith.addi %i, %c1 : i32
    scf.yield %a, %ni : tensor<4xf32>, i32
  }
  return %r#0, %r#1 : tensor<4xf32>, i32
}

// scf.for with a data-dependent trip count and a tensor accumulator.
func.func @powers(%base: tensor<3xi32>, %n: i32) -> tensor<3xi32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %ones = arith.constant dense<1> : tensor<3xi32>
  %ub = arith.index_cast %n : i32 to index
  %r = scf.for %i = %c0 to %ub step %c1 iter_args(%acc = %ones) -> tensor<3xi32> {
    %m = arith.muli %acc, %base : tensor<3xi32>
    scf.yield %m : tensor<3xi32>
  }
  return %r : tensor<3xi32>
}
