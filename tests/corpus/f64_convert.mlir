// f32 <-> f64 conversion inside a dispatch.  Needs the f64 flags.
// NOTE: only llvm-cpu compiles this: vmvx and vmvx-inline dispatches fail with
// "failed to legalize operation 'arith.truncf'" (f64 -> f32) in iree-compile 3.13.
func.func @f64_convert(%a: tensor<4xf32>) -> (tensor<4xf64>, tensor<4xf32>) {
  %e = arith.extf %a : tensor<4xf32> to tensor<4xf64>
  %third = arith.constant dense<3.0> : tensor<4xf64>
  %q = arith.divf %e, %third : tensor<4xf64>
  %t = arith.truncf %q : tensor<4xf64> to tensor<4xf32>
  return %q, %t : tensor<4xf64>, tensor<4xf32>
}
