// Integer truncation and extension (i8/i16 values live in i32 registers).
vm.module @conversion_int {
  // CASE: trunc_i32_i8(255) -> i32=255
  // CASE: trunc_i32_i8(256) -> i32=0
  // CASE: trunc_i32_i8(-1) -> i32=255
  // CASE: trunc_i32_i8(305419904) -> i32=128
  // CASE: trunc_i32_i8(-128) -> i32=128
  vm.export @trunc_i32_i8
  vm.func @trunc_i32_i8(%a: i32) -> i32 {
    %r = vm.trunc.i32.i8 %a : i32 -> i32
    vm.return %r : i32
  }

  // CASE: trunc_i32_i16(65535) -> i32=65535
  // CASE: trunc_i32_i16(65536) -> i32=0
  // CASE: trunc_i32_i16(-1) -> i32=65535
  // CASE: trunc_i32_i16(305430528) -> i32=32768
  vm.export @trunc_i32_i16
  vm.func @trunc_i32_i16(%a: i32) -> i32 {
    %r = vm.trunc.i32.i16 %a : i32 -> i32
    vm.return %r : i32
  }

  // CASE: trunc_i64_i32(4294967297) -> i32=1
  // CASE: trunc_i64_i32(-1) -> i32=-1
  // CASE: trunc_i64_i32(-9223372036854775808) -> i32=0
  // CASE: trunc_i64_i32(1311768467015204864) -> i32=-2147483648
  vm.export @trunc_i64_i32
  vm.func @trunc_i64_i32(%a: i64) -> i32 {
    %r = vm.trunc.i64.i32 %a : i64 -> i32
    vm.return %r : i32
  }

  // CASE: ext_i8_i32_s(127) -> i32=127
  // CASE: ext_i8_i32_s(128) -> i32=-128
  // CASE: ext_i8_i32_s(255) -> i32=-1
  // CASE: ext_i8_i32_s(305419903) -> i32=127
  // CASE: ext_i8_i32_s(-129) -> i32=127
  vm.export @ext_i8_i32_s
  vm.func @ext_i8_i32_s(%a: i32) -> i32 {
    %r = vm.ext.i8.i32.s %a : i32 -> i32
    vm.return %r : i32
  }

  // CASE: ext_i8_i32_u(127) -> i32=127
  // CASE: ext_i8_i32_u(128) -> i32=128
  // CASE: ext_i8_i32_u(-1) -> i32=255
  // CASE: ext_i8_i32_u(305419904) -> i32=128
  vm.export @ext_i8_i32_u
  vm.func @ext_i8_i32_u(%a: i32) -> i32 {
    %r = vm.ext.i8.i32.u %a : i32 -> i32
    vm.return %r : i32
  }

  // CASE: ext_i16_i32_s(32767) -> i32=32767
  // CASE: ext_i16_i32_s(32768) -> i32=-32768
  // CASE: ext_i16_i32_s(65535) -> i32=-1
  // CASE: ext_i16_i32_s(305430528) -> i32=-32768
  vm.export @ext_i16_i32_s
  vm.func @ext_i16_i32_s(%a: i32) -> i32 {
    %r = vm.ext.i16.i32.s %a : i32 -> i32
    vm.return %r : i32
  }

  // CASE: ext_i16_i32_u(32767) -> i32=32767
  // CASE: ext_i16_i32_u(-1) -> i32=65535
  // CASE: ext_i16_i32_u(305430528) -> i32=32768
  vm.export @ext_i16_i32_u
  vm.func @ext_i16_i32_u(%a: i32) -> i32 {
    %r = vm.ext.i16.i32.u %a : i32 -> i32
    vm.return %r : i32
  }

  // CASE: ext_i32_i64_s(1) -> i64=1
  // CASE: ext_i32_i64_s(-1) -> i64=-1
  // CASE: ext_i32_i64_s(-2147483648) -> i64=-2147483648
  // CASE: ext_i32_i64_s(2147483647) -> i64=2147483647
  vm.export @ext_i32_i64_s
  vm.func @ext_i32_i64_s(%a: i32) -> i64 {
    %r = vm.ext.i32.i64.s %a : i32 -> i64
    vm.return %r : i64
  }

  // CASE: ext_i32_i64_u(1) -> i64=1
  // CASE: ext_i32_i64_u(-1) -> i64=4294967295
  // CASE: ext_i32_i64_u(-2147483648) -> i64=2147483648
  // CASE: ext_i32_i64_u(2147483647) -> i64=2147483647
  vm.export @ext_i32_i64_u
  vm.func @ext_i32_i64_u(%a: i32) -> i64 {
    %r = vm.ext.i32.i64.u %a : i32 -> i64
    vm.return %r : i64
  }
}
