// Needs --iree-input-demote-f64-to-f32=false --iree-vm-target-extension-f64.
// NOTE: iree-compile 3.13 rejects host-level arith.fptosi f64 -> i64/i32
// ("failed to legalize operation 'arith.fptosi'"), so no f64 -> int cast here.
func.func @f64_ops(%a: tensor<5xf64>, %b: tensor<5xf64>) -> (tensor<5xf64>, tensor<5xf64>, tensor<5xf64>) {
  %add = arith.addf %a, %b : tensor<5xf64>
  %mul = arith.mulf %a, %b : tensor<5xf64>
  %sqrt = math.sqrt %a : tensor<5xf64>
  return %add, %mul, %sqrt : tensor<5xf64>, tensor<5xf64>, tensor<5xf64>
}

func.func @f64_prims(%a: f64, %b: f64) -> (f64, f64) {
  %s = arith.addf %a, %b : f64
  %d = arith.divf %a, %b : f64
  return %s, %d : f64, f64
}
