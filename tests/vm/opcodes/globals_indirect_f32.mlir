// 3.13 COMPILER BUG: vm.global.load.indirect.f32 is encoded with the EXT_F64 prefix (bytes E1 02,
// i.e. vm.global.load.indirect.f64) and an ODD result register pair (%i1:2 in iree-dump-module).
// The 3.13 runtime accepts the module, executes an 8-byte f64 global load into i32 slots 1..2,
// and bounds-checks it as if it were 4 bytes wide.  Only slot 1 (the 4 bytes at the offset) is
// observable here.  Kept in its own file so that a loader which rejects odd 64-bit register
// ordinals only fails these cases.
vm.module @globals_indirect_f32 {
  vm.global.f32 private mutable @a = 1.5 : f32
  vm.global.f32 private mutable @b = -2.0 : f32
  vm.global.i32 private mutable @c = 7 : i32
  vm.global.i32 private mutable @d = 9 : i32

  // rwdata layout: a @0, b @4, c @8, d @12 (all read directly below so they are kept).
  // CASE: load_indirect_f32(0) -> f32=1.5, i32=1069547520, f32=1.5, f32=-2, i32=7, i32=9
  // CASE: load_indirect_f32(4) -> f32=-2, i32=-1073741824, f32=1.5, f32=-2, i32=7, i32=9
  // CASE: load_indirect_f32(8) -> f32=9.80909e-45, i32=7, f32=1.5, f32=-2, i32=7, i32=9
  vm.export @load_indirect_f32
  vm.func @load_indirect_f32(%p: i32) -> (f32, i32, f32, f32, i32, i32) {
    %r = vm.global.load.indirect.f32 %p : i32 -> f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    %a = vm.global.load.f32 @a : f32
    %b = vm.global.load.f32 @b : f32
    %c = vm.global.load.i32 @c : i32
    %d = vm.global.load.i32 @d : i32
    vm.return %r, %bits, %a, %b, %c, %d : f32, i32, f32, f32, i32, i32
  }
}
