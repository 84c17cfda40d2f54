// f32 arithmetic.  Results are returned with their raw bits (i32) because iree-run-module prints
// floats with %g (6 significant digits).
vm.module @arith_f32 {
  // CASE: add(0.1, 0.2) -> f32=0.3, i32=1050253722
  // CASE: add(1, -1) -> f32=0, i32=0
  // CASE: add(-0, -0) -> f32=-0, i32=-2147483648
  // CASE: add(3.4e38, 3.4e38) -> f32=inf, i32=2139095040
  // CASE: add(1e-45, 1e-45) -> f32=2.8026e-45, i32=2
  // CASE: add(nan, 1) -> f32=nan, i32=2143289344
  // CASE: add(1, nan) -> f32=nan, i32=2143289344
  // CASE: add(inf, -inf) -> f32=-nan, i32=-4194304
  // CASE: add(inf, inf) -> f32=inf, i32=2139095040
  // CASE: add(-0, 0) -> f32=0, i32=0
  // CASE: add(-0, -0) -> f32=-0, i32=-2147483648
  vm.export @add
  vm.func @add(%a: f32, %b: f32) -> (f32, i32) {
    %r = vm.add.f32 %a, %b : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: sub(0.3, 0.1) -> f32=0.2, i32=1045220558
  // CASE: sub(1, 1) -> f32=0, i32=0
  // CASE: sub(-0, 0) -> f32=-0, i32=-2147483648
  // CASE: sub(inf, inf) -> f32=-nan, i32=-4194304
  // CASE: sub(nan, nan) -> f32=nan, i32=2143289344
  vm.export @sub
  vm.func @sub(%a: f32, %b: f32) -> (f32, i32) {
    %r = vm.sub.f32 %a, %b : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: mul(0.1, 3) -> f32=0.3, i32=1050253722
  // CASE: mul(-2, 0) -> f32=-0, i32=-2147483648
  // CASE: mul(inf, 0) -> f32=-nan, i32=-4194304
  // CASE: mul(3.4e38, 10) -> f32=inf, i32=2139095040
  // CASE: mul(1e-45, 0.5) -> f32=0, i32=0
  // CASE: mul(-nan, 1) -> f32=-nan, i32=-4194304
  vm.export @mul
  vm.func @mul(%a: f32, %b: f32) -> (f32, i32) {
    %r = vm.mul.f32 %a, %b : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: div(1, 3) -> f32=0.333333, i32=1051372203
  // CASE: div(1, 0) -> f32=inf, i32=2139095040
  // CASE: div(-1, 0) -> f32=-inf, i32=-8388608
  // CASE: div(0, 0) -> f32=-nan, i32=-4194304
  // CASE: div(1, -0) -> f32=-inf, i32=-8388608
  // CASE: div(inf, inf) -> f32=-nan, i32=-4194304
  // CASE: div(1e-45, 2) -> f32=0, i32=0
  vm.export @div
  vm.func @div(%a: f32, %b: f32) -> (f32, i32) {
    %r = vm.div.f32 %a, %b : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // rem is IEEE remainder() (quotient rounded to nearest even), not fmod.
  // CASE: rem(5, 3) -> f32=-1, i32=-1082130432
  // CASE: rem(7, 2) -> f32=-1, i32=-1082130432
  // CASE: rem(-7, 2) -> f32=1, i32=1065353216
  // CASE: rem(6.5, 2) -> f32=0.5, i32=1056964608
  // CASE: rem(5.5, 2) -> f32=-0.5, i32=-1090519040
  // CASE: rem(1, 0) -> f32=-nan, i32=-4194304
  // CASE: rem(inf, 2) -> f32=-nan, i32=-4194304
  // CASE: rem(3, inf) -> f32=3, i32=1077936128
  // CASE: rem(-0, 1) -> f32=-0, i32=-2147483648
  // CASE: rem(-4, 2) -> f32=-0, i32=-2147483648
  // CASE: rem(10000000000.0, 3) -> f32=1, i32=1065353216
  vm.export @rem
  vm.func @rem(%a: f32, %b: f32) -> (f32, i32) {
    %r = vm.rem.f32 %a, %b : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // fma is NOT fused in 3.13: a*b is rounded before the add.
  // CASE: fma(0.1, 10, -1) -> f32=0, i32=0
  // CASE: fma(2, 3, 4) -> f32=10, i32=1092616192
  // CASE: fma(inf, 0, 1) -> f32=-nan, i32=-4194304
  // CASE: fma(1e-30, 1e-30, 1) -> f32=1, i32=1065353216
  // CASE: fma(1.0000001, 1.0000001, -1) -> f32=2.38419e-07, i32=880803840
  vm.export @fma
  vm.func @fma(%a: f32, %b: f32, %c: f32) -> (f32, i32) {
    %r = vm.fma.f32 %a, %b, %c : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: abs(-1.5) -> f32=1.5, i32=1069547520
  // CASE: abs(-0) -> f32=0, i32=0
  // CASE: abs(-inf) -> f32=inf, i32=2139095040
  // CASE: abs(-nan) -> f32=nan, i32=2143289344
  // CASE: abs(2) -> f32=2, i32=1073741824
  vm.export @abs
  vm.func @abs(%a: f32) -> (f32, i32) {
    %r = vm.abs.f32 %a : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: neg(1.5) -> f32=-1.5, i32=-1077936128
  // CASE: neg(0) -> f32=-0, i32=-2147483648
  // CASE: neg(-0) -> f32=0, i32=0
  // CASE: neg(inf) -> f32=-inf, i32=-8388608
  // CASE: neg(nan) -> f32=-nan, i32=-4194304
  vm.export @neg
  vm.func @neg(%a: f32) -> (f32, i32) {
    %r = vm.neg.f32 %a : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: ceil(1.2) -> f32=2, i32=1073741824
  // CASE: ceil(-1.2) -> f32=-1, i32=-1082130432
  // CASE: ceil(-0.5) -> f32=-0, i32=-2147483648
  // CASE: ceil(-0) -> f32=-0, i32=-2147483648
  // CASE: ceil(2) -> f32=2, i32=1073741824
  // CASE: ceil(1e20) -> f32=1e+20, i32=1621981420
  // CASE: ceil(nan) -> f32=nan, i32=2143289344
  vm.export @ceil
  vm.func @ceil(%a: f32) -> (f32, i32) {
    %r = vm.ceil.f32 %a : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: floor(1.8) -> f32=1, i32=1065353216
  // CASE: floor(-1.2) -> f32=-2, i32=-1073741824
  // CASE: floor(0.5) -> f32=0, i32=0
  // CASE: floor(-0) -> f32=-0, i32=-2147483648
  // CASE: floor(-inf) -> f32=-inf, i32=-8388608
  vm.export @floor
  vm.func @floor(%a: f32) -> (f32, i32) {
    %r = vm.floor.f32 %a : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // round: half away from zero; round.even: half to even.
  // CASE: round(2.5) -> f32=3, i32=1077936128
  // CASE: round(-2.5) -> f32=-3, i32=-1069547520
  // CASE: round(0.5) -> f32=1, i32=1065353216
  // CASE: round(-0.5) -> f32=-1, i32=-1082130432
  // CASE: round(1.4999999) -> f32=1, i32=1065353216
  // CASE: round(3.5) -> f32=4, i32=1082130432
  // CASE: round(-0) -> f32=-0, i32=-2147483648
  // CASE: round(nan) -> f32=nan, i32=2143289344
  vm.export @round
  vm.func @round(%a: f32) -> (f32, i32) {
    %r = vm.round.f32 %a : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: round_even(2.5) -> f32=2, i32=1073741824
  // CASE: round_even(-2.5) -> f32=-2, i32=-1073741824
  // CASE: round_even(0.5) -> f32=0, i32=0
  // CASE: round_even(-0.5) -> f32=0, i32=0
  // CASE: round_even(3.5) -> f32=4, i32=1082130432
  // CASE: round_even(1.5) -> f32=2, i32=1073741824
  // CASE: round_even(-0) -> f32=-0, i32=-2147483648
  // CASE: round_even(inf) -> f32=inf, i32=2139095040
  vm.export @round_even
  vm.func @round_even(%a: f32) -> (f32, i32) {
    %r = vm.round.f32.even %a : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // min(a, b) = b < a ? b : a and max(a, b) = a < b ? b : a: with a NaN operand the result is a.
  // CASE: min(1, 2) -> f32=1, i32=1065353216
  // CASE: min(2, 1) -> f32=1, i32=1065353216
  // CASE: min(nan, 1) -> f32=nan, i32=2143289344
  // CASE: min(1, nan) -> f32=1, i32=1065353216
  // CASE: min(-0, 0) -> f32=-0, i32=-2147483648
  // CASE: min(0, -0) -> f32=0, i32=0
  // CASE: min(-inf, inf) -> f32=-inf, i32=-8388608
  vm.export @min
  vm.func @min(%a: f32, %b: f32) -> (f32, i32) {
    %r = vm.min.f32 %a, %b : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: max(1, 2) -> f32=2, i32=1073741824
  // CASE: max(2, 1) -> f32=2, i32=1073741824
  // CASE: max(nan, 1) -> f32=nan, i32=2143289344
  // CASE: max(1, nan) -> f32=1, i32=1065353216
  // CASE: max(-0, 0) -> f32=-0, i32=-2147483648
  // CASE: max(0, -0) -> f32=0, i32=0
  // CASE: max(-inf, inf) -> f32=inf, i32=2139095040
  vm.export @max
  vm.func @max(%a: f32, %b: f32) -> (f32, i32) {
    %r = vm.max.f32 %a, %b : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: sqrt(2) -> f32=1.41421, i32=1068827891
  // CASE: sqrt(4) -> f32=2, i32=1073741824
  // CASE: sqrt(-1) -> f32=-nan, i32=-4194304
  // CASE: sqrt(-0) -> f32=-0, i32=-2147483648
  // CASE: sqrt(inf) -> f32=inf, i32=2139095040
  // CASE: sqrt(1e-45) -> f32=3.74339e-23, i32=439682291
  vm.export @sqrt
  vm.func @sqrt(%a: f32) -> (f32, i32) {
    %r = vm.sqrt.f32 %a : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // const.f32 / const.f32.zero, select.f32 and switch.f32.
  // CASE: consts(0) -> f32=0, f32=-1.5e-07
  // CASE: consts(1) -> f32=-1.5e-07, f32=0
  vm.export @consts
  vm.func @consts(%c: i32) -> (f32, f32) {
    %k = vm.const.f32 -1.5e-7
    %z = vm.const.f32.zero
    %r = vm.select.f32 %c, %k, %z : f32
    %s = vm.select.f32 %c, %z, %k : f32
    vm.return %r, %s : f32, f32
  }

  // CASE: select(0, 1.5, -2.5) -> f32=-2.5, i32=-1071644672
  // CASE: select(3, 1.5, -2.5) -> f32=1.5, i32=1069547520
  // CASE: select(1, nan, 0) -> f32=nan, i32=2143289344
  vm.export @select
  vm.func @select(%c: i32, %a: f32, %b: f32) -> (f32, i32) {
    %r = vm.select.f32 %c, %a, %b : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: switch(0, 9.5) -> f32=0.25
  // CASE: switch(1, 9.5) -> f32=-3e+30
  // CASE: switch(2, 9.5) -> f32=9.5
  // CASE: switch(-1, 9.5) -> f32=9.5
  vm.export @switch
  vm.func @switch(%i: i32, %d: f32) -> f32 {
    %c0 = vm.const.f32 0.25
    %c1 = vm.const.f32 -3.0e30
    %r = vm.switch.f32 %i[%c0, %c1] else %d : f32
    vm.return %r : f32
  }
}
