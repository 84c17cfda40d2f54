vm.module @distribute {
  vm.func private @exps(%dst: !vm.buffer, %src: !vm.buffer, %n: i64, %off: i64) attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %half = vm.const.f32 -0.5
    vm.br ^head(%c0 : i64)
  ^head(%k: i64):
    %more = vm.cmp.lt.i64.s %k, %n : i64
    vm.cond_br %more, ^body, ^done
  ^body:
    %x = vm.buffer.load.f32 %src[%k] : !vm.buffer -> f32
    %y = vm.mul.f32 %x, %half : f32
    %e = vm.exp.f32 %y : f32
    %i = vm.add.i64 %k, %off : i64
    vm.buffer.store.f32 %e, %dst[%i] : f32 -> !vm.buffer
    %k1 = vm.add.i64 %k, %c1 : i64
    vm.br ^head(%k1 : i64)
  ^done:
    vm.return
  }
  vm.func private @sum(%dst: !vm.buffer, %src: !vm.buffer, %n: i64, %at: i64) attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    vm.br ^head(%c0 : i64)
  ^head(%k: i64):
    %more = vm.cmp.lt.i64.s %k, %n : i64
    vm.cond_br %more, ^body, ^done
  ^body:
    %v = vm.buffer.load.f32 %dst[%at] : !vm.buffer -> f32
    %x = vm.buffer.load.f32 %src[%k] : !vm.buffer -> f32
    %e = vm.exp.f32 %x : f32
    %w = vm.add.f32 %v, %e : f32
    vm.buffer.store.f32 %w, %dst[%at] : f32 -> !vm.buffer
    %k1 = vm.add.i64 %k, %c1 : i64
    vm.br ^head(%k1 : i64)
  ^done:
    vm.return
  }
  vm.export @run
  vm.func @run(%n: i32, %off: i32, %alias: i32, %out: i32) -> i32 {
    %c4096 = vm.const.i64 4096
    %c1024 = vm.const.i64 1024
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %a16 = vm.const.i32 16
    %one = vm.const.f32 1.0
    %tenth = vm.const.f32 0.1
    %buf = vm.buffer.alloc %c4096, %a16 : !vm.buffer
    %other = vm.buffer.alloc %c4096, %a16 : !vm.buffer
    vm.buffer.fill.f32 %buf, %c0, %c1024, %one : f32 -> !vm.buffer
    vm.buffer.fill.f32 %other, %c0, %c1024, %tenth : f32 -> !vm.buffer
    vm.buffer.store.f32 %tenth, %other[%c1] : f32 -> !vm.buffer
    %src = vm.select.ref %alias, %buf, %other : !vm.buffer
    %n64 = vm.ext.i32.i64.s %n : i32 -> i64
    %off64 = vm.ext.i32.i64.s %off : i32 -> i64
    %out64 = vm.ext.i32.i64.s %out : i32 -> i64
    vm.call @exps(%buf, %src, %n64, %off64) : (!vm.buffer, !vm.buffer, i64, i64) -> ()
    vm.call @sum(%buf, %src, %n64, %out64) : (!vm.buffer, !vm.buffer, i64, i64) -> ()
    %r = vm.buffer.load.f32 %buf[%out64] : !vm.buffer -> f32
    %bits = vm.bitcast.f32.i32 %r : f32 -> i32
    vm.return %bits : i32
  }
}
