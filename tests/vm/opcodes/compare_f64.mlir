// f64 comparisons: .o = ordered (false if either is NaN), .u = unordered (true if either is NaN).
vm.module @compare_f64 {
  // CASE: cmp_eq_o(1, 2) -> i32=0
  // CASE: cmp_eq_o(2, 1) -> i32=0
  // CASE: cmp_eq_o(2, 2) -> i32=1
  // CASE: cmp_eq_o(-0, 0) -> i32=1
  // CASE: cmp_eq_o(nan, 1) -> i32=0
  // CASE: cmp_eq_o(1, nan) -> i32=0
  // CASE: cmp_eq_o(nan, nan) -> i32=0
  // CASE: cmp_eq_o(-inf, inf) -> i32=0
  vm.export @cmp_eq_o
  vm.func @cmp_eq_o(%a: f64, %b: f64) -> i32 {
    %r = vm.cmp.eq.f64.o %a, %b : f64
    vm.return %r : i32
  }

  // CASE: cmp_eq_u(1, 2) -> i32=0
  // CASE: cmp_eq_u(2, 1) -> i32=0
  // CASE: cmp_eq_u(2, 2) -> i32=1
  // CASE: cmp_eq_u(-0, 0) -> i32=1
  // CASE: cmp_eq_u(nan, 1) -> i32=1
  // CASE: cmp_eq_u(1, nan) -> i32=1
  // CASE: cmp_eq_u(nan, nan) -> i32=1
  // CASE: cmp_eq_u(-inf, inf) -> i32=0
  vm.export @cmp_eq_u
  vm.func @cmp_eq_u(%a: f64, %b: f64) -> i32 {
    %r = vm.cmp.eq.f64.u %a, %b : f64
    vm.return %r : i32
  }

  // CASE: cmp_ne_o(1, 2) -> i32=1
  // CASE: cmp_ne_o(2, 1) -> i32=1
  // CASE: cmp_ne_o(2, 2) -> i32=0
  // CASE: cmp_ne_o(-0, 0) -> i32=0
  // CASE: cmp_ne_o(nan, 1) -> i32=1
  // CASE: cmp_ne_o(1, nan) -> i32=1
  // CASE: cmp_ne_o(nan, nan) -> i32=1
  // CASE: cmp_ne_o(-inf, inf) -> i32=1
  vm.export @cmp_ne_o
  vm.func @cmp_ne_o(%a: f64, %b: f64) -> i32 {
    %r = vm.cmp.ne.f64.o %a, %b : f64
    vm.return %r : i32
  }

  // CASE: cmp_ne_u(1, 2) -> i32=1
  // CASE: cmp_ne_u(2, 1) -> i32=1
  // CASE: cmp_ne_u(2, 2) -> i32=0
  // CASE: cmp_ne_u(-0, 0) -> i32=0
  // CASE: cmp_ne_u(nan, 1) -> i32=1
  // CASE: cmp_ne_u(1, nan) -> i32=1
  // CASE: cmp_ne_u(nan, nan) -> i32=1
  // CASE: cmp_ne_u(-inf, inf) -> i32=1
  vm.export @cmp_ne_u
  vm.func @cmp_ne_u(%a: f64, %b: f64) -> i32 {
    %r = vm.cmp.ne.f64.u %a, %b : f64
    vm.return %r : i32
  }

  // CASE: cmp_lt_o(1, 2) -> i32=1
  // CASE: cmp_lt_o(2, 1) -> i32=0
  // CASE: cmp_lt_o(2, 2) -> i32=0
  // CASE: cmp_lt_o(-0, 0) -> i32=0
  // CASE: cmp_lt_o(nan, 1) -> i32=0
  // CASE: cmp_lt_o(1, nan) -> i32=0
  // CASE: cmp_lt_o(nan, nan) -> i32=0
  // CASE: cmp_lt_o(-inf, inf) -> i32=1
  vm.export @cmp_lt_o
  vm.func @cmp_lt_o(%a: f64, %b: f64) -> i32 {
    %r = vm.cmp.lt.f64.o %a, %b : f64
    vm.return %r : i32
  }

  // CASE: cmp_lt_u(1, 2) -> i32=1
  // CASE: cmp_lt_u(2, 1) -> i32=0
  // CASE: cmp_lt_u(2, 2) -> i32=0
  // CASE: cmp_lt_u(-0, 0) -> i32=0
  // CASE: cmp_lt_u(nan, 1) -> i32=1
  // CASE: cmp_lt_u(1, nan) -> i32=1
  // CASE: cmp_lt_u(nan, nan) -> i32=1
  // CASE: cmp_lt_u(-inf, inf) -> i32=1
  vm.export @cmp_lt_u
  vm.func @cmp_lt_u(%a: f64, %b: f64) -> i32 {
    %r = vm.cmp.lt.f64.u %a, %b : f64
    vm.return %r : i32
  }

  // CASE: cmp_lte_o(1, 2) -> i32=1
  // CASE: cmp_lte_o(2, 1) -> i32=0
  // CASE: cmp_lte_o(2, 2) -> i32=1
  // CASE: cmp_lte_o(-0, 0) -> i32=1
  // CASE: cmp_lte_o(nan, 1) -> i32=0
  // CASE: cmp_lte_o(1, nan) -> i32=0
  // CASE: cmp_lte_o(nan, nan) -> i32=0
  // CASE: cmp_lte_o(-inf, inf) -> i32=1
  vm.export @cmp_lte_o
  vm.func @cmp_lte_o(%a: f64, %b: f64) -> i32 {
    %r = vm.cmp.lte.f64.o %a, %b : f64
    vm.return %r : i32
  }

  // CASE: cmp_lte_u(1, 2) -> i32=1
  // CASE: cmp_lte_u(2, 1) -> i32=0
  // CASE: cmp_lte_u(2, 2) -> i32=1
  // CASE: cmp_lte_u(-0, 0) -> i32=1
  // CASE: cmp_lte_u(nan, 1) -> i32=1
  // CASE: cmp_lte_u(1, nan) -> i32=1
  // CASE: cmp_lte_u(nan, nan) -> i32=1
  // CASE: cmp_lte_u(-inf, inf) -> i32=1
  vm.export @cmp_lte_u
  vm.func @cmp_lte_u(%a: f64, %b: f64) -> i32 {
    %r = vm.cmp.lte.f64.u %a, %b : f64
    vm.return %r : i32
  }

  // CASE: cmp_nan(1) -> i32=0
  // CASE: cmp_nan(nan) -> i32=1
  // CASE: cmp_nan(-nan) -> i32=1
  // CASE: cmp_nan(inf) -> i32=0
  vm.export @cmp_nan
  vm.func @cmp_nan(%a: f64) -> i32 {
    %r = vm.cmp.nan.f64 %a : f64
    vm.return %r : i32
  }
}
