// Internal calls: mixed i32/i64/f32/f64/ref arguments and results, multiple results, no results,
// call chains.  3.13 places arguments in the callee frame by the callee's calling convention (64-bit
// values in even-aligned register pairs), see iree-inline-abi.md 2.6.  (No recursion: see chain.)
vm.module @calls {
  vm.rodata private @ro_a dense<[1, 2, 3]> : tensor<3xi8>

  // (i32, i64, i32, i64) -> (i32, i64, i64) with values that need all 64 bits.
  // CASE: mixed(1, 4294967298, 3, -81985529216486896) -> i32=4, i64=4294967301, i64=-81985524921519598
  // CASE: mixed(-1, -1, -2147483648, 9223372036854775807) -> i32=2147483647, i64=-2147483649, i64=-9223372036854775808
  vm.export @mixed
  vm.func @mixed(%a: i32, %b: i64, %c: i32, %d: i64) -> (i32, i64, i64) {
    %r:3 = vm.call @mixed_callee(%a, %b, %c, %d) : (i32, i64, i32, i64) -> (i32, i64, i64)
    vm.return %r#0, %r#1, %r#2 : i32, i64, i64
  }
  vm.func private @mixed_callee(%a: i32, %b: i64, %c: i32, %d: i64) -> (i32, i64, i64) attributes {inlining_policy = #util.inline.never} {
    %s = vm.add.i32 %a, %c : i32
    %ce = vm.ext.i32.i64.s %c : i32 -> i64
    %p = vm.add.i64 %b, %ce : i64
    %q = vm.xor.i64 %d, %b : i64
    vm.return %s, %p, %q : i32, i64, i64
  }

  // Floats of both widths interleaved with integers, and results in a different order.
  // CASE: floats(1.5, 7, 0.1, -2) -> f64=1.6, i32=49, f32=1.5, i64=-2, f64=-2
  vm.export @floats
  vm.func @floats(%a: f32, %b: i32, %c: f64, %d: i64) -> (f64, i32, f32, i64, f64) {
    %r:5 = vm.call @floats_callee(%a, %b, %c, %d) : (f32, i32, f64, i64) -> (f64, i32, f32, i64, f64)
    vm.return %r#0, %r#1, %r#2, %r#3, %r#4 : f64, i32, f32, i64, f64
  }
  vm.func private @floats_callee(%a: f32, %b: i32, %c: f64, %d: i64) -> (f64, i32, f32, i64, f64) attributes {inlining_policy = #util.inline.never} {
    %ad = vm.ext.f32.f64 %a : f32 -> f64
    %s = vm.add.f64 %ad, %c : f64
    %bb = vm.mul.i32 %b, %b : i32
    %dd = vm.cast.si64.f64 %d : i64 -> f64
    vm.return %s, %bb, %a, %d, %dd : f64, i32, f32, i64, f64
  }

  // Refs and scalars mixed; a call with no results; a call chain.
  // CASE: refs_and_scalars(5) -> i64=3, i32=25
  vm.export @refs_and_scalars
  vm.func @refs_and_scalars(%k: i32) -> (i64, i32) {
    %a = vm.const.ref.rodata @ro_a : !vm.buffer
    vm.call @no_results(%k) : (i32) -> ()
    %r:2 = vm.call @ref_callee(%k, %a, %k) : (i32, !vm.buffer, i32) -> (!vm.buffer, i32)
    %len = vm.buffer.length %r#0 : !vm.buffer -> i64
    vm.return %len, %r#1 : i64, i32
  }
  vm.func private @ref_callee(%x: i32, %b: !vm.buffer, %y: i32) -> (!vm.buffer, i32) attributes {inlining_policy = #util.inline.never} {
    %s = vm.mul.i32 %x, %y : i32
    vm.return %b, %s : !vm.buffer, i32
  }
  vm.func private @no_results(%x: i32) attributes {inlining_policy = #util.inline.never} {
    vm.return
  }

  // A chain of distinct functions carrying i64/f64 values down and back up.
  // NOTE: recursion cannot be tested: iree-compile 3.13 hangs (in iree-util-verify-initialization-order)
  // on any self- or mutually-recursive vm.func (and on recursive func.func input as well).
  // CASE: chain(3) -> i64=8589934589, f64=3.25, i32=31
  // CASE: chain(-2147483648) -> i64=10737418240, f64=-2.14748e+09, i32=1
  vm.export @chain
  vm.func @chain(%n: i32) -> (i64, f64, i32) {
    %big = vm.const.i64 4294967296
    %h = vm.const.f64 0.5
    %r:3 = vm.call @chain1(%n, %big, %h) : (i32, i64, f64) -> (i64, f64, i32)
    vm.return %r#0, %r#1, %r#2 : i64, f64, i32
  }
  vm.func private @chain1(%n: i32, %a: i64, %f: f64) -> (i64, f64, i32) attributes {inlining_policy = #util.inline.never} {
    %a2 = vm.add.i64 %a, %a : i64
    %f2 = vm.mul.f64 %f, %f : f64
    %r:3 = vm.call @chain2(%a2, %n, %f2) : (i64, i32, f64) -> (i64, f64, i32)
    %c1 = vm.const.i32 1
    %n2 = vm.add.i32 %r#2, %c1 : i32
    vm.return %r#0, %r#1, %n2 : i64, f64, i32
  }
  vm.func private @chain2(%a: i64, %n: i32, %f: f64) -> (i64, f64, i32) attributes {inlining_policy = #util.inline.never} {
    %ne = vm.ext.i32.i64.s %n : i32 -> i64
    %s = vm.sub.i64 %a, %ne : i64
    %fd = vm.cast.si64.f64 %ne : i64 -> f64
    %g = vm.add.f64 %f, %fd : f64
    %c10 = vm.const.i32 10
    %m = vm.mul.i32 %n, %c10 : i32
    vm.return %s, %g, %m : i64, f64, i32
  }
}
