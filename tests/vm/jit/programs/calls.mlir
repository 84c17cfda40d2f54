// Internal calls from loops (tests/vm/jit/test_calls.py): a hot loop calling small
// numeric functions (i32/i64/f32/f64 arguments and results), callees that load and
// store through buffer arguments, nested calls, and callees that fault.
vm.module @calls {
  vm.rodata private @ro dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>

  vm.func private @mix(%a: i32, %b: i64, %x: f32, %y: f64) -> (i64, f64) attributes {inlining_policy = #util.inline.never} {
    %c3 = vm.const.i32 3
    %a3 = vm.mul.i32 %a, %c3 : i32
    %ae = vm.ext.i32.i64.s %a3 : i32 -> i64
    %s = vm.xor.i64 %ae, %b : i64
    %xd = vm.ext.f32.f64 %x : f32 -> f64
    %p = vm.mul.f64 %xd, %y : f64
    %q = vm.add.f64 %p, %y : f64
    vm.return %s, %q : i64, f64
  }
  vm.func private @scale(%x: f32, %k: i32) -> f32 attributes {inlining_policy = #util.inline.never} {
    %kf = vm.cast.si32.f32 %k : i32 -> f32
    %r = vm.mul.f32 %x, %kf : f32
    %h = vm.const.f32 0.5
    %s = vm.add.f32 %r, %h : f32
    vm.return %s : f32
  }

  // Sums mix(i, 7i, i/4, 1.25) and scale(i, i % 5) over i < n (float sums also as bits).
  vm.export @hot
  vm.func @hot(%n: i32) -> (i64, f64, f32, i64, i32) {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %c5 = vm.const.i32 5
    %z64 = vm.const.i64 0
    %c7 = vm.const.i64 7
    %zf = vm.const.f64 0.0
    %zs = vm.const.f32 0.0
    %q = vm.const.f32 0.25
    %y = vm.const.f64 1.25
    vm.br ^head(%c0, %z64, %zf, %zs : i32, i64, f64, f32)
  ^head(%i: i32, %acc: i64, %facc: f64, %sacc: f32):
    %more = vm.cmp.lt.i32.s %i, %n : i32
    vm.cond_br %more, ^body, ^done
  ^body:
    %ie = vm.ext.i32.i64.s %i : i32 -> i64
    %b = vm.mul.i64 %ie, %c7 : i64
    %if = vm.cast.si32.f32 %i : i32 -> f32
    %x = vm.mul.f32 %if, %q : f32
    %r:2 = vm.call @mix(%i, %b, %x, %y) : (i32, i64, f32, f64) -> (i64, f64)
    %k = vm.rem.i32.s %i, %c5 : i32
    %t = vm.call @scale(%if, %k) : (f32, i32) -> f32
    %acc2 = vm.add.i64 %acc, %r#0 : i64
    %facc2 = vm.add.f64 %facc, %r#1 : f64
    %sacc2 = vm.add.f32 %sacc, %t : f32
    %i2 = vm.add.i32 %i, %c1 : i32
    vm.br ^head(%i2, %acc2, %facc2, %sacc2 : i32, i64, f64, f32)
  ^done:
    %fb = vm.bitcast.f64.i64 %facc : f64 -> i64
    %sb = vm.bitcast.f32.i32 %sacc : f32 -> i32
    vm.return %acc, %facc, %sacc, %fb, %sb : i64, f64, f32, i64, i32
  }

  // dst[i] = a * src[i] + dst[i]; returns the old dst[i]. Both buffers are arguments.
  vm.func private @axpy_at(%dst: !vm.buffer, %src: !vm.buffer, %i: i64, %a: f32) -> f32 attributes {inlining_policy = #util.inline.never} {
    %s = vm.buffer.load.f32 %src[%i] : !vm.buffer -> f32
    %d = vm.buffer.load.f32 %dst[%i] : !vm.buffer -> f32
    %m = vm.mul.f32 %a, %s : f32
    %r = vm.add.f32 %m, %d : f32
    vm.buffer.store.f32 %r, %dst[%i] : f32 -> !vm.buffer
    vm.return %d : f32
  }
  // A loop inside the callee: sum of buf[0..n).
  vm.func private @sum(%buf: !vm.buffer, %n: i64) -> f32 attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %z = vm.const.f32 0.0
    vm.br ^head(%c0, %z : i64, f32)
  ^head(%i: i64, %acc: f32):
    %more = vm.cmp.lt.i64.s %i, %n : i64
    vm.cond_br %more, ^body, ^done
  ^body:
    %v = vm.buffer.load.f32 %buf[%i] : !vm.buffer -> f32
    %acc2 = vm.add.f32 %acc, %v : f32
    %i2 = vm.add.i64 %i, %c1 : i64
    vm.br ^head(%i2, %acc2 : i64, f32)
  ^done:
    vm.return %acc : f32
  }

  // `rounds` rounds of dst = a * src + dst over 16 elements through @axpy_at, src the
  // rodata repeated or (alias != 0) dst itself; after each round one more call at
  // element 0, or in the last round at `at` (out of bounds when >= 16).
  vm.export @buffers
  vm.func @buffers(%rounds: i32, %alias: i32, %at: i32) -> (f32, f32, i32) {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %c16 = vm.const.i64 16
    %c32 = vm.const.i64 32
    %c48 = vm.const.i64 48
    %c64 = vm.const.i64 64
    %a16 = vm.const.i32 16
    %one = vm.const.f32 1.0
    %a = vm.const.f32 0.75
    %zf = vm.const.f32 0.0
    %ro = vm.const.ref.rodata @ro : !vm.buffer
    %dst = vm.buffer.alloc %c64, %a16 : !vm.buffer
    %other = vm.buffer.alloc %c64, %a16 : !vm.buffer
    vm.buffer.fill.f32 %dst, %c0, %c16, %one : f32 -> !vm.buffer
    vm.buffer.copy %ro, %c0, %other, %c0, %c16 : !vm.buffer -> !vm.buffer
    vm.buffer.copy %ro, %c0, %other, %c16, %c16 : !vm.buffer -> !vm.buffer
    vm.buffer.copy %ro, %c0, %other, %c32, %c16 : !vm.buffer -> !vm.buffer
    vm.buffer.copy %ro, %c0, %other, %c48, %c16 : !vm.buffer -> !vm.buffer
    %src = vm.select.ref %alias, %dst, %other : !vm.buffer
    %n = vm.ext.i32.i64.s %rounds : i32 -> i64
    %last = vm.ext.i32.i64.s %at : i32 -> i64
    vm.br ^round(%c0, %zf : i64, f32)
  ^round(%r: i64, %old: f32):
    %more = vm.cmp.lt.i64.s %r, %n : i64
    vm.cond_br %more, ^elements(%c0, %old : i64, f32), ^done
  ^elements(%i: i64, %acc: f32):
    %in = vm.cmp.lt.i64.s %i, %c16 : i64
    vm.cond_br %in, ^element, ^next
  ^element:
    %d = vm.call @axpy_at(%dst, %src, %i, %a) : (!vm.buffer, !vm.buffer, i64, f32) -> f32
    %acc2 = vm.add.f32 %acc, %d : f32
    %i2 = vm.add.i64 %i, %c1 : i64
    vm.br ^elements(%i2, %acc2 : i64, f32)
  ^next:
    %end = vm.sub.i64 %n, %c1 : i64
    %final = vm.cmp.eq.i64 %r, %end : i64
    %at64 = vm.select.i64 %final, %last, %c0 : i64
    %probe = vm.call @axpy_at(%dst, %src, %at64, %a) : (!vm.buffer, !vm.buffer, i64, f32) -> f32
    %acc3 = vm.add.f32 %acc, %probe : f32
    %r2 = vm.add.i64 %r, %c1 : i64
    vm.br ^round(%r2, %acc3 : i64, f32)
  ^done:
    %total = vm.call @sum(%dst, %c16) : (!vm.buffer, i64) -> f32
    %bits = vm.bitcast.f32.i32 %total : f32 -> i32
    vm.return %total, %old, %bits : f32, f32, i32
  }

  // Nested calls: @nested -> @mid -> @quot (twice), integer division in the leaf
  // (a zero divisor, at i == d, faults two calls deep).
  vm.func private @quot(%x: i32, %d: i32) -> i32 attributes {inlining_policy = #util.inline.never} {
    %q = vm.div.i32.s %x, %d : i32
    vm.return %q : i32
  }
  vm.func private @mid(%x: i32, %d: i32) -> (i32, i64) attributes {inlining_policy = #util.inline.never} {
    %a = vm.call @quot(%x, %d) : (i32, i32) -> i32
    %c1 = vm.const.i32 1
    %d1 = vm.add.i32 %d, %c1 : i32
    %b = vm.call @quot(%x, %d1) : (i32, i32) -> i32
    %be = vm.ext.i32.i64.s %b : i32 -> i64
    %s = vm.mul.i64 %be, %be : i64
    vm.return %a, %s : i32, i64
  }
  // Sums mid(1000 * i + 7, d - i) over i < n.
  vm.export @nested
  vm.func @nested(%n: i32, %d: i32) -> (i32, i64) {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %c7 = vm.const.i32 7
    %c1000 = vm.const.i32 1000
    %z64 = vm.const.i64 0
    vm.br ^head(%c0, %c0, %z64 : i32, i32, i64)
  ^head(%i: i32, %a: i32, %b: i64):
    %more = vm.cmp.lt.i32.s %i, %n : i32
    vm.cond_br %more, ^body, ^done
  ^body:
    %x0 = vm.mul.i32 %i, %c1000 : i32
    %x = vm.add.i32 %x0, %c7 : i32
    %di = vm.sub.i32 %d, %i : i32
    %r:2 = vm.call @mid(%x, %di) : (i32, i32) -> (i32, i64)
    %a2 = vm.add.i32 %a, %r#0 : i32
    %b2 = vm.add.i64 %b, %r#1 : i64
    %i2 = vm.add.i32 %i, %c1 : i32
    vm.br ^head(%i2, %a2, %b2 : i32, i32, i64)
  ^done:
    vm.return %a, %b : i32, i64
  }

  // Nested buffer access: @pairs -> @pair -> @element (twice); the last element
  // read is buf[at], out of bounds for at >= 8.
  vm.func private @element(%buf: !vm.buffer, %i: i64) -> f64 attributes {inlining_policy = #util.inline.never} {
    %v = vm.buffer.load.f64 %buf[%i] : !vm.buffer -> f64
    vm.return %v : f64
  }
  vm.func private @pair(%buf: !vm.buffer, %i: i64, %j: i64) -> f64 attributes {inlining_policy = #util.inline.never} {
    %a = vm.call @element(%buf, %i) : (!vm.buffer, i64) -> f64
    %b = vm.call @element(%buf, %j) : (!vm.buffer, i64) -> f64
    %p = vm.mul.f64 %a, %b : f64
    vm.return %p : f64
  }
  vm.export @pairs
  vm.func @pairs(%n: i32, %at: i32) -> f64 {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %c7 = vm.const.i64 7
    %c8 = vm.const.i64 8
    %c64 = vm.const.i64 64
    %a16 = vm.const.i32 16
    %h = vm.const.f64 1.5
    %zf = vm.const.f64 0.0
    %buf = vm.buffer.alloc %c64, %a16 : !vm.buffer
    vm.buffer.fill.f64 %buf, %c0, %c8, %h : f64 -> !vm.buffer
    %n64 = vm.ext.i32.i64.s %n : i32 -> i64
    %last = vm.ext.i32.i64.s %at : i32 -> i64
    vm.br ^head(%c0, %zf : i64, f64)
  ^head(%i: i64, %acc: f64):
    %more = vm.cmp.lt.i64.s %i, %n64 : i64
    vm.cond_br %more, ^body, ^done
  ^body:
    %k = vm.rem.i64.s %i, %c7 : i64
    %end = vm.sub.i64 %n64, %c1 : i64
    %final = vm.cmp.eq.i64 %i, %end : i64
    %j = vm.select.i64 %final, %last, %k : i64
    %p = vm.call @pair(%buf, %k, %j) : (!vm.buffer, i64, i64) -> f64
    %acc2 = vm.add.f64 %acc, %p : f64
    %i2 = vm.add.i64 %i, %c1 : i64
    vm.br ^head(%i2, %acc2 : i64, f64)
  ^done:
    vm.return %acc : f64
  }

  // Stores through @axpy_at into a fresh buffer, and in the last iteration, when
  // `ro` != 0, into the rodata (read-only); returns element 1 of the buffer.
  vm.export @read_only
  vm.func @read_only(%n: i32, %ro: i32) -> f32 {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %c3 = vm.const.i64 3
    %c64 = vm.const.i64 64
    %a16 = vm.const.i32 16
    %a = vm.const.f32 2.0
    %rodata = vm.const.ref.rodata @ro : !vm.buffer
    %buf = vm.buffer.alloc %c64, %a16 : !vm.buffer
    %n64 = vm.ext.i32.i64.s %n : i32 -> i64
    %end = vm.sub.i64 %n64, %c1 : i64
    vm.br ^head(%c0 : i64)
  ^head(%i: i64):
    %more = vm.cmp.lt.i64.s %i, %n64 : i64
    vm.cond_br %more, ^body, ^done
  ^body:
    %k = vm.rem.i64.s %i, %c3 : i64
    %final = vm.cmp.eq.i64 %i, %end : i64
    %into_ro = vm.and.i32 %final, %ro : i32
    vm.cond_br %into_ro, ^rodata, ^buffer
  ^rodata:
    %d1 = vm.call @axpy_at(%rodata, %rodata, %k, %a) : (!vm.buffer, !vm.buffer, i64, f32) -> f32
    vm.br ^next
  ^buffer:
    %d2 = vm.call @axpy_at(%buf, %rodata, %k, %a) : (!vm.buffer, !vm.buffer, i64, f32) -> f32
    vm.br ^next
  ^next:
    %i2 = vm.add.i64 %i, %c1 : i64
    vm.br ^head(%i2 : i64)
  ^done:
    %v = vm.buffer.load.f32 %buf[%c1] : !vm.buffer -> f32
    vm.return %v : f32
  }

  // No call: a division fault in the compiled loop itself (at i == d), for the
  // error's text (the interpreter's, with the operands).
  vm.export @quotients
  vm.func @quotients(%n: i32, %d: i32) -> i32 {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %c1000 = vm.const.i32 1000
    vm.br ^head(%c0, %c0 : i32, i32)
  ^head(%i: i32, %acc: i32):
    %more = vm.cmp.lt.i32.s %i, %n : i32
    vm.cond_br %more, ^body, ^done
  ^body:
    %di = vm.sub.i32 %d, %i : i32
    %q = vm.div.i32.s %c1000, %di : i32
    %acc2 = vm.add.i32 %acc, %q : i32
    %i2 = vm.add.i32 %i, %c1 : i32
    vm.br ^head(%i2, %acc2 : i32, i32)
  ^done:
    vm.return %acc : i32
  }
}
