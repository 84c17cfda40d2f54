// Transcendental math (libm-dependent: compared with a small tolerance).
func.func @transcendental(%a: tensor<8xf32>)
    -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %exp = math.exp %a : tensor<8xf32>
  %abs = math.absf %a : tensor<8xf32>
  %log = math.log %abs : tensor<8xf32>
  %tanh = math.tanh %a : tensor<8xf32>
  %erf = math.erf %a : tensor<8xf32>
  return %exp, %log, %tanh, %erf : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}

func.func @binary_transcendental(%a: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %pow = math.powf %a, %b : tensor<8xf32>
  %atan2 = math.atan2 %a, %b : tensor<8xf32>
  return %pow, %atan2 : tensor<8xf32>, tensor<8xf32>
}

// Correctly-rounded operations: compared exactly.
func.func @exact_math(%a: tensor<8xf32>)
    -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %abs = math.absf %a : tensor<8xf32>
  %sqrt = math.sqrt %abs : tensor<8xf32>
  %floor = math.floor %a : tensor<8xf32>
  %ceil = math.ceil %a : tensor<8xf32>
  %round = math.round %a : tensor<8xf32>
  %rne = math.roundeven %a : tensor<8xf32>
  return %sqrt, %floor, %ceil, %round, %rne
      : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}
