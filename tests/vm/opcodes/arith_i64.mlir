// i64 arithmetic (register pairs).  Division by zero and INT64_MIN / -1 crash IREE: CRASH lines.
vm.module @arith_i64 {
  // CASE: add(1, 2) -> i64=3
  // CASE: add(9223372036854775807, 1) -> i64=-9223372036854775808
  // CASE: add(-9223372036854775808, -1) -> i64=9223372036854775807
  // CASE: add(4294967295, 1) -> i64=4294967296
  // CASE: add(-1, -1) -> i64=-2
  vm.export @add
  vm.func @add(%a: i64, %b: i64) -> i64 {
    %r = vm.add.i64 %a, %b : i64
    vm.return %r : i64
  }

  // CASE: sub(1, 2) -> i64=-1
  // CASE: sub(-9223372036854775808, 1) -> i64=9223372036854775807
  // CASE: sub(0, -9223372036854775808) -> i64=-9223372036854775808
  // CASE: sub(4294967296, 1) -> i64=4294967295
  vm.export @sub
  vm.func @sub(%a: i64, %b: i64) -> i64 {
    %r = vm.sub.i64 %a, %b : i64
    vm.return %r : i64
  }

  // CASE: mul(6, 7) -> i64=42
  // CASE: mul(9223372036854775807, 2) -> i64=-2
  // CASE: mul(4294967296, 4294967296) -> i64=0
  // CASE: mul(3037000500, 3037000500) -> i64=-9223372036709301616
  // CASE: mul(-3, 1099511627776) -> i64=-3298534883328
  // CASE: mul(-9223372036854775808, -1) -> i64=-9223372036854775808
  vm.export @mul
  vm.func @mul(%a: i64, %b: i64) -> i64 {
    %r = vm.mul.i64 %a, %b : i64
    vm.return %r : i64
  }

  // CASE: div_s(7, 2) -> i64=3
  // CASE: div_s(-7, 2) -> i64=-3
  // CASE: div_s(7, -2) -> i64=-3
  // CASE: div_s(-9223372036854775808, 2) -> i64=-4611686018427387904
  // CASE: div_s(9223372036854775807, -9223372036854775808) -> i64=0
  // CASE: div_s(1099511627776, 3) -> i64=366503875925
  // CRASH: div_s(1, 0)
  // CRASH: div_s(-9223372036854775808, -1)
  vm.export @div_s
  vm.func @div_s(%a: i64, %b: i64) -> i64 {
    %r = vm.div.i64.s %a, %b : i64
    vm.return %r : i64
  }

  // CASE: div_u(7, 2) -> i64=3
  // CASE: div_u(-1, 2) -> i64=9223372036854775807
  // CASE: div_u(-9223372036854775808, -1) -> i64=0
  // CASE: div_u(1099511627776, 3) -> i64=366503875925
  // CRASH: div_u(1, 0)
  vm.export @div_u
  vm.func @div_u(%a: i64, %b: i64) -> i64 {
    %r = vm.div.i64.u %a, %b : i64
    vm.return %r : i64
  }

  // CASE: rem_s(7, 2) -> i64=1
  // CASE: rem_s(-7, 2) -> i64=-1
  // CASE: rem_s(7, -2) -> i64=1
  // CASE: rem_s(-9223372036854775808, 3) -> i64=-2
  // CASE: rem_s(9223372036854775807, -9223372036854775808) -> i64=9223372036854775807
  // CRASH: rem_s(1, 0)
  // CRASH: rem_s(-9223372036854775808, -1)
  vm.export @rem_s
  vm.func @rem_s(%a: i64, %b: i64) -> i64 {
    %r = vm.rem.i64.s %a, %b : i64
    vm.return %r : i64
  }

  // CASE: rem_u(7, 2) -> i64=1
  // CASE: rem_u(-1, 10) -> i64=5
  // CASE: rem_u(-9223372036854775808, -1) -> i64=-9223372036854775808
  // CASE: rem_u(1099511627776, 7) -> i64=2
  // CRASH: rem_u(1, 0)
  vm.export @rem_u
  vm.func @rem_u(%a: i64, %b: i64) -> i64 {
    %r = vm.rem.i64.u %a, %b : i64
    vm.return %r : i64
  }

  // CASE: fma(2, 3, 4) -> i64=10
  // CASE: fma(9223372036854775807, 2, 2) -> i64=0
  // CASE: fma(4294967296, 4294967296, 5) -> i64=5
  // CASE: fma(-1, -1, -1) -> i64=0
  vm.export @fma
  vm.func @fma(%a: i64, %b: i64, %c: i64) -> i64 {
    %r = vm.fma.i64 %a, %b, %c : i64
    vm.return %r : i64
  }

  // CASE: abs(5) -> i64=5
  // CASE: abs(-5) -> i64=5
  // CASE: abs(0) -> i64=0
  // CASE: abs(-9223372036854775808) -> i64=-9223372036854775808
  // CASE: abs(-4294967296) -> i64=4294967296
  vm.export @abs
  vm.func @abs(%a: i64) -> i64 {
    %r = vm.abs.i64 %a : i64
    vm.return %r : i64
  }

  // CASE: min_s(1, 2) -> i64=1
  // CASE: min_s(-1, 1) -> i64=-1
  // CASE: min_s(-9223372036854775808, 9223372036854775807) -> i64=-9223372036854775808
  // CASE: min_s(4294967296, -4294967296) -> i64=-4294967296
  vm.export @min_s
  vm.func @min_s(%a: i64, %b: i64) -> i64 {
    %r = vm.min.i64.s %a, %b : i64
    vm.return %r : i64
  }

  // CASE: min_u(1, 2) -> i64=1
  // CASE: min_u(-1, 1) -> i64=1
  // CASE: min_u(-9223372036854775808, 9223372036854775807) -> i64=9223372036854775807
  // CASE: min_u(4294967296, 4294967295) -> i64=4294967295
  vm.export @min_u
  vm.func @min_u(%a: i64, %b: i64) -> i64 {
    %r = vm.min.i64.u %a, %b : i64
    vm.return %r : i64
  }

  // CASE: max_s(1, 2) -> i64=2
  // CASE: max_s(-1, 1) -> i64=1
  // CASE: max_s(-9223372036854775808, 9223372036854775807) -> i64=9223372036854775807
  // CASE: max_s(4294967296, -4294967296) -> i64=4294967296
  vm.export @max_s
  vm.func @max_s(%a: i64, %b: i64) -> i64 {
    %r = vm.max.i64.s %a, %b : i64
    vm.return %r : i64
  }

  // CASE: max_u(1, 2) -> i64=2
  // CASE: max_u(-1, 1) -> i64=-1
  // CASE: max_u(-9223372036854775808, 9223372036854775807) -> i64=-9223372036854775808
  // CASE: max_u(4294967296, 4294967295) -> i64=4294967296
  vm.export @max_u
  vm.func @max_u(%a: i64, %b: i64) -> i64 {
    %r = vm.max.i64.u %a, %b : i64
    vm.return %r : i64
  }

  // const.i64 / const.i64.zero
  // CASE: consts(0) -> i64=0, i64=-81985529216486896
  // CASE: consts(1) -> i64=-81985529216486896, i64=0
  // CASE: consts(-1) -> i64=-81985529216486896, i64=0
  vm.export @consts
  vm.func @consts(%a: i32) -> (i64, i64) {
    %big = vm.const.i64 -81985529216486896
    %zero = vm.const.i64.zero
    %zb = vm.optimization_barrier %zero : i64
    %r = vm.select.i64 %a, %big, %zb : i64
    %s = vm.select.i64 %a, %zb, %big : i64
    vm.return %r, %s : i64, i64
  }
}
