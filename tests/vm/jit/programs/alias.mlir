vm.module @alias {
  vm.func private @accumulate(%dst: !vm.buffer, %src: !vm.buffer, %n: i64, %at: i64) attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    vm.br ^head(%c0 : i64)
  ^head(%k: i64):
    %more = vm.cmp.lt.i64.s %k, %n : i64
    vm.cond_br %more, ^body, ^done
  ^body:
    %v = vm.buffer.load.f32 %dst[%at] : !vm.buffer -> f32
    %s = vm.buffer.load.f32 %src[%k] : !vm.buffer -> f32
    %w = vm.add.f32 %v, %s : f32
    vm.buffer.store.f32 %w, %dst[%at] : f32 -> !vm.buffer
    %k1 = vm.add.i64 %k, %c1 : i64
    vm.br ^head(%k1 : i64)
  ^done:
    vm.return
  }
  vm.export @run
  vm.func @run(%n: i32, %at: i32, %alias: i32) -> f32 {
    %c64 = vm.const.i64 64
    %c16 = vm.const.i64 16
    %c0 = vm.const.i64 0
    %a16 = vm.const.i32 16
    %one = vm.const.f32 1.0
    %half = vm.const.f32 0.5
    %buf = vm.buffer.alloc %c64, %a16 : !vm.buffer
    %other = vm.buffer.alloc %c64, %a16 : !vm.buffer
    vm.buffer.fill.f32 %buf, %c0, %c16, %one : f32 -> !vm.buffer
    vm.buffer.fill.f32 %other, %c0, %c16, %half : f32 -> !vm.buffer
    %src = vm.select.ref %alias, %buf, %other : !vm.buffer
    %n64 = vm.ext.i32.i64.s %n : i32 -> i64
    %at64 = vm.ext.i32.i64.s %at : i32 -> i64
    vm.call @accumulate(%buf, %src, %n64, %at64) : (!vm.buffer, !vm.buffer, i64, i64) -> ()
    %r = vm.buffer.load.f32 %buf[%at64] : !vm.buffer -> f32
    vm.return %r : f32
  }
}
