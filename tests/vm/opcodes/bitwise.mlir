// not/and/or/xor, shifts (amount is always an i32 register), ctlz; i32 and i64.
vm.module @bitwise {
  // CASE: not32(0) -> i32=-1
  // CASE: not32(-1) -> i32=0
  // CASE: not32(-2147483648) -> i32=2147483647
  // CASE: not32(305419896) -> i32=-305419897
  vm.export @not32
  vm.func @not32(%a: i32) -> i32 {
    %r = vm.not.i32 %a : i32
    vm.return %r : i32
  }

  // CASE: and32(61680, 65280) -> i32=61440
  // CASE: and32(-1, -2147483648) -> i32=-2147483648
  // CASE: and32(5, 3) -> i32=1
  vm.export @and32
  vm.func @and32(%a: i32, %b: i32) -> i32 {
    %r = vm.and.i32 %a, %b : i32
    vm.return %r : i32
  }

  // CASE: or32(61680, 65280) -> i32=65520
  // CASE: or32(0, -2147483648) -> i32=-2147483648
  // CASE: or32(5, 3) -> i32=7
  vm.export @or32
  vm.func @or32(%a: i32, %b: i32) -> i32 {
    %r = vm.or.i32 %a, %b : i32
    vm.return %r : i32
  }

  // CASE: xor32(61680, 65280) -> i32=4080
  // CASE: xor32(-1, -2147483648) -> i32=2147483647
  // CASE: xor32(5, 3) -> i32=6
  vm.export @xor32
  vm.func @xor32(%a: i32, %b: i32) -> i32 {
    %r = vm.xor.i32 %a, %b : i32
    vm.return %r : i32
  }

  // CASE: not64(0) -> i64=-1
  // CASE: not64(-1) -> i64=0
  // CASE: not64(-9223372036854775808) -> i64=9223372036854775807
  // CASE: not64(1311768467463790320) -> i64=-1311768467463790321
  vm.export @not64
  vm.func @not64(%a: i64) -> i64 {
    %r = vm.not.i64 %a : i64
    vm.return %r : i64
  }

  // CASE: and64(1085102592571150095, -1) -> i64=1085102592571150095
  // CASE: and64(-9223372036854775808, -1) -> i64=-9223372036854775808
  // CASE: and64(8589934597, 8589934595) -> i64=8589934593
  vm.export @and64
  vm.func @and64(%a: i64, %b: i64) -> i64 {
    %r = vm.and.i64 %a, %b : i64
    vm.return %r : i64
  }

  // CASE: or64(1085102592318504960, 4042322160) -> i64=1085102596360827120
  // CASE: or64(-9223372036854775808, 1) -> i64=-9223372036854775807
  // CASE: or64(8589934597, 3) -> i64=8589934599
  vm.export @or64
  vm.func @or64(%a: i64, %b: i64) -> i64 {
    %r = vm.or.i64 %a, %b : i64
    vm.return %r : i64
  }

  // CASE: xor64(1085102592571150095, -1) -> i64=-1085102592571150096
  // CASE: xor64(-9223372036854775808, -1) -> i64=9223372036854775807
  // CASE: xor64(8589934597, 8589934595) -> i64=6
  vm.export @xor64
  vm.func @xor64(%a: i64, %b: i64) -> i64 {
    %r = vm.xor.i64 %a, %b : i64
    vm.return %r : i64
  }

  // CASE: ctlz32(0) -> i32=32
  // CASE: ctlz32(1) -> i32=31
  // CASE: ctlz32(-1) -> i32=0
  // CASE: ctlz32(65536) -> i32=15
  // CASE: ctlz32(2147483647) -> i32=1
  vm.export @ctlz32
  vm.func @ctlz32(%a: i32) -> i32 {
    %r = vm.ctlz.i32 %a : i32
    vm.return %r : i32
  }

  // CASE: ctlz64(0) -> i64=64
  // CASE: ctlz64(1) -> i64=63
  // CASE: ctlz64(-1) -> i64=0
  // CASE: ctlz64(4294967296) -> i64=31
  // CASE: ctlz64(4294967295) -> i64=32
  // CASE: ctlz64(9223372036854775807) -> i64=1
  vm.export @ctlz64
  vm.func @ctlz64(%a: i64) -> i64 {
    %r = vm.ctlz.i64 %a : i64
    vm.return %r : i64
  }

  // Shift amounts >= width or negative: the 3.13 runtime takes the amount mod 32 / mod 64.
  // CASE: shl32(1, 0) -> i32=1
  // CASE: shl32(1, 31) -> i32=-2147483648
  // CASE: shl32(1, 32) -> i32=1
  // CASE: shl32(1, 33) -> i32=2
  // CASE: shl32(-1, 1) -> i32=-2
  // CASE: shl32(-2147483648, 31) -> i32=0
  // CASE: shl32(305419896, 4) -> i32=591751040
  // CASE: shl32(305419896, -1) -> i32=0
  // CASE: shl32(305419896, -28) -> i32=591751040
  // CASE: shl32(305419896, 100) -> i32=591751040
  vm.export @shl32
  vm.func @shl32(%a: i32, %b: i32) -> i32 {
    %r = vm.shl.i32 %a, %b : i32
    vm.return %r : i32
  }

  // CASE: shr32_s(1, 0) -> i32=1
  // CASE: shr32_s(1, 31) -> i32=0
  // CASE: shr32_s(1, 32) -> i32=1
  // CASE: shr32_s(1, 33) -> i32=0
  // CASE: shr32_s(-1, 1) -> i32=-1
  // CASE: shr32_s(-2147483648, 31) -> i32=-1
  // CASE: shr32_s(305419896, 4) -> i32=19088743
  // CASE: shr32_s(305419896, -1) -> i32=0
  // CASE: shr32_s(305419896, -28) -> i32=19088743
  // CASE: shr32_s(305419896, 100) -> i32=19088743
  // CASE: shr32_s(-2147483648, 32) -> i32=-2147483648
  // CASE: shr32_s(-2147483648, 1) -> i32=-1073741824
  vm.export @shr32_s
  vm.func @shr32_s(%a: i32, %b: i32) -> i32 {
    %r = vm.shr.i32.s %a, %b : i32
    vm.return %r : i32
  }

  // CASE: shr32_u(1, 0) -> i32=1
  // CASE: shr32_u(1, 31) -> i32=0
  // CASE: shr32_u(1, 32) -> i32=1
  // CASE: shr32_u(1, 33) -> i32=0
  // CASE: shr32_u(-1, 1) -> i32=2147483647
  // CASE: shr32_u(-2147483648, 31) -> i32=1
  // CASE: shr32_u(305419896, 4) -> i32=19088743
  // CASE: shr32_u(305419896, -1) -> i32=0
  // CASE: shr32_u(305419896, -28) -> i32=19088743
  // CASE: shr32_u(305419896, 100) -> i32=19088743
  // CASE: shr32_u(-2147483648, 32) -> i32=-2147483648
  // CASE: shr32_u(-2147483648, 1) -> i32=1073741824
  vm.export @shr32_u
  vm.func @shr32_u(%a: i32, %b: i32) -> i32 {
    %r = vm.shr.i32.u %a, %b : i32
    vm.return %r : i32
  }

  // CASE: shl64(1, 0) -> i64=1
  // CASE: shl64(1, 63) -> i64=-9223372036854775808
  // CASE: shl64(1, 64) -> i64=1
  // CASE: shl64(1, 65) -> i64=2
  // CASE: shl64(-1, 1) -> i64=-2
  // CASE: shl64(-9223372036854775808, 63) -> i64=0
  // CASE: shl64(1311768467463790320, 4) -> i64=2541551405711093504
  // CASE: shl64(1311768467463790320, 32) -> i64=-7296712173873528832
  // CASE: shl64(1311768467463790320, -1) -> i64=0
  // CASE: shl64(1311768467463790320, -60) -> i64=2541551405711093504
  // CASE: shl64(1, 200) -> i64=256
  vm.export @shl64
  vm.func @shl64(%a: i64, %b: i32) -> i64 {
    %r = vm.shl.i64 %a, %b : i64
    vm.return %r : i64
  }

  // CASE: shr64_s(1, 0) -> i64=1
  // CASE: shr64_s(1, 63) -> i64=0
  // CASE: shr64_s(1, 64) -> i64=1
  // CASE: shr64_s(1, 65) -> i64=0
  // CASE: shr64_s(-1, 1) -> i64=-1
  // CASE: shr64_s(-9223372036854775808, 63) -> i64=-1
  // CASE: shr64_s(1311768467463790320, 4) -> i64=81985529216486895
  // CASE: shr64_s(1311768467463790320, 32) -> i64=305419896
  // CASE: shr64_s(1311768467463790320, -1) -> i64=0
  // CASE: shr64_s(1311768467463790320, -60) -> i64=81985529216486895
  // CASE: shr64_s(1, 200) -> i64=0
  // CASE: shr64_s(-9223372036854775808, 64) -> i64=-9223372036854775808
  // CASE: shr64_s(-9223372036854775808, 33) -> i64=-1073741824
  vm.export @shr64_s
  vm.func @shr64_s(%a: i64, %b: i32) -> i64 {
    %r = vm.shr.i64.s %a, %b : i64
    vm.return %r : i64
  }

  // CASE: shr64_u(1, 0) -> i64=1
  // CASE: shr64_u(1, 63) -> i64=0
  // CASE: shr64_u(1, 64) -> i64=1
  // CASE: shr64_u(1, 65) -> i64=0
  // CASE: shr64_u(-1, 1) -> i64=9223372036854775807
  // CASE: shr64_u(-9223372036854775808, 63) -> i64=1
  // CASE: shr64_u(1311768467463790320, 4) -> i64=81985529216486895
  // CASE: shr64_u(1311768467463790320, 32) -> i64=305419896
  // CASE: shr64_u(1311768467463790320, -1) -> i64=0
  // CASE: shr64_u(1311768467463790320, -60) -> i64=81985529216486895
  // CASE: shr64_u(1, 200) -> i64=0
  // CASE: shr64_u(-9223372036854775808, 64) -> i64=-9223372036854775808
  // CASE: shr64_u(-9223372036854775808, 33) -> i64=1073741824
  vm.export @shr64_u
  vm.func @shr64_u(%a: i64, %b: i32) -> i64 {
    %r = vm.shr.i64.u %a, %b : i64
    vm.return %r : i64
  }
}
