// vm.fail (with/without message, code 0 is a no-op), vm.cond_fail, vm.check.* (which lower to
// compare + fail).  iree-run-module prints the status as `<CODE_NAME>; <message>` on stderr.
vm.module @fail {
  // With code 0 vm.fail does nothing and execution continues with the next bytes -- here past the
  // end of the function, which crashes IREE (SIGSEGV): vmvxjit must report an error instead.
  // CRASH: fail_code(0)
  // ERROR: fail_code(3) -> INVALID_ARGUMENT; failed with a message
  // ERROR: fail_code(11) -> OUT_OF_RANGE; failed with a message
  // ERROR: fail_code(13) -> INTERNAL; failed with a message
  vm.export @fail_code
  vm.func @fail_code(%code: i32) -> i32 {
    vm.fail %code, "failed with a message"
  }

  // Code 0 continues after the fail op, i.e. falls through into the block laid out next
  // (^bb1 -> ^bb2 here, see iree-dump-module).
  // CASE: fail_fallthrough(0, 0, 7) -> i32=14
  // CASE: fail_fallthrough(1, 0, 7) -> i32=14
  // ERROR: fail_fallthrough(1, 6, 7) -> ALREADY_EXISTS; not reached when code is 0
  vm.export @fail_fallthrough
  vm.func @fail_fallthrough(%c: i32, %code: i32, %v: i32) -> i32 {
    vm.cond_br %c, ^fail, ^ok
  ^fail:
    vm.fail %code, "not reached when code is 0"
  ^ok:
    %r = vm.add.i32 %v, %v : i32
    vm.return %r : i32
  }

  // Without a message.
  // ERROR: fail_no_message(9) -> FAILED_PRECONDITION;
  vm.export @fail_no_message
  vm.func @fail_no_message(%code: i32) {
    vm.fail %code
  }

  // cond_fail: fails only when the condition is non-zero.
  // CASE: cond_fail(0, 5) -> i32=5
  // ERROR: cond_fail(1, 5) -> NOT_FOUND; condition was true
  // ERROR: cond_fail(-1, 14) -> UNAVAILABLE; condition was true
  vm.export @cond_fail
  vm.func @cond_fail(%c: i32, %code: i32) -> i32 {
    vm.cond_fail %c, %code, "condition was true"
    vm.return %code : i32
  }

  // A failure inside a call chain aborts the whole invocation (no recursion: iree-compile 3.13 hangs
  // on recursive functions).
  // CASE: nested(0) -> i32=1
  // ERROR: nested(5) -> ABORTED; aborted at the bottom
  vm.export @nested
  vm.func @nested(%n: i32) -> i32 {
    %r = vm.call @nested1(%n) : (i32) -> i32
    vm.return %r : i32
  }
  vm.func private @nested1(%n: i32) -> i32 attributes {inlining_policy = #util.inline.never} {
    %r = vm.call @nested2(%n) : (i32) -> i32
    %c1 = vm.const.i32 1
    %s = vm.add.i32 %r, %c1 : i32
    vm.return %s : i32
  }
  vm.func private @nested2(%n: i32) -> i32 attributes {inlining_policy = #util.inline.never} {
    %c10 = vm.const.i32 10
    vm.cond_fail %n, %c10, "aborted at the bottom"
    vm.return %n : i32
  }

  // vm.check.eq / vm.check.nz (compiled to compares + vm.fail with status 9).
  // CASE: check(3, 3) -> i32=3
  // ERROR: check(3, 4) -> FAILED_PRECONDITION; a must equal b
  vm.export @check
  vm.func @check(%a: i32, %b: i32) -> i32 {
    vm.check.eq %a, %b, "a must equal b" : i32
    vm.check.nz %a, "a must be non-zero" : i32
    vm.return %a : i32
  }
}
