// vm.fpowi.f32 (E0 3E) and vm.fpowi.f64 (E1 40): a float base to an i64 power. Emitted by
// iree-compile 3.13 for math.fpowi (e.g. ONNX Gelu with tanh approximation); newer than the
// reference ISA notes. IREE uses only the low 32 bits of the exponent.
vm.module @fpowi {
  // CASE: p(2, 10) -> f32=1024
  // CASE: p(1.0000001, 1000000) -> f32=1.12657
  // CASE: p(1.0001, -100000) -> f32=4.54431e-05
  // CASE: p(-2, 3) -> f32=-8
  // CASE: p(-0, -1) -> f32=-inf
  // CASE: p(0, 0) -> f32=1
  // CASE: p(nan, 0) -> f32=1
  // CASE: p(0.9, 123456789) -> f32=0
  // CASE: p(2, 4294967299) -> f32=8
  // CASE: p(2, 1099511627776) -> f32=1
  // CASE: p(2, 4294967295) -> f32=0.5
  // CASE: p(1.1, -2147483648) -> f32=0
  vm.export @p
  vm.func @p(%b: f32, %e: i64) -> f32 {
    %r = vm.fpowi.f32 %b, %e : f32
    vm.return %r : f32
  }

  // CASE: q(2, 10) -> f64=1024
  // CASE: q(1.0000001, 1000000) -> f64=1.10517
  // CASE: q(1.0001, -100000) -> f64=4.54226e-05
  // CASE: q(-0, -1) -> f64=-inf
  // CASE: q(nan, 0) -> f64=1
  // CASE: q(2, 4294967299) -> f64=8
  // CASE: q(2, 4294967295) -> f64=0.5
  vm.export @q
  vm.func @q(%b: f64, %e: i64) -> f64 {
    %r = vm.fpowi.f64 %b, %e : f64
    vm.return %r : f64
  }
}
