// Branches: br / cond_br / br_table with block arguments of every kind (i32, i64, f32, f64, refs),
// including argument permutations (swaps) that the encoder must order correctly.
vm.module @control_flow {
  vm.rodata private @ro_a dense<[1, 2, 3]> : tensor<3xi8>
  vm.rodata private @ro_b dense<[4, 5, 6, 7]> : tensor<4xi8>

  // Loop with i32/i64/f32/f64 carried values: sum of 0..n-1 in several types.
  // CASE: loop(0) -> i32=0, i64=0, f32=0, f64=0
  // CASE: loop(1) -> i32=1, i64=0, f32=0, f64=0
  // CASE: loop(10) -> i32=10, i64=193273528320, f32=45, f64=45
  // CASE: loop(100000) -> i32=100000, i64=3027877657925648384, f32=4.99989e+09, f64=4.99995e+09
  vm.export @loop
  vm.func @loop(%n: i32) -> (i32, i64, f32, f64) {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %z64 = vm.const.i64 0
    %big = vm.const.i64 4294967296
    %zf = vm.const.f32 0.0
    %zd = vm.const.f64 0.0
    vm.br ^head(%c0, %z64, %zf, %zd : i32, i64, f32, f64)
  ^head(%i: i32, %s64: i64, %sf: f32, %sd: f64):
    %more = vm.cmp.lt.i32.s %i, %n : i32
    vm.cond_br %more, ^body, ^exit(%i, %s64, %sf, %sd : i32, i64, f32, f64)
  ^body:
    %i64 = vm.ext.i32.i64.s %i : i32 -> i64
    %t = vm.mul.i64 %i64, %big : i64
    %s64n = vm.add.i64 %s64, %t : i64
    %fi = vm.cast.si32.f32 %i : i32 -> f32
    %sfn = vm.add.f32 %sf, %fi : f32
    %di = vm.cast.si64.f64 %i64 : i64 -> f64
    %sdn = vm.add.f64 %sd, %di : f64
    %in = vm.add.i32 %i, %c1 : i32
    vm.br ^head(%in, %s64n, %sfn, %sdn : i32, i64, f32, f64)
  ^exit(%ri: i32, %r64: i64, %rf: f32, %rd: f64):
    vm.return %ri, %r64, %rf, %rd : i32, i64, f32, f64
  }

  // Block arguments that swap every iteration (a parallel copy with a cycle), for i32 and i64.
  // CASE: swap(0, 1, 2) -> i32=1, i32=1, i64=2, i64=-7
  // CASE: swap(3, 1, 2) -> i32=1, i32=1, i64=-7, i64=2
  // CASE: swap(4, -1, 81985529216486895) -> i32=-1, i32=1, i64=81985529216486895, i64=-7
  vm.export @swap
  vm.func @swap(%n: i32, %a: i32, %b: i64) -> (i32, i32, i64, i64) {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %b2 = vm.const.i64 -7
    vm.br ^loop(%c0, %a, %c1, %b, %b2 : i32, i32, i32, i64, i64)
  ^loop(%i: i32, %x: i32, %y: i32, %p: i64, %q: i64):
    %more = vm.cmp.lt.i32.s %i, %n : i32
    %in = vm.add.i32 %i, %c1 : i32
    vm.cond_br %more, ^loop(%in, %y, %x, %q, %p : i32, i32, i32, i64, i64), ^done
  ^done:
    vm.return %x, %y, %p, %q : i32, i32, i64, i64
  }

  // cond_br passing different values to the same block.
  // CASE: cond(0, 5, -5) -> i64=-5
  // CASE: cond(1, 5, -5) -> i64=5
  // CASE: cond(-1, 4294967296, 1) -> i64=4294967296
  vm.export @cond
  vm.func @cond(%c: i32, %a: i64, %b: i64) -> i64 {
    vm.cond_br %c, ^join(%a : i64), ^join(%b : i64)
  ^join(%v: i64):
    vm.return %v : i64
  }

  // br_table: index 0..2 picks a case, anything else (incl. negative) the default; each target
  // receives different block arguments (i64 and f64 included).
  // 3.13 COMPILER BUG: case 1's remap list is `i16->i8, i17->i9, i12->i6, i13->i7, i6->i0`: it
  // overwrites i6 (holding 20) before copying i6 to i0, and the runtime copies the pairs in order,
  // so table(1) returns i32=-2 (the low half of -2), not 20.  Replicate the sequential copy.
  // CASE: table(0) -> i32=10, i64=4294967297, f64=0.5
  // CASE: table(1) -> i32=-2, i64=-2, f64=-1e+300
  // CASE: table(2) -> i32=30, i64=0, f64=0
  // CASE: table(3) -> i32=99, i64=0, f64=0
  // CASE: table(-1) -> i32=99, i64=0, f64=0
  // CASE: table(2147483647) -> i32=99, i64=0, f64=0
  vm.export @table
  vm.func @table(%i: i32) -> (i32, i64, f64) {
    %c10 = vm.const.i32 10
    %c20 = vm.const.i32 20
    %c30 = vm.const.i32 30
    %c99 = vm.const.i32 99
    %l1 = vm.const.i64 4294967297
    %l2 = vm.const.i64 -2
    %d1 = vm.const.f64 0.5
    %d2 = vm.const.f64 -1.0e300
    vm.br_table %i {
      default: ^other(%c99 : i32),
      0: ^wide(%c10, %l1, %d1 : i32, i64, f64),
      1: ^wide(%c20, %l2, %d2 : i32, i64, f64),
      2: ^other(%c30 : i32)
    }
  ^wide(%a: i32, %b: i64, %d: f64):
    vm.return %a, %b, %d : i32, i64, f64
  ^other(%x: i32):
    %z = vm.const.i64 0
    %zd = vm.const.f64 0.0
    vm.return %x, %z, %zd : i32, i64, f64
  }

  // Refs as block arguments (through cond_br and br_table).
  // CASE: ref_args(0) -> i64=3, i32=0
  // CASE: ref_args(1) -> i64=4, i32=1
  // CASE: ref_args(2) -> i64=4, i32=0
  vm.export @ref_args
  vm.func @ref_args(%i: i32) -> (i64, i32) {
    %a = vm.const.ref.rodata @ro_a : !vm.buffer
    %b = vm.const.ref.rodata @ro_b : !vm.buffer
    vm.br_table %i {
      default: ^pair(%b, %a : !vm.buffer, !vm.buffer),
      0: ^pair(%a, %b : !vm.buffer, !vm.buffer),
      1: ^pair(%b, %b : !vm.buffer, !vm.buffer)
    }
  ^pair(%x: !vm.buffer, %y: !vm.buffer):
    %lx = vm.buffer.length %x : !vm.buffer -> i64
    %same = vm.cmp.eq.ref %x, %y : !vm.buffer
    vm.return %lx, %same : i64, i32
  }
}
