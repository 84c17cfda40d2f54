vm.module @two_regions {
  vm.export @run
  vm.func @run(%n: i32, %at: i32) -> f32 {
    %c64 = vm.const.i64 64
    %c16 = vm.const.i64 16
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %a16 = vm.const.i32 16
    %one = vm.const.f32 1.0
    %half = vm.const.f32 0.5
    %buf = vm.buffer.alloc %c64, %a16 : !vm.buffer
    vm.buffer.fill.f32 %buf, %c0, %c16, %one : f32 -> !vm.buffer
    %n64 = vm.ext.i32.i64.s %n : i32 -> i64
    %at64 = vm.ext.i32.i64.s %at : i32 -> i64
    vm.br ^first(%c0 : i64)
  ^first(%k: i64):
    %more = vm.cmp.lt.i64.s %k, %n64 : i64
    vm.cond_br %more, ^first_body, ^between
  ^first_body:
    %v = vm.buffer.load.f32 %buf[%at64] : !vm.buffer -> f32
    %s = vm.buffer.load.f32 %buf[%k] : !vm.buffer -> f32
    %w = vm.add.f32 %v, %s : f32
    vm.buffer.store.f32 %w, %buf[%at64] : f32 -> !vm.buffer
    %k1 = vm.add.i64 %k, %c1 : i64
    vm.br ^first(%k1 : i64)
  ^between:
    %other = vm.buffer.alloc %c64, %a16 : !vm.buffer
    vm.buffer.fill.f32 %other, %c0, %c16, %half : f32 -> !vm.buffer
    vm.br ^second(%c0 : i64)
  ^second(%j: i64):
    %again = vm.cmp.lt.i64.s %j, %n64 : i64
    vm.cond_br %again, ^second_body, ^done
  ^second_body:
    %x = vm.buffer.load.f32 %other[%at64] : !vm.buffer -> f32
    %y = vm.buffer.load.f32 %buf[%j] : !vm.buffer -> f32
    %z = vm.mul.f32 %x, %y : f32
    vm.buffer.store.f32 %z, %other[%at64] : f32 -> !vm.buffer
    %j1 = vm.add.i64 %j, %c1 : i64
    vm.br ^second(%j1 : i64)
  ^done:
    %r = vm.buffer.load.f32 %other[%at64] : !vm.buffer -> f32
    vm.return %r : f32
  }
}
