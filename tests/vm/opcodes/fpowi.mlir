// vm.fpowi.f32 (E0 3E): an f32 base to an i64 power. Emitted by iree-compile 3.13 for
// math.fpowi (e.g. ONNX Gelu with tanh approximation); newer than the reference ISA notes.
vm.module @fpowi {
  // CASE: p(2, 10) -> f32=1024
  // CASE: p(1.0000001, 1000000) -> f32=1.12657
  // CASE: p(1.0001, -100000) -> f32=4.54431e-05
  // CASE: p(-2, 3) -> f32=-8
  // CASE: p(-0, -1) -> f32=-inf
  // CASE: p(0, 0) -> f32=1
  // CASE: p(nan, 0) -> f32=1
  // CASE: p(0.9, 123456789) -> f32=0
  vm.export @p
  vm.func @p(%b: f32, %e: i64) -> f32 {
    %r = vm.fpowi.f32 %b, %e : f32
    vm.return %r : f32
  }
}
