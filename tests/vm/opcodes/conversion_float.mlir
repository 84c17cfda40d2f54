// Float <-> integer casts, bitcasts, and f32 <-> f64 conversion.
// NOTE: vm.cast.f64.si32/ui32 and vm.cast.si32/ui32.f64 exist in the runtime ISA but not in the 3.13 compiler.
vm.module @conversion_float {
  // cast.f32.si32 rounds half away from zero and keeps the low 32 bits of a 64-bit conversion.
  // CASE: f32_to_si32(2.5) -> i32=3
  // CASE: f32_to_si32(-2.5) -> i32=-3
  // CASE: f32_to_si32(2.7) -> i32=3
  // CASE: f32_to_si32(-2.7) -> i32=-3
  // CASE: f32_to_si32(0.49999997) -> i32=0
  // CASE: f32_to_si32(-0.5) -> i32=-1
  // CASE: f32_to_si32(3000000000.0) -> i32=-1294967296
  // CASE: f32_to_si32(-3000000000.0) -> i32=1294967296
  // CASE: f32_to_si32(nan) -> i32=0
  // CASE: f32_to_si32(inf) -> i32=0
  // CASE: f32_to_si32(-inf) -> i32=0
  // CASE: f32_to_si32(1e+20) -> i32=0
  // CASE: f32_to_si32(2147483520) -> i32=2147483520
  // CASE: f32_to_si32(-2147483648) -> i32=-2147483648
  vm.export @f32_to_si32
  vm.func @f32_to_si32(%a: f32) -> i32 {
    %r = vm.cast.f32.si32 %a : f32 -> i32
    vm.return %r : i32
  }

  // CASE: f32_to_ui32(2.5) -> i32=3
  // CASE: f32_to_ui32(-2.5) -> i32=-3
  // CASE: f32_to_ui32(2.7) -> i32=3
  // CASE: f32_to_ui32(-2.7) -> i32=-3
  // CASE: f32_to_ui32(0.49999997) -> i32=0
  // CASE: f32_to_ui32(-0.5) -> i32=-1
  // CASE: f32_to_ui32(3000000000.0) -> i32=-1294967296
  // CASE: f32_to_ui32(-3000000000.0) -> i32=1294967296
  // CASE: f32_to_ui32(nan) -> i32=0
  // CASE: f32_to_ui32(inf) -> i32=0
  // CASE: f32_to_ui32(-inf) -> i32=0
  // CASE: f32_to_ui32(1e+20) -> i32=0
  // CASE: f32_to_ui32(2147483520) -> i32=2147483520
  // CASE: f32_to_ui32(-2147483648) -> i32=-2147483648
  // CASE: f32_to_ui32(-1.5) -> i32=-2
  // CASE: f32_to_ui32(4294967040) -> i32=-256
  vm.export @f32_to_ui32
  vm.func @f32_to_ui32(%a: f32) -> i32 {
    %r = vm.cast.f32.ui32 %a : f32 -> i32
    vm.return %r : i32
  }

  // CASE: f32_to_si64(2.5) -> i64=3
  // CASE: f32_to_si64(-2.5) -> i64=-3
  // CASE: f32_to_si64(2.7) -> i64=3
  // CASE: f32_to_si64(-2.7) -> i64=-3
  // CASE: f32_to_si64(0.49999997) -> i64=0
  // CASE: f32_to_si64(-0.5) -> i64=-1
  // CASE: f32_to_si64(3000000000.0) -> i64=3000000000
  // CASE: f32_to_si64(-3000000000.0) -> i64=-3000000000
  // CASE: f32_to_si64(nan) -> i64=-9223372036854775808
  // CASE: f32_to_si64(inf) -> i64=-9223372036854775808
  // CASE: f32_to_si64(-inf) -> i64=-9223372036854775808
  // CASE: f32_to_si64(1e+20) -> i64=-9223372036854775808
  // CASE: f32_to_si64(2147483520) -> i64=2147483520
  // CASE: f32_to_si64(-2147483648) -> i64=-2147483648
  // CASE: f32_to_si64(9.2e+18) -> i64=9200000267938955264
  // CASE: f32_to_si64(-9.3e+18) -> i64=-9223372036854775808
  vm.export @f32_to_si64
  vm.func @f32_to_si64(%a: f32) -> i64 {
    %r = vm.cast.f32.si64 %a : f32 -> i64
    vm.return %r : i64
  }

  // CASE: f32_to_ui64(2.5) -> i64=3
  // CASE: f32_to_ui64(-2.5) -> i64=-3
  // CASE: f32_to_ui64(2.7) -> i64=3
  // CASE: f32_to_ui64(-2.7) -> i64=-3
  // CASE: f32_to_ui64(0.49999997) -> i64=0
  // CASE: f32_to_ui64(-0.5) -> i64=-1
  // CASE: f32_to_ui64(3000000000.0) -> i64=3000000000
  // CASE: f32_to_ui64(-3000000000.0) -> i64=-3000000000
  // CASE: f32_to_ui64(nan) -> i64=-9223372036854775808
  // CASE: f32_to_ui64(inf) -> i64=-9223372036854775808
  // CASE: f32_to_ui64(-inf) -> i64=-9223372036854775808
  // CASE: f32_to_ui64(1e+20) -> i64=-9223372036854775808
  // CASE: f32_to_ui64(2147483520) -> i64=2147483520
  // CASE: f32_to_ui64(-2147483648) -> i64=-2147483648
  // CASE: f32_to_ui64(1.8e+19) -> i64=-446743668993294336
  // CASE: f32_to_ui64(-1.5) -> i64=-2
  vm.export @f32_to_ui64
  vm.func @f32_to_ui64(%a: f32) -> i64 {
    %r = vm.cast.f32.ui64 %a : f32 -> i64
    vm.return %r : i64
  }

  // CASE: si32_to_f32(1) -> f32=1, i32=1065353216
  // CASE: si32_to_f32(-1) -> f32=-1, i32=-1082130432
  // CASE: si32_to_f32(16777217) -> f32=1.67772e+07, i32=1266679808
  // CASE: si32_to_f32(-2147483648) -> f32=-2.14748e+09, i32=-822083584
  // CASE: si32_to_f32(2147483647) -> f32=2.14748e+09, i32=1325400064
  vm.export @si32_to_f32
  vm.func @si32_to_f32(%a: i32) -> (f32, i32) {
    %r = vm.cast.si32.f32 %a : i32 -> f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: ui32_to_f32(1) -> f32=1, i32=1065353216
  // CASE: ui32_to_f32(-1) -> f32=4.29497e+09, i32=1333788672
  // CASE: ui32_to_f32(16777217) -> f32=1.67772e+07, i32=1266679808
  // CASE: ui32_to_f32(-2147483648) -> f32=2.14748e+09, i32=1325400064
  vm.export @ui32_to_f32
  vm.func @ui32_to_f32(%a: i32) -> (f32, i32) {
    %r = vm.cast.ui32.f32 %a : i32 -> f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: si64_to_f32(1) -> f32=1, i32=1065353216
  // CASE: si64_to_f32(-1) -> f32=-1, i32=-1082130432
  // CASE: si64_to_f32(9007199254740993) -> f32=9.0072e+15, i32=1509949440
  // CASE: si64_to_f32(-9223372036854775808) -> f32=-9.22337e+18, i32=-553648128
  // CASE: si64_to_f32(16777217) -> f32=1.67772e+07, i32=1266679808
  vm.export @si64_to_f32
  vm.func @si64_to_f32(%a: i64) -> (f32, i32) {
    %r = vm.cast.si64.f32 %a : i64 -> f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: ui64_to_f32(1) -> f32=1, i32=1065353216
  // CASE: ui64_to_f32(-1) -> f32=1.84467e+19, i32=1602224128
  // CASE: ui64_to_f32(9007199254740993) -> f32=9.0072e+15, i32=1509949440
  // CASE: ui64_to_f32(-9223372036854775808) -> f32=9.22337e+18, i32=1593835520
  vm.export @ui64_to_f32
  vm.func @ui64_to_f32(%a: i64) -> (f32, i32) {
    %r = vm.cast.ui64.f32 %a : i64 -> f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: bitcast_i32_f32(1065353216) -> f32=1, i32=1065353216
  // CASE: bitcast_i32_f32(-1) -> f32=-nan, i32=-1
  // CASE: bitcast_i32_f32(2143289345) -> f32=nan, i32=2143289345
  // CASE: bitcast_i32_f32(1) -> f32=1.4013e-45, i32=1
  // CASE: bitcast_i32_f32(-2147483648) -> f32=-0, i32=-2147483648
  vm.export @bitcast_i32_f32
  vm.func @bitcast_i32_f32(%a: i32) -> (f32, i32) {
    %r = vm.bitcast.i32.f32 %a : i32 -> f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }

  // CASE: bitcast_f32_i32(1) -> i32=1065353216
  // CASE: bitcast_f32_i32(-0) -> i32=-2147483648
  // CASE: bitcast_f32_i32(nan) -> i32=2143289344
  // CASE: bitcast_f32_i32(-nan) -> i32=-4194304
  // CASE: bitcast_f32_i32(1e-45) -> i32=1
  vm.export @bitcast_f32_i32
  vm.func @bitcast_f32_i32(%a: f32) -> i32 {
    %r = vm.bitcast.f32.i32 %a : f32 -> i32
    vm.return %r : i32
  }

  // cast.f64.si64: lround (half away from zero).
  // CASE: f64_to_si64(2.5) -> i64=3
  // CASE: f64_to_si64(-2.5) -> i64=-3
  // CASE: f64_to_si64(2.7) -> i64=3
  // CASE: f64_to_si64(-2.7) -> i64=-3
  // CASE: f64_to_si64(0.49999997) -> i64=0
  // CASE: f64_to_si64(-0.5) -> i64=-1
  // CASE: f64_to_si64(3000000000.0) -> i64=3000000000
  // CASE: f64_to_si64(-3000000000.0) -> i64=-3000000000
  // CASE: f64_to_si64(nan) -> i64=-9223372036854775808
  // CASE: f64_to_si64(inf) -> i64=-9223372036854775808
  // CASE: f64_to_si64(-inf) -> i64=-9223372036854775808
  // CASE: f64_to_si64(1e+20) -> i64=-9223372036854775808
  // CASE: f64_to_si64(2147483520) -> i64=2147483520
  // CASE: f64_to_si64(-2147483648) -> i64=-2147483648
  // CASE: f64_to_si64(9.2e+18) -> i64=9200000000000000000
  // CASE: f64_to_si64(1e+19) -> i64=-9223372036854775808
  // CASE: f64_to_si64(4503599627370498.0) -> i64=4503599627370498
  vm.export @f64_to_si64
  vm.func @f64_to_si64(%a: f64) -> i64 {
    %r = vm.cast.f64.si64 %a : f64 -> i64
    vm.return %r : i64
  }

  // CASE: f64_to_ui64(2.5) -> i64=3
  // CASE: f64_to_ui64(-2.5) -> i64=-3
  // CASE: f64_to_ui64(2.7) -> i64=3
  // CASE: f64_to_ui64(-2.7) -> i64=-3
  // CASE: f64_to_ui64(0.49999997) -> i64=0
  // CASE: f64_to_ui64(-0.5) -> i64=-1
  // CASE: f64_to_ui64(3000000000.0) -> i64=3000000000
  // CASE: f64_to_ui64(-3000000000.0) -> i64=-3000000000
  // CASE: f64_to_ui64(nan) -> i64=-9223372036854775808
  // CASE: f64_to_ui64(inf) -> i64=-9223372036854775808
  // CASE: f64_to_ui64(-inf) -> i64=-9223372036854775808
  // CASE: f64_to_ui64(1e+20) -> i64=-9223372036854775808
  // CASE: f64_to_ui64(2147483520) -> i64=2147483520
  // CASE: f64_to_ui64(-2147483648) -> i64=-2147483648
  // CASE: f64_to_ui64(1.8e+19) -> i64=-9223372036854775808
  // CASE: f64_to_ui64(-1.5) -> i64=-2
  vm.export @f64_to_ui64
  vm.func @f64_to_ui64(%a: f64) -> i64 {
    %r = vm.cast.f64.ui64 %a : f64 -> i64
    vm.return %r : i64
  }

  // CASE: si64_to_f64(1) -> f64=1, i64=4607182418800017408
  // CASE: si64_to_f64(-1) -> f64=-1, i64=-4616189618054758400
  // CASE: si64_to_f64(9007199254740993) -> f64=9.0072e+15, i64=4845873199050653696
  // CASE: si64_to_f64(-9223372036854775808) -> f64=-9.22337e+18, i64=-4332462841530417152
  vm.export @si64_to_f64
  vm.func @si64_to_f64(%a: i64) -> (f64, i64) {
    %r = vm.cast.si64.f64 %a : i64 -> f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: ui64_to_f64(1) -> f64=1, i64=4607182418800017408
  // CASE: ui64_to_f64(-1) -> f64=1.84467e+19, i64=4895412794951729152
  // CASE: ui64_to_f64(9007199254740993) -> f64=9.0072e+15, i64=4845873199050653696
  // CASE: ui64_to_f64(-9223372036854775808) -> f64=9.22337e+18, i64=4890909195324358656
  vm.export @ui64_to_f64
  vm.func @ui64_to_f64(%a: i64) -> (f64, i64) {
    %r = vm.cast.ui64.f64 %a : i64 -> f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: bitcast_i64_f64(4607182418800017408) -> f64=1, i64=4607182418800017408
  // CASE: bitcast_i64_f64(-1) -> f64=-nan, i64=-1
  // CASE: bitcast_i64_f64(1) -> f64=4.94066e-324, i64=1
  // CASE: bitcast_i64_f64(-9223372036854775808) -> f64=-0, i64=-9223372036854775808
  vm.export @bitcast_i64_f64
  vm.func @bitcast_i64_f64(%a: i64) -> (f64, i64) {
    %r = vm.bitcast.i64.f64 %a : i64 -> f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: bitcast_f64_i64(1) -> i64=4607182418800017408
  // CASE: bitcast_f64_i64(-0) -> i64=-9223372036854775808
  // CASE: bitcast_f64_i64(nan) -> i64=9221120237041090560
  // CASE: bitcast_f64_i64(5e-324) -> i64=1
  vm.export @bitcast_f64_i64
  vm.func @bitcast_f64_i64(%a: f64) -> i64 {
    %r = vm.bitcast.f64.i64 %a : f64 -> i64
    vm.return %r : i64
  }

  // CASE: ext_f32_f64(0.1) -> f64=0.1, i64=4591870180174331904
  // CASE: ext_f32_f64(-0) -> f64=-0, i64=-9223372036854775808
  // CASE: ext_f32_f64(nan) -> f64=nan, i64=9221120237041090560
  // CASE: ext_f32_f64(-inf) -> f64=-inf, i64=-4503599627370496
  // CASE: ext_f32_f64(1e-45) -> f64=1.4013e-45, i64=3936146074321813504
  vm.export @ext_f32_f64
  vm.func @ext_f32_f64(%a: f32) -> (f64, i64) {
    %r = vm.ext.f32.f64 %a : f32 -> f64
    %bits = vm.bitcast.f64.i64 %r : f64 -> i64
    vm.return %r, %bits : f64, i64
  }

  // CASE: trunc_f64_f32(0.1) -> f32=0.1, i32=1036831949
  // CASE: trunc_f64_f32(1e+300) -> f32=inf, i32=2139095040
  // CASE: trunc_f64_f32(-1e-300) -> f32=-0, i32=-2147483648
  // CASE: trunc_f64_f32(nan) -> f32=nan, i32=2143289344
  // CASE: trunc_f64_f32(1.0000000596046448) -> f32=1, i32=1065353216
  // CASE: trunc_f64_f32(3.4028235677973366e+38) -> f32=inf, i32=2139095040
  vm.export @trunc_f64_f32
  vm.func @trunc_f64_f32(%a: f64) -> (f32, i32) {
    %r = vm.trunc.f64.f32 %a : f64 -> f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %r, %bits : f32, i32
  }
}
