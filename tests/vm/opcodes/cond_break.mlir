// vm.cond_break: iree-compile 3.13 encodes it WITHOUT the condition register (bytes
// `60 <dest pc:u32> <remap>`, the layout of vm.break), while the 3.13 runtime expects
// `60 <condition:u16> <dest pc:u32> <remap>`.  The runtime's verifier therefore rejects the whole
// module at load time ("bytecode data overrun ...").  vmvxjit must refuse to load it as well.
vm.module @cond_break {
  // LOAD_ERROR: cond_break(1) -> OUT_OF_RANGE; bytecode data overrun
  vm.export @cond_break
  vm.func @cond_break(%a: i32) -> i32 {
    vm.br ^bb1(%a : i32)
  ^bb1(%x: i32):
    vm.cond_break %x, ^bb2(%x : i32)
  ^bb2(%y: i32):
    %r = vm.add.i32 %y, %y : i32
    vm.return %r : i32
  }
}
