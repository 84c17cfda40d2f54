// Loops for the call deadline (tests/vm/test_deadline.py). @spin never ends: its
// counter steps by 2 from 0 and the loop waits for it to equal the odd %n (i32
// arithmetic wraps, so it never does); @finite is the same loop waiting for an even
// %n, which it reaches. @outer calls @spin_callee from a loop: the endless loop
// is then in a callee the compiled region calls natively. @counted is a counted
// loop (i64 counter += 1 < %n): compiled code needs no check on it.
vm.module @spin {
  vm.export @spin
  vm.func @spin(%n: i32) -> i32 {
    %c0 = vm.const.i32 0
    %c2 = vm.const.i32 2
    vm.br ^head(%c0 : i32)
  ^head(%i: i32):
    %done = vm.cmp.eq.i32 %i, %n : i32
    vm.cond_br %done, ^exit, ^body
  ^body:
    %i2 = vm.add.i32 %i, %c2 : i32
    vm.br ^head(%i2 : i32)
  ^exit:
    vm.return %i : i32
  }

  vm.export @finite
  vm.func @finite(%n: i32) -> i32 {
    %c0 = vm.const.i32 0
    %c2 = vm.const.i32 2
    vm.br ^head(%c0 : i32)
  ^head(%i: i32):
    %done = vm.cmp.eq.i32 %i, %n : i32
    vm.cond_br %done, ^exit, ^body
  ^body:
    %i2 = vm.add.i32 %i, %c2 : i32
    vm.br ^head(%i2 : i32)
  ^exit:
    vm.return %i : i32
  }

  vm.func private @spin_callee(%n: i32) -> i32 attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i32 0
    %c2 = vm.const.i32 2
    vm.br ^head(%c0 : i32)
  ^head(%i: i32):
    %done = vm.cmp.eq.i32 %i, %n : i32
    vm.cond_br %done, ^exit, ^body
  ^body:
    %i2 = vm.add.i32 %i, %c2 : i32
    vm.br ^head(%i2 : i32)
  ^exit:
    vm.return %i : i32
  }

  vm.export @outer
  vm.func @outer(%n: i32) -> i32 {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %c3 = vm.const.i32 3
    vm.br ^head(%c0, %c0 : i32, i32)
  ^head(%k: i32, %acc: i32):
    %more = vm.cmp.lt.i32.s %k, %c3 : i32
    vm.cond_br %more, ^body, ^exit
  ^body:
    %r = vm.call @spin_callee(%n) : (i32) -> i32
    %acc2 = vm.add.i32 %acc, %r : i32
    %k2 = vm.add.i32 %k, %c1 : i32
    vm.br ^head(%k2, %acc2 : i32, i32)
  ^exit:
    vm.return %acc : i32
  }

  vm.export @counted
  vm.func @counted(%n: i64) -> i64 {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %c3 = vm.const.i64 3
    vm.br ^head(%c0, %c0 : i64, i64)
  ^head(%i: i64, %acc: i64):
    %more = vm.cmp.lt.i64.s %i, %n : i64
    vm.cond_br %more, ^body, ^exit
  ^body:
    %t = vm.mul.i64 %i, %c3 : i64
    %acc2 = vm.xor.i64 %acc, %t : i64
    %i2 = vm.add.i64 %i, %c1 : i64
    vm.br ^head(%i2, %acc2 : i64, i64)
  ^exit:
    vm.return %acc : i64
  }
}
