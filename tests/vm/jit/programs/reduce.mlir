vm.module @reduce {
  // for j < nj:                               (P: j delinearized by d, a run-time value)
  //   q = j / d; r = j % d; idx = at + q * rs + r; base = off + q * 3 + r
  //   for c < nc: for k < nk: dst[idx] = fma(src[base + c * cs + k], 0.5, dst[idx])
  // (an inline-dynamic VMVX convolution's shape: 8 j iterations side by side when their
  // elements are distinct, d is neither 0 nor -1 and src is another buffer).
  vm.func private @reduce(%dst: !vm.buffer, %src: !vm.buffer, %nj: i64, %nc: i64, %nk: i64, %at: i64,
                          %off: i64, %d: i64, %rs: i64, %cs: i64) attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %c3 = vm.const.i64 3
    %half = vm.const.f32 0.5
    vm.br ^jhead(%c0 : i64)
  ^jhead(%j: i64):
    %jmore = vm.cmp.lt.i64.s %j, %nj : i64
    vm.cond_br %jmore, ^jpre, ^done
  ^jpre:
    %q = vm.div.i64.s %j, %d : i64
    %r = vm.rem.i64.s %j, %d : i64
    %qr = vm.mul.i64 %q, %rs : i64
    %idx0 = vm.add.i64 %at, %qr : i64
    %idx = vm.add.i64 %idx0, %r : i64
    %q3 = vm.mul.i64 %q, %c3 : i64
    %base0 = vm.add.i64 %off, %q3 : i64
    %base = vm.add.i64 %base0, %r : i64
    vm.br ^chead(%c0 : i64)
  ^chead(%c: i64):
    %cmore = vm.cmp.lt.i64.s %c, %nc : i64
    vm.cond_br %cmore, ^cpre, ^jlatch
  ^cpre:
    %cc = vm.mul.i64 %c, %cs : i64
    %cb = vm.add.i64 %base, %cc : i64
    vm.br ^khead(%c0 : i64)
  ^khead(%k: i64):
    %kmore = vm.cmp.lt.i64.s %k, %nk : i64
    vm.cond_br %kmore, ^kbody, ^clatch
  ^kbody:
    %si = vm.add.i64 %cb, %k : i64
    %s = vm.buffer.load.f32 %src[%si] : !vm.buffer -> f32
    %v = vm.buffer.load.f32 %dst[%idx] : !vm.buffer -> f32
    %w = vm.fma.f32 %s, %half, %v : f32
    vm.buffer.store.f32 %w, %dst[%idx] : f32 -> !vm.buffer
    %k1 = vm.add.i64 %k, %c1 : i64
    vm.br ^khead(%k1 : i64)
  ^clatch:
    %c1n = vm.add.i64 %c, %c1 : i64
    vm.br ^chead(%c1n : i64)
  ^jlatch:
    %j1 = vm.add.i64 %j, %c1 : i64
    vm.br ^jhead(%j1 : i64)
  ^done:
    vm.return
  }
  // Fills a buffer of n f32 with distinct values.
  vm.func private @fill(%buf: !vm.buffer, %n: i64, %seed: i32) {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %scale = vm.const.f32 0.37
    vm.br ^head(%c0 : i64)
  ^head(%i: i64):
    %more = vm.cmp.lt.i64.s %i, %n : i64
    vm.cond_br %more, ^body, ^done
  ^body:
    %i32 = vm.trunc.i64.i32 %i : i64 -> i32
    %x = vm.add.i32 %i32, %seed : i32
    %f = vm.cast.si32.f32 %x : i32 -> f32
    %v = vm.mul.f32 %f, %scale : f32
    vm.buffer.store.f32 %v, %buf[%i] : f32 -> !vm.buffer
    %i1 = vm.add.i64 %i, %c1 : i64
    vm.br ^head(%i1 : i64)
  ^done:
    vm.return
  }
  // A hash of every bit of the n f32 in buf.
  vm.func private @hash(%buf: !vm.buffer, %n: i64) -> i32 {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %h0 = vm.const.i32 17
    %m = vm.const.i32 31
    vm.br ^head(%c0, %h0 : i64, i32)
  ^head(%i: i64, %h: i32):
    %more = vm.cmp.lt.i64.s %i, %n : i64
    vm.cond_br %more, ^body, ^done
  ^body:
    %v = vm.buffer.load.f32 %buf[%i] : !vm.buffer -> f32
    %bits = vm.bitcast.f32.i32 %v : f32 -> i32
    %hm = vm.mul.i32 %h, %m : i32
    %h1 = vm.xor.i32 %hm, %bits : i32
    %i1 = vm.add.i64 %i, %c1 : i64
    vm.br ^head(%i1, %h1 : i64, i32)
  ^done:
    vm.return %h : i32
  }
  vm.export @run
  // @reduce on dst and src = dst (alias != 0) or another 256-element buffer; returns dst's hash.
  vm.func @run(%nj: i32, %nc: i32, %nk: i32, %at: i32, %off: i32, %d: i32, %rs: i32, %cs: i32,
               %alias: i32) -> i32 {
    %c256 = vm.const.i64 256
    %bytes = vm.const.i64 1024
    %a16 = vm.const.i32 16
    %s1 = vm.const.i32 1
    %s2 = vm.const.i32 -300
    %dst = vm.buffer.alloc %bytes, %a16 : !vm.buffer
    %other = vm.buffer.alloc %bytes, %a16 : !vm.buffer
    vm.call @fill(%dst, %c256, %s1) : (!vm.buffer, i64, i32) -> ()
    vm.call @fill(%other, %c256, %s2) : (!vm.buffer, i64, i32) -> ()
    %src = vm.select.ref %alias, %dst, %other : !vm.buffer
    %nj64 = vm.ext.i32.i64.s %nj : i32 -> i64
    %nc64 = vm.ext.i32.i64.s %nc : i32 -> i64
    %nk64 = vm.ext.i32.i64.s %nk : i32 -> i64
    %at64 = vm.ext.i32.i64.s %at : i32 -> i64
    %off64 = vm.ext.i32.i64.s %off : i32 -> i64
    %d64 = vm.ext.i32.i64.s %d : i32 -> i64
    %rs64 = vm.ext.i32.i64.s %rs : i32 -> i64
    %cs64 = vm.ext.i32.i64.s %cs : i32 -> i64
    vm.call @reduce(%dst, %src, %nj64, %nc64, %nk64, %at64, %off64, %d64, %rs64, %cs64)
        : (!vm.buffer, !vm.buffer, i64, i64, i64, i64, i64, i64, i64, i64) -> ()
    %h = vm.call @hash(%dst, %c256) : (!vm.buffer, i64) -> i32
    vm.return %h : i32
  }
}
