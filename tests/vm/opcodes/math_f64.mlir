// f64 math functions: the C libm functions (f32 uses the ...f variants).  Values can differ in the
// last ulp between libm implementations; these were recorded with the 3.13 x86-64 wheel.
// TOLERANCE-ULPS: 2
vm.module @math_f64 {
  // CASE: atan(1) -> f64=0.785398, i64=4605249457297304856
  // CASE: atan(-0.5) -> f64=-0.463648, i64=-4621348084140360881
  // CASE: atan(inf) -> f64=1.5708, i64=4609753056924675352
  // CASE: atan(nan) -> f64=nan, i64=9221120237041090560
  vm.export @atan
  vm.func @atan(%a: f64) -> (f64, i64) {
    %r = vm.atan.f64 %a : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: atan2(1, 1) -> f64=0.785398, i64=4605249457297304856
  // CASE: atan2(1, -1) -> f64=2.35619, i64=4612488097114038738
  // CASE: atan2(-1, -1) -> f64=-2.35619, i64=-4610883939740737070
  // CASE: atan2(0, -1) -> f64=3.14159, i64=4614256656552045848
  // CASE: atan2(-0, -1) -> f64=-3.14159, i64=-4609115380302729960
  // CASE: atan2(0, 0) -> f64=0, i64=0
  vm.export @atan2
  vm.func @atan2(%a: f64, %b: f64) -> (f64, i64) {
    %r = vm.atan2.f64 %a, %b : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: cos(0) -> f64=1, i64=4607182418800017408
  // CASE: cos(1) -> f64=0.540302, i64=4603041830072026764
  // CASE: cos(3.14159) -> f64=-1, i64=-4616189618054790112
  // CASE: cos(1000000.0) -> f64=0.936752, i64=4606612732610269996
  vm.export @cos
  vm.func @cos(%a: f64) -> (f64, i64) {
    %r = vm.cos.f64 %a : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: sin(0) -> f64=0, i64=0
  // CASE: sin(1) -> f64=0.841471, i64=4605754516372524270
  // CASE: sin(-0) -> f64=-0, i64=-9223372036854775808
  // CASE: sin(1000000.0) -> f64=-0.349994, i64=-4623395494513026969
  vm.export @sin
  vm.func @sin(%a: f64) -> (f64, i64) {
    %r = vm.sin.f64 %a : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: exp(0) -> f64=1, i64=4607182418800017408
  // CASE: exp(1) -> f64=2.71828, i64=4613303445314885481
  // CASE: exp(-1) -> f64=0.367879, i64=4600298746774613816
  // CASE: exp(709) -> f64=8.21841e+307, i64=9213593174447348891
  // CASE: exp(710) -> f64=inf, i64=9218868437227405312
  // CASE: exp(-inf) -> f64=0, i64=0
  vm.export @exp
  vm.func @exp(%a: f64) -> (f64, i64) {
    %r = vm.exp.f64 %a : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: exp2(0) -> f64=1, i64=4607182418800017408
  // CASE: exp2(0.5) -> f64=1.41421, i64=4609047870845172685
  // CASE: exp2(10) -> f64=1024, i64=4652218415073722368
  // CASE: exp2(-1075) -> f64=0, i64=0
  vm.export @exp2
  vm.func @exp2(%a: f64) -> (f64, i64) {
    %r = vm.exp2.f64 %a : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: expm1(0) -> f64=0, i64=0
  // CASE: expm1(1e-10) -> f64=1e-10, i64=4457293557087970531
  // CASE: expm1(1) -> f64=1.71828, i64=4610417272575012562
  // CASE: expm1(-50) -> f64=-1, i64=-4616189618054758400
  vm.export @expm1
  vm.func @expm1(%a: f64) -> (f64, i64) {
    %r = vm.expm1.f64 %a : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: log(1) -> f64=0, i64=0
  // CASE: log(2.718281828) -> f64=1, i64=4607182418798496332
  // CASE: log(0) -> f64=-inf, i64=-4503599627370496
  // CASE: log(-1) -> f64=nan, i64=9221120237041090560
  // CASE: log(inf) -> f64=inf, i64=9218868437227405312
  vm.export @log
  vm.func @log(%a: f64) -> (f64, i64) {
    %r = vm.log.f64 %a : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: log10(1000) -> f64=3, i64=4613937818241073152
  // CASE: log10(2) -> f64=0.30103, i64=4599094494223104511
  // CASE: log10(0) -> f64=-inf, i64=-4503599627370496
  // CASE: log10(-1) -> f64=nan, i64=9221120237041090560
  vm.export @log10
  vm.func @log10(%a: f64) -> (f64, i64) {
    %r = vm.log10.f64 %a : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: log1p(0) -> f64=0, i64=0
  // CASE: log1p(1e-10) -> f64=1e-10, i64=4457293557087196819
  // CASE: log1p(-1) -> f64=-inf, i64=-4503599627370496
  // CASE: log1p(1) -> f64=0.693147, i64=4604418534313441775
  vm.export @log1p
  vm.func @log1p(%a: f64) -> (f64, i64) {
    %r = vm.log1p.f64 %a : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: log2(8) -> f64=3, i64=4613937818241073152
  // CASE: log2(3) -> f64=1.58496, i64=4609816855700290920
  // CASE: log2(0) -> f64=-inf, i64=-4503599627370496
  // CASE: log2(0.1) -> f64=-3.32193, i64=-4608709300989615247
  vm.export @log2
  vm.func @log2(%a: f64) -> (f64, i64) {
    %r = vm.log2.f64 %a : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: rsqrt(4) -> f64=0.5, i64=4602678819172646912
  // CASE: rsqrt(2) -> f64=0.707107, i64=4604544271217802188
  // CASE: rsqrt(0) -> f64=inf, i64=9218868437227405312
  // CASE: rsqrt(-1) -> f64=-nan, i64=-2251799813685248
  // CASE: rsqrt(inf) -> f64=0, i64=0
  vm.export @rsqrt
  vm.func @rsqrt(%a: f64) -> (f64, i64) {
    %r = vm.rsqrt.f64 %a : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: tanh(0) -> f64=0, i64=0
  // CASE: tanh(0.5) -> f64=0.462117, i64=4601996382546856691
  // CASE: tanh(-3) -> f64=-0.995055, i64=-4616234160873665792
  // CASE: tanh(20) -> f64=1, i64=4607182418800017408
  // CASE: tanh(-inf) -> f64=-1, i64=-4616189618054758400
  vm.export @tanh
  vm.func @tanh(%a: f64) -> (f64, i64) {
    %r = vm.tanh.f64 %a : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: erf(0) -> f64=0, i64=0
  // CASE: erf(0.5) -> f64=0.5205, i64=4602863465656806866
  // CASE: erf(-1) -> f64=-0.842701, i64=-4617606443355273077
  // CASE: erf(3) -> f64=0.999978, i64=4607182219826509305
  // CASE: erf(inf) -> f64=1, i64=4607182418800017408
  vm.export @erf
  vm.func @erf(%a: f64) -> (f64, i64) {
    %r = vm.erf.f64 %a : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: pow(2, 10) -> f64=1024, i64=4652218415073722368
  // CASE: pow(2, 0.5) -> f64=1.41421, i64=4609047870845172685
  // CASE: pow(-8, 3) -> f64=-512, i64=-4575657221408423936
  // CASE: pow(-8, 0.3333333) -> f64=-nan, i64=-2251799813685248
  // CASE: pow(0, 0) -> f64=1, i64=4607182418800017408
  // CASE: pow(nan, 0) -> f64=1, i64=4607182418800017408
  // CASE: pow(1, nan) -> f64=1, i64=4607182418800017408
  // CASE: pow(10, -2) -> f64=0.01, i64=4576918229304087675
  vm.export @pow
  vm.func @pow(%a: f64, %b: f64) -> (f64, i64) {
    %r = vm.pow.f64 %a, %b : f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }
}
