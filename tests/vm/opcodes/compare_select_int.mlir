// Integer comparisons (result 0/1), select and switch for i32 / i64.
vm.module @compare_select_int {
  // CASE: cmp_eq_i32(1, 2) -> i32=0
  // CASE: cmp_eq_i32(2, 1) -> i32=0
  // CASE: cmp_eq_i32(3, 3) -> i32=1
  // CASE: cmp_eq_i32(-1, 1) -> i32=0
  // CASE: cmp_eq_i32(-2147483648, 2147483647) -> i32=0
  // CASE: cmp_eq_i32(2147483647, -2147483648) -> i32=0
  // CASE: cmp_eq_i32(0, -1) -> i32=0
  vm.export @cmp_eq_i32
  vm.func @cmp_eq_i32(%a: i32, %b: i32) -> i32 {
    %r = vm.cmp.eq.i32 %a, %b : i32
    vm.return %r : i32
  }

  // CASE: cmp_ne_i32(1, 2) -> i32=1
  // CASE: cmp_ne_i32(2, 1) -> i32=1
  // CASE: cmp_ne_i32(3, 3) -> i32=0
  // CASE: cmp_ne_i32(-1, 1) -> i32=1
  // CASE: cmp_ne_i32(-2147483648, 2147483647) -> i32=1
  // CASE: cmp_ne_i32(2147483647, -2147483648) -> i32=1
  // CASE: cmp_ne_i32(0, -1) -> i32=1
  vm.export @cmp_ne_i32
  vm.func @cmp_ne_i32(%a: i32, %b: i32) -> i32 {
    %r = vm.cmp.ne.i32 %a, %b : i32
    vm.return %r : i32
  }

  // CASE: cmp_lt_s_i32(1, 2) -> i32=1
  // CASE: cmp_lt_s_i32(2, 1) -> i32=0
  // CASE: cmp_lt_s_i32(3, 3) -> i32=0
  // CASE: cmp_lt_s_i32(-1, 1) -> i32=1
  // CASE: cmp_lt_s_i32(-2147483648, 2147483647) -> i32=1
  // CASE: cmp_lt_s_i32(2147483647, -2147483648) -> i32=0
  // CASE: cmp_lt_s_i32(0, -1) -> i32=0
  vm.export @cmp_lt_s_i32
  vm.func @cmp_lt_s_i32(%a: i32, %b: i32) -> i32 {
    %r = vm.cmp.lt.i32.s %a, %b : i32
    vm.return %r : i32
  }

  // CASE: cmp_lt_u_i32(1, 2) -> i32=1
  // CASE: cmp_lt_u_i32(2, 1) -> i32=0
  // CASE: cmp_lt_u_i32(3, 3) -> i32=0
  // CASE: cmp_lt_u_i32(-1, 1) -> i32=0
  // CASE: cmp_lt_u_i32(-2147483648, 2147483647) -> i32=0
  // CASE: cmp_lt_u_i32(2147483647, -2147483648) -> i32=1
  // CASE: cmp_lt_u_i32(0, -1) -> i32=1
  vm.export @cmp_lt_u_i32
  vm.func @cmp_lt_u_i32(%a: i32, %b: i32) -> i32 {
    %r = vm.cmp.lt.i32.u %a, %b : i32
    vm.return %r : i32
  }

  // CASE: cmp_nz_i32(0) -> i32=0
  // CASE: cmp_nz_i32(1) -> i32=1
  // CASE: cmp_nz_i32(-1) -> i32=1
  // CASE: cmp_nz_i32(-2147483648) -> i32=1
  vm.export @cmp_nz_i32
  vm.func @cmp_nz_i32(%a: i32) -> i32 {
    %r = vm.cmp.nz.i32 %a : i32
    vm.return %r : i32
  }

  // CASE: cmp_eq_i64(1, 2) -> i32=0
  // CASE: cmp_eq_i64(2, 1) -> i32=0
  // CASE: cmp_eq_i64(3, 3) -> i32=1
  // CASE: cmp_eq_i64(-1, 1) -> i32=0
  // CASE: cmp_eq_i64(-9223372036854775808, 9223372036854775807) -> i32=0
  // CASE: cmp_eq_i64(9223372036854775807, -9223372036854775808) -> i32=0
  // CASE: cmp_eq_i64(0, -1) -> i32=0
  // CASE: cmp_eq_i64(4294967296, 0) -> i32=0
  // CASE: cmp_eq_i64(-4294967296, 4294967296) -> i32=0
  vm.export @cmp_eq_i64
  vm.func @cmp_eq_i64(%a: i64, %b: i64) -> i32 {
    %r = vm.cmp.eq.i64 %a, %b : i64
    vm.return %r : i32
  }

  // CASE: cmp_ne_i64(1, 2) -> i32=1
  // CASE: cmp_ne_i64(2, 1) -> i32=1
  // CASE: cmp_ne_i64(3, 3) -> i32=0
  // CASE: cmp_ne_i64(-1, 1) -> i32=1
  // CASE: cmp_ne_i64(-9223372036854775808, 9223372036854775807) -> i32=1
  // CASE: cmp_ne_i64(9223372036854775807, -9223372036854775808) -> i32=1
  // CASE: cmp_ne_i64(0, -1) -> i32=1
  // CASE: cmp_ne_i64(4294967296, 0) -> i32=1
  // CASE: cmp_ne_i64(-4294967296, 4294967296) -> i32=1
  vm.export @cmp_ne_i64
  vm.func @cmp_ne_i64(%a: i64, %b: i64) -> i32 {
    %r = vm.cmp.ne.i64 %a, %b : i64
    vm.return %r : i32
  }

  // CASE: cmp_lt_s_i64(1, 2) -> i32=1
  // CASE: cmp_lt_s_i64(2, 1) -> i32=0
  // CASE: cmp_lt_s_i64(3, 3) -> i32=0
  // CASE: cmp_lt_s_i64(-1, 1) -> i32=1
  // CASE: cmp_lt_s_i64(-9223372036854775808, 9223372036854775807) -> i32=1
  // CASE: cmp_lt_s_i64(9223372036854775807, -9223372036854775808) -> i32=0
  // CASE: cmp_lt_s_i64(0, -1) -> i32=0
  // CASE: cmp_lt_s_i64(4294967296, 0) -> i32=0
  // CASE: cmp_lt_s_i64(-4294967296, 4294967296) -> i32=1
  vm.export @cmp_lt_s_i64
  vm.func @cmp_lt_s_i64(%a: i64, %b: i64) -> i32 {
    %r = vm.cmp.lt.i64.s %a, %b : i64
    vm.return %r : i32
  }

  // CASE: cmp_lt_u_i64(1, 2) -> i32=1
  // CASE: cmp_lt_u_i64(2, 1) -> i32=0
  // CASE: cmp_lt_u_i64(3, 3) -> i32=0
  // CASE: cmp_lt_u_i64(-1, 1) -> i32=0
  // CASE: cmp_lt_u_i64(-9223372036854775808, 9223372036854775807) -> i32=0
  // CASE: cmp_lt_u_i64(9223372036854775807, -9223372036854775808) -> i32=1
  // CASE: cmp_lt_u_i64(0, -1) -> i32=1
  // CASE: cmp_lt_u_i64(4294967296, 0) -> i32=0
  // CASE: cmp_lt_u_i64(-4294967296, 4294967296) -> i32=0
  vm.export @cmp_lt_u_i64
  vm.func @cmp_lt_u_i64(%a: i64, %b: i64) -> i32 {
    %r = vm.cmp.lt.i64.u %a, %b : i64
    vm.return %r : i32
  }

  // CASE: cmp_nz_i64(0) -> i32=0
  // CASE: cmp_nz_i64(1) -> i32=1
  // CASE: cmp_nz_i64(-1) -> i32=1
  // CASE: cmp_nz_i64(-9223372036854775808) -> i32=1
  // CASE: cmp_nz_i64(4294967296) -> i32=1
  vm.export @cmp_nz_i64
  vm.func @cmp_nz_i64(%a: i64) -> i32 {
    %r = vm.cmp.nz.i64 %a : i64
    vm.return %r : i32
  }

  // CASE: select_i32(0, 5, 6) -> i32=6
  // CASE: select_i32(1, 5, 6) -> i32=5
  // CASE: select_i32(-2147483648, 5, 6) -> i32=5
  vm.export @select_i32
  vm.func @select_i32(%c: i32, %a: i32, %b: i32) -> i32 {
    %r = vm.select.i32 %c, %a, %b : i32
    vm.return %r : i32
  }

  // CASE: select_i64(0, 4294967296, -1) -> i64=-1
  // CASE: select_i64(7, 4294967296, -1) -> i64=4294967296
  vm.export @select_i64
  vm.func @select_i64(%c: i32, %a: i64, %b: i64) -> i64 {
    %r = vm.select.i64 %c, %a, %b : i64
    vm.return %r : i64
  }

  // switch.i32: index in [0, 3) picks a case, anything else (incl. negative) the default.
  // CASE: switch_i32(0, 99) -> i32=100
  // CASE: switch_i32(1, 99) -> i32=-200
  // CASE: switch_i32(2, 99) -> i32=300
  // CASE: switch_i32(3, 99) -> i32=99
  // CASE: switch_i32(-1, 99) -> i32=99
  // CASE: switch_i32(2147483647, 99) -> i32=99
  vm.export @switch_i32
  vm.func @switch_i32(%i: i32, %d: i32) -> i32 {
    %c100 = vm.const.i32 100
    %c200 = vm.const.i32 -200
    %c300 = vm.const.i32 300
    %r = vm.switch.i32 %i[%c100, %c200, %c300] else %d : i32
    vm.return %r : i32
  }

  // switch.i64: case values that need 64 bits.  Quirk (iree-inline-abi.md 2.15): 3.13 reads the
  // selected case as the low 32 bits of its register pair, sign-extended; the default in full.
  // CASE: switch_i64(0, 81985529216486895) -> i64=5
  // CASE: switch_i64(1, 81985529216486895) -> i64=-2
  // CASE: switch_i64(2, 81985529216486895) -> i64=-2147483648
  // CASE: switch_i64(3, 81985529216486895) -> i64=81985529216486895
  // CASE: switch_i64(-5, 81985529216486895) -> i64=81985529216486895
  vm.export @switch_i64
  vm.func @switch_i64(%i: i32, %d: i64) -> i64 {
    %c0 = vm.const.i64 4294967301
    %c1 = vm.const.i64 -2
    %c2 = vm.const.i64 2147483648
    %r = vm.switch.i64 %i[%c0, %c1, %c2] else %d : i64
    vm.return %r : i64
  }
}
