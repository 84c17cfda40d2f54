vm.module @scratch {
  // for j < n: %t = alloc(len, align); for k < 4: t[k] = t[k] + j + k (each tile starts
  // zeroed); sum += t[at]; discard %t. The tile's length and alignment come from the caller,
  // in registers the function never writes (allocations.py makes the tile at region entry).
  vm.export @tiles
  vm.func @tiles(%n: i32, %len: i64, %align: i32, %at: i32) -> f32 {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %c4 = vm.const.i64 4
    %zero = vm.const.f32 0.0
    %n64 = vm.ext.i32.i64.s %n : i32 -> i64
    %at64 = vm.ext.i32.i64.s %at : i32 -> i64
    vm.br ^jhead(%c0, %zero : i64, f32)
  ^jhead(%j: i64, %sum: f32):
    %jmore = vm.cmp.lt.i64.s %j, %n64 : i64
    vm.cond_br %jmore, ^jbody, ^done
  ^jbody:
    %t = vm.buffer.alloc %len, %align : !vm.buffer
    %jf = vm.cast.si64.f32 %j : i64 -> f32
    vm.br ^khead(%c0 : i64)
  ^khead(%k: i64):
    %kmore = vm.cmp.lt.i64.s %k, %c4 : i64
    vm.cond_br %kmore, ^kbody, ^jlatch
  ^kbody:
    %old = vm.buffer.load.f32 %t[%k] : !vm.buffer -> f32
    %kf = vm.cast.si64.f32 %k : i64 -> f32
    %a = vm.add.f32 %old, %jf : f32
    %b = vm.add.f32 %a, %kf : f32
    vm.buffer.store.f32 %b, %t[%k] : f32 -> !vm.buffer
    %k1 = vm.add.i64 %k, %c1 : i64
    vm.br ^khead(%k1 : i64)
  ^jlatch:
    %v = vm.buffer.load.f32 %t[%at64] : !vm.buffer -> f32
    %sum1 = vm.add.f32 %sum, %v : f32
    vm.discard.refs %t : !vm.buffer
    %j1 = vm.add.i64 %j, %c1 : i64
    vm.br ^jhead(%j1, %sum1 : i64, f32)
  ^done:
    vm.return %sum : f32
  }
}
