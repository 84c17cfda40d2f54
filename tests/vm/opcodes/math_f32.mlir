// f32 math functions: the C libm functions (f32 uses the ...f variants).  Values can differ in the
// last ulp between libm implementations; these were recorded with the 3.13 x86-64 wheel.
// TOLERANCE-ULPS: 2
vm.module @math_f32 {
  // CASE: atan(1) -> f32=0.785398, i32=1061752795
  // CASE: atan(-0.5) -> f32=-0.463648, i32=-1091738824
  // CASE: atan(inf) -> f32=1.5708, i32=1070141403
  // CASE: atan(nan) -> f32=nan, i32=2143289344
  vm.export @atan
  vm.func @atan(%a: f32) -> (f32, i32) {
    %r = vm.atan.f32 %a : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: atan2(1, 1) -> f32=0.785398, i32=1061752795
  // CASE: atan2(1, -1) -> f32=2.35619, i32=1075235812
  // CASE: atan2(-1, -1) -> f32=-2.35619, i32=-1072247836
  // CASE: atan2(0, -1) -> f32=3.14159, i32=1078530011
  // CASE: atan2(-0, -1) -> f32=-3.14159, i32=-1068953637
  // CASE: atan2(0, 0) -> f32=0, i32=0
  vm.export @atan2
  vm.func @atan2(%a: f32, %b: f32) -> (f32, i32) {
    %r = vm.atan2.f32 %a, %b : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: cos(0) -> f32=1, i32=1065353216
  // CASE: cos(1) -> f32=0.540302, i32=1057640768
  // CASE: cos(3.14159) -> f32=-1, i32=-1082130432
  // CASE: cos(1000000.0) -> f32=0.936752, i32=1064292093
  vm.export @cos
  vm.func @cos(%a: f32) -> (f32, i32) {
    %r = vm.cos.f32 %a : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: sin(0) -> f32=0, i32=0
  // CASE: sin(1) -> f32=0.841471, i32=1062693540
  // CASE: sin(-0) -> f32=-0, i32=-2147483648
  // CASE: sin(1000000.0) -> f32=-0.349993, i32=-1095552423
  vm.export @sin
  vm.func @sin(%a: f32) -> (f32, i32) {
    %r = vm.sin.f32 %a : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: exp(0) -> f32=1, i32=1065353216
  // CASE: exp(1) -> f32=2.71828, i32=1076754516
  // CASE: exp(-1) -> f32=0.367879, i32=1052531378
  // CASE: exp(88) -> f32=1.65164e+38, i32=2130215607
  // CASE: exp(100) -> f32=inf, i32=2139095040
  // CASE: exp(-inf) -> f32=0, i32=0
  vm.export @exp
  vm.func @exp(%a: f32) -> (f32, i32) {
    %r = vm.exp.f32 %a : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: exp2(0) -> f32=1, i32=1065353216
  // CASE: exp2(0.5) -> f32=1.41421, i32=1068827891
  // CASE: exp2(10) -> f32=1024, i32=1149239296
  // CASE: exp2(-150) -> f32=0, i32=0
  vm.export @exp2
  vm.func @exp2(%a: f32) -> (f32, i32) {
    %r = vm.exp2.f32 %a : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: expm1(0) -> f32=0, i32=0
  // CASE: expm1(1e-10) -> f32=1e-10, i32=786163455
  // CASE: expm1(1) -> f32=1.71828, i32=1071378600
  // CASE: expm1(-50) -> f32=-1, i32=-1082130432
  vm.export @expm1
  vm.func @expm1(%a: f32) -> (f32, i32) {
    %r = vm.expm1.f32 %a : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: log(1) -> f32=0, i32=0
  // CASE: log(2.718281828) -> f32=1, i32=1065353215
  // CASE: log(0) -> f32=-inf, i32=-8388608
  // CASE: log(-1) -> f32=-nan, i32=-4194304
  // CASE: log(inf) -> f32=inf, i32=2139095040
  vm.export @log
  vm.func @log(%a: f32) -> (f32, i32) {
    %r = vm.log.f32 %a : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: log10(1000) -> f32=3, i32=1077936128
  // CASE: log10(2) -> f32=0.30103, i32=1050288283
  // CASE: log10(0) -> f32=-inf, i32=-8388608
  // CASE: log10(-1) -> f32=nan, i32=2143289344
  vm.export @log10
  vm.func @log10(%a: f32) -> (f32, i32) {
    %r = vm.log10.f32 %a : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: log1p(0) -> f32=0, i32=0
  // CASE: log1p(1e-10) -> f32=1e-10, i32=786163455
  // CASE: log1p(-1) -> f32=-inf, i32=-8388608
  // CASE: log1p(1) -> f32=0.693147, i32=1060205080
  vm.export @log1p
  vm.func @log1p(%a: f32) -> (f32, i32) {
    %r = vm.log1p.f32 %a : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: log2(8) -> f32=3, i32=1077936128
  // CASE: log2(3) -> f32=1.58496, i32=1070260237
  // CASE: log2(0) -> f32=-inf, i32=-8388608
  // CASE: log2(0.1) -> f32=-3.32193, i32=-1068197256
  vm.export @log2
  vm.func @log2(%a: f32) -> (f32, i32) {
    %r = vm.log2.f32 %a : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: rsqrt(4) -> f32=0.5, i32=1056964608
  // CASE: rsqrt(2) -> f32=0.707107, i32=1060439283
  // CASE: rsqrt(0) -> f32=inf, i32=2139095040
  // CASE: rsqrt(-1) -> f32=-nan, i32=-4194304
  // CASE: rsqrt(inf) -> f32=0, i32=0
  vm.export @rsqrt
  vm.func @rsqrt(%a: f32) -> (f32, i32) {
    %r = vm.rsqrt.f32 %a : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: tanh(0) -> f32=0, i32=0
  // CASE: tanh(0.5) -> f32=0.462117, i32=1055693471
  // CASE: tanh(-3) -> f32=-0.995055, i32=-1082213399
  // CASE: tanh(20) -> f32=1, i32=1065353216
  // CASE: tanh(-inf) -> f32=-1, i32=-1082130432
  vm.export @tanh
  vm.func @tanh(%a: f32) -> (f32, i32) {
    %r = vm.tanh.f32 %a : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: erf(0) -> f32=0, i32=0
  // CASE: erf(0.5) -> f32=0.5205, i32=1057308539
  // CASE: erf(-1) -> f32=-0.842701, i32=-1084769475
  // CASE: erf(3) -> f32=0.999978, i32=1065352845
  // CASE: erf(inf) -> f32=1, i32=1065353216
  vm.export @erf
  vm.func @erf(%a: f32) -> (f32, i32) {
    %r = vm.erf.f32 %a : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: pow(2, 10) -> f32=1024, i32=1149239296
  // CASE: pow(2, 0.5) -> f32=1.41421, i32=1068827891
  // CASE: pow(-8, 3) -> f32=-512, i32=-1006632960
  // CASE: pow(-8, 0.3333333) -> f32=-nan, i32=-4194304
  // CASE: pow(0, 0) -> f32=1, i32=1065353216
  // CASE: pow(nan, 0) -> f32=1, i32=1065353216
  // CASE: pow(1, nan) -> f32=1, i32=1065353216
  // CASE: pow(10, -2) -> f32=0.01, i32=1008981770
  vm.export @pow
  vm.func @pow(%a: f32, %b: f32) -> (f32, i32) {
    %r = vm.pow.f32 %a, %b : f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }
}
