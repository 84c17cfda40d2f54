// Debug ops: vm.trace / vm.print (no output in release runtimes) and vm.break (an unconditional
// branch when no debugger is attached).  See cond_break.mlir for vm.cond_break.
vm.module @debug {
  vm.rodata private @ro_a dense<[1, 2, 3]> : tensor<3xi8>

  // CASE: trace_print(3, 81985529216486895) -> i32=3, i64=81985529216486898
  vm.export @trace_print
  vm.func @trace_print(%a: i32, %b: i64) -> (i32, i64) {
    %ro = vm.const.ref.rodata @ro_a : !vm.buffer
    vm.trace "my_event"(%a, %b, %ro) : i32, i64, !vm.buffer
    vm.print "my_message"(%a, %ro) : i32, !vm.buffer
    %l = vm.buffer.length %ro : !vm.buffer -> i64
    %r = vm.add.i64 %b, %l : i64
    vm.return %a, %r : i32, i64
  }

  // CASE: break(21) -> i32=44
  vm.export @break
  vm.func @break(%a: i32) -> i32 {
    %c1 = vm.const.i32 1
    %a1 = vm.add.i32 %a, %c1 : i32
    vm.break ^bb1(%a1 : i32)
  ^bb1(%x: i32):
    %r = vm.add.i32 %x, %x : i32
    vm.return %r : i32
  }
}
