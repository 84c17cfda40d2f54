// Recursion (tests/vm/jit/test_calls.py). iree-compile 3.13 hangs on recursive
// functions, so each call of `@stub_<f>` is patched in the compiled module to call
// `@f` (same signature): @sum_to calls itself, @ping and @pong call each other.
// Functions are exported so the test finds them by name.
vm.module @recursion {
  // sum_to(n) = n + sum_to(n - 1); 0 for n <= 0.
  vm.export @sum_to
  vm.func @sum_to(%n: i64) -> i64 attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %pos = vm.cmp.lt.i64.s %c0, %n : i64
    vm.cond_br %pos, ^rec, ^base
  ^base:
    vm.return %c0 : i64
  ^rec:
    %m = vm.sub.i64 %n, %c1 : i64
    %r = vm.call @stub_sum_to(%m) : (i64) -> i64
    %s = vm.add.i64 %n, %r : i64
    vm.return %s : i64
  }
  vm.export @stub_sum_to
  vm.func @stub_sum_to(%n: i64) -> i64 attributes {inlining_policy = #util.inline.never} {
    vm.return %n : i64
  }

  // ping(n, x) = n <= 0 ? x : pong(n - 1, x * 1.5); pong(n, x) = ping(n - 1, x + 1).
  vm.export @ping
  vm.func @ping(%n: i32, %x: f64) -> f64 attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %k = vm.const.f64 1.5
    %pos = vm.cmp.lt.i32.s %c0, %n : i32
    vm.cond_br %pos, ^rec, ^base
  ^base:
    vm.return %x : f64
  ^rec:
    %m = vm.sub.i32 %n, %c1 : i32
    %y = vm.mul.f64 %x, %k : f64
    %r = vm.call @pong(%m, %y) : (i32, f64) -> f64
    vm.return %r : f64
  }
  vm.export @pong
  vm.func @pong(%n: i32, %x: f64) -> f64 attributes {inlining_policy = #util.inline.never} {
    %c1 = vm.const.i32 1
    %one = vm.const.f64 1.0
    %m = vm.sub.i32 %n, %c1 : i32
    %y = vm.add.f64 %x, %one : f64
    %r = vm.call @stub_ping(%m, %y) : (i32, f64) -> f64
    vm.return %r : f64
  }
  vm.export @stub_ping
  vm.func @stub_ping(%n: i32, %x: f64) -> f64 attributes {inlining_policy = #util.inline.never} {
    vm.return %x : f64
  }

  // A hot loop calling both: sum of sum_to(i % 50) and ping(i % 9, i) over i < n.
  vm.export @run
  vm.func @run(%n: i32) -> (i64, f64) {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %c9 = vm.const.i32 9
    %c50 = vm.const.i32 50
    %z64 = vm.const.i64 0
    %zf = vm.const.f64 0.0
    vm.br ^head(%c0, %z64, %zf : i32, i64, f64)
  ^head(%i: i32, %acc: i64, %facc: f64):
    %more = vm.cmp.lt.i32.s %i, %n : i32
    vm.cond_br %more, ^body, ^done
  ^body:
    %k = vm.rem.i32.s %i, %c50 : i32
    %ke = vm.ext.i32.i64.s %k : i32 -> i64
    %s = vm.call @sum_to(%ke) : (i64) -> i64
    %p = vm.rem.i32.s %i, %c9 : i32
    %ie = vm.ext.i32.i64.s %i : i32 -> i64
    %x = vm.cast.si64.f64 %ie : i64 -> f64
    %q = vm.call @ping(%p, %x) : (i32, f64) -> f64
    %acc2 = vm.add.i64 %acc, %s : i64
    %facc2 = vm.add.f64 %facc, %q : f64
    %i2 = vm.add.i32 %i, %c1 : i32
    vm.br ^head(%i2, %acc2, %facc2 : i32, i64, f64)
  ^done:
    vm.return %acc, %facc : i64, f64
  }
}
