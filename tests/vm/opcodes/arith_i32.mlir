// i32 arithmetic: add sub mul div.s div.u rem.s rem.u fma abs min/max(.s/.u) and constants.
// Division by zero and INT_MIN / -1 crash IREE (SIGFPE): listed as CRASH, IREE is not run on them.
vm.module @arith_i32 {
  // CASE: add(1, 2) -> i32=3
  // CASE: add(2147483647, 1) -> i32=-2147483648
  // CASE: add(-2147483648, -1) -> i32=2147483647
  // CASE: add(-1, -1) -> i32=-2
  // CASE: add(0, 0) -> i32=0
  // CASE: add(4294967297, 1) -> i32=2
  vm.export @add
  vm.func @add(%a: i32, %b: i32) -> i32 {
    %r = vm.add.i32 %a, %b : i32
    vm.return %r : i32
  }
  // CASE: sub(1, 2) -> i32=-1
  // CASE: sub(-2147483648, 1) -> i32=2147483647
  // CASE: sub(2147483647, -1) -> i32=-2147483648
  // CASE: sub(0, -2147483648) -> i32=-2147483648
  // CASE: sub(-5, -5) -> i32=0
  vm.export @sub
  vm.func @sub(%a: i32, %b: i32) -> i32 {
    %r = vm.sub.i32 %a, %b : i32
    vm.return %r : i32
  }
  // CASE: mul(6, 7) -> i32=42
  // CASE: mul(2147483647, 2) -> i32=-2
  // CASE: mul(-2147483648, -1) -> i32=-2147483648
  // CASE: mul(65536, 65536) -> i32=0
  // CASE: mul(-3, 5) -> i32=-15
  // CASE: mul(46341, 46341) -> i32=-2147479015
  vm.export @mul
  vm.func @mul(%a: i32, %b: i32) -> i32 {
    %r = vm.mul.i32 %a, %b : i32
    vm.return %r : i32
  }
  // CASE: div_s(7, 2) -> i32=3
  // CASE: div_s(-7, 2) -> i32=-3
  // CASE: div_s(7, -2) -> i32=-3
  // CASE: div_s(-7, -2) -> i32=3
  // CASE: div_s(-2147483648, 1) -> i32=-2147483648
  // CASE: div_s(-2147483648, 2) -> i32=-1073741824
  // CASE: div_s(0, -5) -> i32=0
  // CASE: div_s(2147483647, -2147483648) -> i32=0
  // CRASH: div_s(1, 0)
  // CRASH: div_s(-2147483648, -1)
  vm.export @div_s
  vm.func @div_s(%a: i32, %b: i32) -> i32 {
    %r = vm.div.i32.s %a, %b : i32
    vm.return %r : i32
  }
  // CASE: div_u(7, 2) -> i32=3
  // CASE: div_u(-1, 2) -> i32=2147483647
  // CASE: div_u(-2147483648, -1) -> i32=0
  // CASE: div_u(-7, -2) -> i32=0
  // CASE: div_u(5, -1) -> i32=0
  // CRASH: div_u(1, 0)
  vm.export @div_u
  vm.func @div_u(%a: i32, %b: i32) -> i32 {
    %r = vm.div.i32.u %a, %b : i32
    vm.return %r : i32
  }
  // CASE: rem_s(7, 2) -> i32=1
  // CASE: rem_s(-7, 2) -> i32=-1
  // CASE: rem_s(7, -2) -> i32=1
  // CASE: rem_s(-7, -2) -> i32=-1
  // CASE: rem_s(-2147483648, 3) -> i32=-2
  // CASE: rem_s(2147483647, -2147483648) -> i32=2147483647
  // CASE: rem_s(-2147483648, 2147483647) -> i32=-1
  // CRASH: rem_s(1, 0)
  // CRASH: rem_s(-2147483648, -1)
  vm.export @rem_s
  vm.func @rem_s(%a: i32, %b: i32) -> i32 {
    %r = vm.rem.i32.s %a, %b : i32
    vm.return %r : i32
  }
  // CASE: rem_u(7, 2) -> i32=1
  // CASE: rem_u(-1, 10) -> i32=5
  // CASE: rem_u(-2147483648, -1) -> i32=-2147483648
  // CASE: rem_u(-7, 3) -> i32=0
  // CASE: rem_u(3, -1) -> i32=3
  // CRASH: rem_u(5, 0)
  vm.export @rem_u
  vm.func @rem_u(%a: i32, %b: i32) -> i32 {
    %r = vm.rem.i32.u %a, %b : i32
    vm.return %r : i32
  }
  // CASE: fma(2, 3, 4) -> i32=10
  // CASE: fma(2147483647, 2, 2) -> i32=0
  // CASE: fma(-1, -1, -1) -> i32=0
  // CASE: fma(-2147483648, -1, 0) -> i32=-2147483648
  // CASE: fma(65536, 65536, 7) -> i32=7
  vm.export @fma
  vm.func @fma(%a: i32, %b: i32, %c: i32) -> i32 {
    %r = vm.fma.i32 %a, %b, %c : i32
    vm.return %r : i32
  }
  // CASE: abs(5) -> i32=5
  // CASE: abs(-5) -> i32=5
  // CASE: abs(0) -> i32=0
  // CASE: abs(-2147483648) -> i32=-2147483648
  // CASE: abs(2147483647) -> i32=2147483647
  // CASE: abs(-1) -> i32=1
  vm.export @abs
  vm.func @abs(%a: i32) -> i32 {
    %r = vm.abs.i32 %a : i32
    vm.return %r : i32
  }
  // CASE: min_s(1, 2) -> i32=1
  // CASE: min_s(-1, 1) -> i32=-1
  // CASE: min_s(-2147483648, 2147483647) -> i32=-2147483648
  // CASE: min_s(3, 3) -> i32=3
  vm.export @min_s
  vm.func @min_s(%a: i32, %b: i32) -> i32 {
    %r = vm.min.i32.s %a, %b : i32
    vm.return %r : i32
  }
  // CASE: min_u(1, 2) -> i32=1
  // CASE: min_u(-1, 1) -> i32=1
  // CASE: min_u(-2147483648, 2147483647) -> i32=2147483647
  // CASE: min_u(0, -1) -> i32=0
  vm.export @min_u
  vm.func @min_u(%a: i32, %b: i32) -> i32 {
    %r = vm.min.i32.u %a, %b : i32
    vm.return %r : i32
  }
  // CASE: max_s(1, 2) -> i32=2
  // CASE: max_s(-1, 1) -> i32=1
  // CASE: max_s(-2147483648, 2147483647) -> i32=2147483647
  // CASE: max_s(3, 3) -> i32=3
  vm.export @max_s
  vm.func @max_s(%a: i32, %b: i32) -> i32 {
    %r = vm.max.i32.s %a, %b : i32
    vm.return %r : i32
  }
  // CASE: max_u(1, 2) -> i32=2
  // CASE: max_u(-1, 1) -> i32=-1
  // CASE: max_u(-2147483648, 2147483647) -> i32=-2147483648
  // CASE: max_u(0, -1) -> i32=-1
  vm.export @max_u
  vm.func @max_u(%a: i32, %b: i32) -> i32 {
    %r = vm.max.i32.u %a, %b : i32
    vm.return %r : i32
  }
  // const.i32 / const.i32.zero: a + 0x7FFFFFFF, a * 0 (kept apart by the optimization barrier).
  // CASE: consts(0) -> i32=2147483647, i32=2147483647
  // CASE: consts(1) -> i32=-2147483648, i32=0
  // CASE: consts(-1) -> i32=2147483646, i32=0
  vm.export @consts
  vm.func @consts(%a: i32) -> (i32, i32) {
    %big = vm.const.i32 2147483647
    %zero = vm.const.i32.zero
    %zb = vm.optimization_barrier %zero : i32
    %r0 = vm.add.i32 %a, %big : i32
    %r1 = vm.select.i32 %a, %zb, %big : i32
    vm.return %r0, %r1 : i32, i32
  }
}
