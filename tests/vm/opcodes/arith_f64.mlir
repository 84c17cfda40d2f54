// f64 arithmetic.  Results are returned with their raw bits (i64) because iree-run-module prints
// floats with %g (6 significant digits).
vm.module @arith_f64 {
  // CASE: add(0.1, 0.2) -> f64=0.3, i64=4599075939470750516
  // CASE: add(1, -1) -> f64=0, i64=0
  // CASE: add(-0, -0) -> f64=-0, i64=-9223372036854775808
  // CASE: add(1.7e308, 1.7e308) -> f64=inf, i64=9218868437227405312
  // CASE: add(5e-324, 5e-324) -> f64=9.88131e-324, i64=2
  // CASE: add(nan, 1) -> f64=nan, i64=9221120237041090560
  // CASE: add(1, nan) -> f64=nan, i64=9221120237041090560
  // CASE: add(inf, -inf) -> f64=-nan, i64=-2251799813685248
  // CASE: add(inf, inf) -> f64=inf, i64=9218868437227405312
  // CASE: add(-0, 0) -> f64=0, i64=0
  // CASE: add(-0, -0) -> f64=-0, i64=-9223372036854775808
  vm.export @add
  vm.func @add(%a: f64, %b: f64) -> (f64, i64) {
    %r = vm.add.f64 %a, %b : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: sub(0.3, 0.1) -> f64=0.2, i64=4596373779694328217
  // CASE: sub(1, 1) -> f64=0, i64=0
  // CASE: sub(-0, 0) -> f64=-0, i64=-9223372036854775808
  // CASE: sub(inf, inf) -> f64=-nan, i64=-2251799813685248
  // CASE: sub(nan, nan) -> f64=nan, i64=9221120237041090560
  vm.export @sub
  vm.func @sub(%a: f64, %b: f64) -> (f64, i64) {
    %r = vm.sub.f64 %a, %b : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: mul(0.1, 3) -> f64=0.3, i64=4599075939470750516
  // CASE: mul(-2, 0) -> f64=-0, i64=-9223372036854775808
  // CASE: mul(inf, 0) -> f64=-nan, i64=-2251799813685248
  // CASE: mul(1.7e308, 10) -> f64=inf, i64=9218868437227405312
  // CASE: mul(5e-324, 0.5) -> f64=0, i64=0
  // CASE: mul(-nan, 1) -> f64=-nan, i64=-2251799813685248
  vm.export @mul
  vm.func @mul(%a: f64, %b: f64) -> (f64, i64) {
    %r = vm.mul.f64 %a, %b : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: div(1, 3) -> f64=0.333333, i64=4599676419421066581
  // CASE: div(1, 0) -> f64=inf, i64=9218868437227405312
  // CASE: div(-1, 0) -> f64=-inf, i64=-4503599627370496
  // CASE: div(0, 0) -> f64=-nan, i64=-2251799813685248
  // CASE: div(1, -0) -> f64=-inf, i64=-4503599627370496
  // CASE: div(inf, inf) -> f64=-nan, i64=-2251799813685248
  // CASE: div(5e-324, 2) -> f64=0, i64=0
  vm.export @div
  vm.func @div(%a: f64, %b: f64) -> (f64, i64) {
    %r = vm.div.f64 %a, %b : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // rem is IEEE remainder() (quotient rounded to nearest even), not fmod.
  // CASE: rem(5, 3) -> f64=-1, i64=-4616189618054758400
  // CASE: rem(7, 2) -> f64=-1, i64=-4616189618054758400
  // CASE: rem(-7, 2) -> f64=1, i64=4607182418800017408
  // CASE: rem(6.5, 2) -> f64=0.5, i64=4602678819172646912
  // CASE: rem(5.5, 2) -> f64=-0.5, i64=-4620693217682128896
  // CASE: rem(1, 0) -> f64=-nan, i64=-2251799813685248
  // CASE: rem(inf, 2) -> f64=-nan, i64=-2251799813685248
  // CASE: rem(3, inf) -> f64=3, i64=4613937818241073152
  // CASE: rem(-0, 1) -> f64=-0, i64=-9223372036854775808
  // CASE: rem(-4, 2) -> f64=-0, i64=-9223372036854775808
  // CASE: rem(10000000000.0, 3) -> f64=1, i64=4607182418800017408
  vm.export @rem
  vm.func @rem(%a: f64, %b: f64) -> (f64, i64) {
    %r = vm.rem.f64 %a, %b : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // fma is NOT fused in 3.13: a*b is rounded before the add.
  // CASE: fma(0.1, 10, -1) -> f64=0, i64=0
  // CASE: fma(2, 3, 4) -> f64=10, i64=4621819117588971520
  // CASE: fma(inf, 0, 1) -> f64=-nan, i64=-2251799813685248
  // CASE: fma(1e-300, 1e-300, 1) -> f64=1, i64=4607182418800017408
  // CASE: fma(1.0000000000000002, 1.0000000000000002, -1) -> f64=4.44089e-16, i64=4377498837804122112
  vm.export @fma
  vm.func @fma(%a: f64, %b: f64, %c: f64) -> (f64, i64) {
    %r = vm.fma.f64 %a, %b, %c : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: abs(-1.5) -> f64=1.5, i64=4609434218613702656
  // CASE: abs(-0) -> f64=0, i64=0
  // CASE: abs(-inf) -> f64=inf, i64=9218868437227405312
  // CASE: abs(-nan) -> f64=nan, i64=9221120237041090560
  // CASE: abs(2) -> f64=2, i64=4611686018427387904
  vm.export @abs
  vm.func @abs(%a: f64) -> (f64, i64) {
    %r = vm.abs.f64 %a : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: neg(1.5) -> f64=-1.5, i64=-4613937818241073152
  // CASE: neg(0) -> f64=-0, i64=-9223372036854775808
  // CASE: neg(-0) -> f64=0, i64=0
  // CASE: neg(inf) -> f64=-inf, i64=-4503599627370496
  // CASE: neg(nan) -> f64=-nan, i64=-2251799813685248
  vm.export @neg
  vm.func @neg(%a: f64) -> (f64, i64) {
    %r = vm.neg.f64 %a : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: ceil(1.2) -> f64=2, i64=4611686018427387904
  // CASE: ceil(-1.2) -> f64=-1, i64=-4616189618054758400
  // CASE: ceil(-0.5) -> f64=-0, i64=-9223372036854775808
  // CASE: ceil(-0) -> f64=-0, i64=-9223372036854775808
  // CASE: ceil(2) -> f64=2, i64=4611686018427387904
  // CASE: ceil(1e20) -> f64=1e+20, i64=4906019910204099648
  // CASE: ceil(nan) -> f64=nan, i64=9221120237041090560
  vm.export @ceil
  vm.func @ceil(%a: f64) -> (f64, i64) {
    %r = vm.ceil.f64 %a : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: floor(1.8) -> f64=1, i64=4607182418800017408
  // CASE: floor(-1.2) -> f64=-2, i64=-4611686018427387904
  // CASE: floor(0.5) -> f64=0, i64=0
  // CASE: floor(-0) -> f64=-0, i64=-9223372036854775808
  // CASE: floor(-inf) -> f64=-inf, i64=-4503599627370496
  vm.export @floor
  vm.func @floor(%a: f64) -> (f64, i64) {
    %r = vm.floor.f64 %a : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // round: half away from zero; round.even: half to even.
  // CASE: round(2.5) -> f64=3, i64=4613937818241073152
  // CASE: round(-2.5) -> f64=-3, i64=-4609434218613702656
  // CASE: round(0.5) -> f64=1, i64=4607182418800017408
  // CASE: round(-0.5) -> f64=-1, i64=-4616189618054758400
  // CASE: round(1.4999999) -> f64=1, i64=4607182418800017408
  // CASE: round(3.5) -> f64=4, i64=4616189618054758400
  // CASE: round(-0) -> f64=-0, i64=-9223372036854775808
  // CASE: round(nan) -> f64=nan, i64=9221120237041090560
  vm.export @round
  vm.func @round(%a: f64) -> (f64, i64) {
    %r = vm.round.f64 %a : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: round_even(2.5) -> f64=2, i64=4611686018427387904
  // CASE: round_even(-2.5) -> f64=-2, i64=-4611686018427387904
  // CASE: round_even(0.5) -> f64=0, i64=0
  // CASE: round_even(-0.5) -> f64=0, i64=0
  // CASE: round_even(3.5) -> f64=4, i64=4616189618054758400
  // CASE: round_even(1.5) -> f64=2, i64=4611686018427387904
  // CASE: round_even(-0) -> f64=-0, i64=-9223372036854775808
  // CASE: round_even(inf) -> f64=inf, i64=9218868437227405312
  vm.export @round_even
  vm.func @round_even(%a: f64) -> (f64, i64) {
    %r = vm.round.f64.even %a : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // min(a, b) = b < a ? b : a and max(a, b) = a < b ? b : a: with a NaN operand the result is a.
  // CASE: min(1, 2) -> f64=1, i64=4607182418800017408
  // CASE: min(2, 1) -> f64=1, i64=4607182418800017408
  // CASE: min(nan, 1) -> f64=nan, i64=9221120237041090560
  // CASE: min(1, nan) -> f64=1, i64=4607182418800017408
  // CASE: min(-0, 0) -> f64=-0, i64=-9223372036854775808
  // CASE: min(0, -0) -> f64=0, i64=0
  // CASE: min(-inf, inf) -> f64=-inf, i64=-4503599627370496
  vm.export @min
  vm.func @min(%a: f64, %b: f64) -> (f64, i64) {
    %r = vm.min.f64 %a, %b : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: max(1, 2) -> f64=2, i64=4611686018427387904
  // CASE: max(2, 1) -> f64=2, i64=4611686018427387904
  // CASE: max(nan, 1) -> f64=nan, i64=9221120237041090560
  // CASE: max(1, nan) -> f64=1, i64=4607182418800017408
  // CASE: max(-0, 0) -> f64=-0, i64=-9223372036854775808
  // CASE: max(0, -0) -> f64=0, i64=0
  // CASE: max(-inf, inf) -> f64=inf, i64=9218868437227405312
  vm.export @max
  vm.func @max(%a: f64, %b: f64) -> (f64, i64) {
    %r = vm.max.f64 %a, %b : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: sqrt(2) -> f64=1.41421, i64=4609047870845172685
  // CASE: sqrt(4) -> f64=2, i64=4611686018427387904
  // CASE: sqrt(-1) -> f64=-nan, i64=-2251799813685248
  // CASE: sqrt(-0) -> f64=-0, i64=-9223372036854775808
  // CASE: sqrt(inf) -> f64=inf, i64=9218868437227405312
  // CASE: sqrt(5e-324) -> f64=2.22276e-162, i64=2188749418902061056
  vm.export @sqrt
  vm.func @sqrt(%a: f64) -> (f64, i64) {
    %r = vm.sqrt.f64 %a : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // const.f64 / const.f64.zero, select.f64 and switch.f64.
  // CASE: consts(0) -> f64=0, f64=-1.25e-300
  // CASE: consts(1) -> f64=-1.25e-300, f64=0
  vm.export @consts
  vm.func @consts(%c: i32) -> (f64, f64) {
    %k = vm.const.f64 -1.25e-300
    %z = vm.const.f64.zero
    %r = vm.select.f64 %c, %k, %z : f64
    %s = vm.select.f64 %c, %z, %k : f64
    vm.return %r, %s : f64, f64
  }

  // CASE: select(0, 1.5, -2.5) -> f64=-2.5, i64=-4610560118520545280
  // CASE: select(3, 1.5, -2.5) -> f64=1.5, i64=4609434218613702656
  // CASE: select(1, nan, 0) -> f64=nan, i64=9221120237041090560
  vm.export @select
  vm.func @select(%c: i32, %a: f64, %b: f64) -> (f64, i64) {
    %r = vm.select.f64 %c, %a, %b : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: switch(0, 9.5) -> f64=0.25
  // CASE: switch(1, 9.5) -> f64=-3e+300
  // CASE: switch(2, 9.5) -> f64=9.5
  // CASE: switch(-1, 9.5) -> f64=9.5
  vm.export @switch
  vm.func @switch(%i: i32, %d: f64) -> f64 {
    %c0 = vm.const.f64 0.25
    %c1 = vm.const.f64 -3.0e300
    %r = vm.switch.f64 %i[%c0, %c1] else %d : f64
    vm.return %r : f64
  }
}
