// Globals of every type: direct and indirect loads/stores, initial values (stored by __init),
// and ref globals.  Each iree-run-module invocation gets a fresh context, so state never leaks.
vm.module @globals {
  vm.global.i32 private mutable @g_i32 = 7 : i32
  vm.global.i32 private mutable @g_i32_b = -3 : i32
  vm.global.i64 private mutable @g_i64 = 81985529216486895 : i64
  vm.global.f32 private mutable @g_f32 = 1.5 : f32
  vm.global.f64 private mutable @g_f64 = -2.25 : f64
  vm.global.i32 private mutable @g_zero : i32
  vm.global.ref private mutable @g_ref : !vm.buffer
  vm.global.ref private mutable @g_ref_b : !vm.buffer
  vm.rodata private @ro_a dense<[1, 2, 3]> : tensor<3xi8>
  vm.rodata private @ro_b dense<[1, 2, 3, 4, 5]> : tensor<5xi32>

  // Initial values come from the compiler-generated __init; uninitialised globals are zero.
  // CASE: initial() -> i32=7, i64=81985529216486895, f32=1.5, f64=-2.25, i32=0, i32=-3
  vm.export @initial
  vm.func @initial() -> (i32, i64, f32, f64, i32, i32) {
    %a = vm.global.load.i32 @g_i32 : i32
    %b = vm.global.load.i64 @g_i64 : i64
    %c = vm.global.load.f32 @g_f32 : f32
    %d = vm.global.load.f64 @g_f64 : f64
    %e = vm.global.load.i32 @g_zero : i32
    %f = vm.global.load.i32 @g_i32_b : i32
    vm.return %a, %b, %c, %d, %e, %f : i32, i64, f32, f64, i32, i32
  }

  // Store then load back through a non-inlined helper (so the store is not forwarded).
  // CASE: roundtrip(42, -1, 0.1, 1e300) -> i32=42, i64=-1, f32=0.1, f64=1e+300, i32=1036831949
  // CASE: roundtrip(-2147483648, -9223372036854775808, -0, nan) -> i32=-2147483648, i64=-9223372036854775808, f32=-0, f64=nan, i32=-2147483648
  vm.export @roundtrip
  vm.func @roundtrip(%a: i32, %b: i64, %c: f32, %d: f64) -> (i32, i64, f32, f64, i32) {
    vm.global.store.i32 %a, @g_i32 : i32
    vm.global.store.i64 %b, @g_i64 : i64
    vm.global.store.f32 %c, @g_f32 : f32
    vm.global.store.f64 %d, @g_f64 : f64
    %r:5 = vm.call @load_all() : () -> (i32, i64, f32, f64, i32)
    vm.return %r#0, %r#1, %r#2, %r#3, %r#4 : i32, i64, f32, f64, i32
  }
  vm.func private @load_all() -> (i32, i64, f32, f64, i32) attributes {inlining_policy = #util.inline.never} {
    %a = vm.global.load.i32 @g_i32 : i32
    %b = vm.global.load.i64 @g_i64 : i64
    %c = vm.global.load.f32 @g_f32 : f32
    %d = vm.global.load.f64 @g_f64 : f64
    %cbits = vm.bitcast.f32.i32 %c : f32 -> i32
    vm.return %a, %b, %c, %d, %cbits : i32, i64, f32, f64, i32
  }

  // Indirect access.  vm.global.address is not serializable in 3.13 (and loads of a constant
  // address fold to direct loads), so byte offsets / ref ordinals come from the caller.
  // The layout chosen by the compiler is visible in iree-dump-module.
  // CASE: indirect_i32(0, 11) -> i32=7, i32=11, i32=-3
  // CASE: indirect_i32(4, 11) -> i32=-3, i32=7, i32=11
  // CASE: indirect_i32(12, 11) -> i32=0, i32=7, i32=-3
  vm.export @indirect_i32
  vm.func @indirect_i32(%p: i32, %v: i32) -> (i32, i32, i32) {
    %old = vm.global.load.indirect.i32 %p : i32 -> i32
    vm.global.store.indirect.i32 %v, %p : i32 -> i32
    %a = vm.global.load.i32 @g_i32 : i32
    %b = vm.global.load.i32 @g_i32_b : i32
    vm.return %old, %a, %b : i32, i32, i32
  }

  // Raw byte offsets from the caller: in range (reading whatever global lives there) and out of range.
  // CASE: load_at_i32(0) -> i32=7
  // ERROR: load_at_i32(4096) -> OUT_OF_RANGE; global byte_offset out of range: 4096
  // A negative offset passes IREE's bounds check and crashes it (SIGSEGV): vmvxjit must report an error.
  // CRASH: load_at_i32(-4)
  vm.export @load_at_i32
  vm.func @load_at_i32(%off: i32) -> i32 {
    %r = vm.global.load.indirect.i32 %off : i32 -> i32
    vm.return %r : i32
  }

  // ERROR: store_at_i64(4096, 1) -> OUT_OF_RANGE; global byte_offset out of range: 4096
  vm.export @store_at_i64
  vm.func @store_at_i64(%off: i32, %v: i64) {
    vm.global.store.indirect.i64 %v, %off : i64 -> i32
    vm.return
  }

  // 64-bit and float globals through offsets (the i64/f64 globals are 8-byte aligned).
  // rwdata layout (from iree-dump-module): g_i32 @0, g_i32_b @4, g_f32 @8, g_zero @12, g_i64 @16, g_f64 @24.
  // CASE: indirect_wide(16, 8, 24, -5, 2.5, 0.125) -> i64=81985529216486895, f64=-2.25, i64=-5, f32=2.5, f64=0.125
  // CASE: indirect_wide(0, 4, 8, -5, 2.5, 0.125) -> i64=-12884901881, f64=5.28427e-315, i64=81985529216486895, f32=0, f64=-2.25
  vm.export @indirect_wide
  vm.func @indirect_wide(%pb: i32, %pc: i32, %pd: i32, %b: i64, %c: f32, %d: f64) -> (i64, f64, i64, f32, f64) {
    %ob = vm.global.load.indirect.i64 %pb : i32 -> i64
    %od = vm.global.load.indirect.f64 %pd : i32 -> f64
    vm.global.store.indirect.i64 %b, %pb : i64 -> i32
    vm.global.store.indirect.f32 %c, %pc : f32 -> i32
    vm.global.store.indirect.f64 %d, %pd : f64 -> i32
    %nb = vm.global.load.i64 @g_i64 : i64
    %nc = vm.global.load.f32 @g_f32 : f32
    %nd = vm.global.load.f64 @g_f64 : f64
    vm.return %ob, %od, %nb, %nc, %nd : i64, f64, i64, f32, f64
  }

  // Ref globals start null; store a rodata buffer (directly, and indirectly by ordinal) and read back.
  // CASE: ref_global(0, 0) -> i32=0, i32=1, i32=1, i64=3, i32=0, i32=0
  // CASE: ref_global(1, 0) -> i32=0, i32=0, i32=1, i64=3, i32=0, i32=1
  // CASE: ref_global(1, 1) -> i32=0, i32=0, i32=0, i64=3, i32=1, i32=1
  vm.export @ref_global
  vm.func @ref_global(%which: i32, %p: i32) -> (i32, i32, i32, i64, i32, i32) {
    %initial = vm.global.load.ref @g_ref : !vm.buffer
    %was_set = vm.cmp.nz.ref %initial : !vm.buffer
    %a = vm.const.ref.rodata @ro_a : !vm.buffer
    %b = vm.const.ref.rodata @ro_b : !vm.buffer
    %buf = vm.select.ref %which, %b, %a : !vm.buffer
    vm.global.store.ref %buf, @g_ref : !vm.buffer
    %back = vm.call @load_ref() : () -> !vm.buffer
    %same = vm.cmp.eq.ref %back, %a : !vm.buffer
    vm.global.store.indirect.ref %a, %p : !vm.buffer -> i32
    %back_i = vm.global.load.indirect.ref %p : i32 -> !vm.buffer
    %len = vm.buffer.length %back_i : !vm.buffer -> i64
    %g0 = vm.global.load.ref @g_ref : !vm.buffer
    %g1 = vm.global.load.ref @g_ref_b : !vm.buffer
    %g0_is_a = vm.cmp.eq.ref %g0, %a : !vm.buffer
    %g1_is_a = vm.cmp.eq.ref %g1, %a : !vm.buffer
    vm.return %was_set, %same, %g0_is_a, %len, %g1_is_a, %which : i32, i32, i32, i64, i32, i32
  }
  vm.func private @load_ref() -> !vm.buffer attributes {inlining_policy = #util.inline.never} {
    %r = vm.global.load.ref @g_ref : !vm.buffer
    vm.return %r : !vm.buffer
  }

  // Ref global ordinal out of range.
  // ERROR: load_ref_at(100) -> OUT_OF_RANGE; global ref ordinal out of range: 100
  vm.export @load_ref_at
  vm.func @load_ref_at(%ordinal: i32) -> i32 {
    %r = vm.global.load.indirect.ref %ordinal : i32 -> !vm.buffer
    %nz = vm.cmp.nz.ref %r : !vm.buffer
    vm.return %nz : i32
  }
}
