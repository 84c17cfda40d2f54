vm.module @nest {
  vm.import private @hal_inline.buffer.allocate(%minimum_alignment : i32, %allocation_size : i64) -> (!vm.ref<!hal.buffer>, !vm.buffer)
  vm.import private @hal_inline.buffer.subspan(%source_buffer : !vm.ref<!hal.buffer>, %source_offset : i64, %length : i64) -> !vm.ref<!hal.buffer>
  vm.import private @hal_inline.buffer.storage(%buffer : !vm.ref<!hal.buffer>) -> !vm.buffer
  // for j < nj: for k < nk: dst[at + j] = dst[at + j] * 0.5 + src[off + k * stride + j]
  vm.func private @accumulate(%dst: !vm.buffer, %src: !vm.buffer, %nj: i64, %nk: i64, %at: i64,
                              %off: i64, %stride: i64) attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %half = vm.const.f32 0.5
    vm.br ^jhead(%c0 : i64)
  ^jhead(%j: i64):
    %jmore = vm.cmp.lt.i64.s %j, %nj : i64
    vm.cond_br %jmore, ^jpre, ^done
  ^jpre:
    %idx = vm.add.i64 %at, %j : i64
    vm.br ^khead(%c0 : i64)
  ^khead(%k: i64):
    %kmore = vm.cmp.lt.i64.s %k, %nk : i64
    vm.cond_br %kmore, ^kbody, ^jlatch
  ^kbody:
    %v = vm.buffer.load.f32 %dst[%idx] : !vm.buffer -> f32
    %row = vm.mul.i64 %k, %stride : i64
    %col = vm.add.i64 %row, %j : i64
    %si = vm.add.i64 %col, %off : i64
    %s = vm.buffer.load.f32 %src[%si] : !vm.buffer -> f32
    %w = vm.fma.f32 %v, %half, %s : f32
    vm.buffer.store.f32 %w, %dst[%idx] : f32 -> !vm.buffer
    %k1 = vm.add.i64 %k, %c1 : i64
    vm.br ^khead(%k1 : i64)
  ^jlatch:
    %j1 = vm.add.i64 %j, %c1 : i64
    vm.br ^jhead(%j1 : i64)
  ^done:
    vm.return
  }
  // for j < nj: for k < nk: dst[at + j * cs] = (dst[at + j * cs] + src[off + j * 16 + k * ks]) * 0.5
  // (rows 16 apart: not interchanged, jammed 8 rows at a time).
  vm.func private @rows(%dst: !vm.buffer, %src: !vm.buffer, %nj: i64, %nk: i64, %at: i64, %off: i64,
                        %cs: i64, %ks: i64) attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %c16 = vm.const.i64 16
    %half = vm.const.f32 0.5
    vm.br ^jhead(%c0 : i64)
  ^jhead(%j: i64):
    %jmore = vm.cmp.lt.i64.s %j, %nj : i64
    vm.cond_br %jmore, ^jpre, ^done
  ^jpre:
    %jc = vm.mul.i64 %j, %cs : i64
    %idx = vm.add.i64 %at, %jc : i64
    %jr = vm.mul.i64 %j, %c16 : i64
    %base = vm.add.i64 %off, %jr : i64
    vm.br ^khead(%c0 : i64)
  ^khead(%k: i64):
    %kmore = vm.cmp.lt.i64.s %k, %nk : i64
    vm.cond_br %kmore, ^kbody, ^jlatch
  ^kbody:
    %v = vm.buffer.load.f32 %dst[%idx] : !vm.buffer -> f32
    %kk = vm.mul.i64 %k, %ks : i64
    %si = vm.add.i64 %base, %kk : i64
    %s = vm.buffer.load.f32 %src[%si] : !vm.buffer -> f32
    %vs = vm.add.f32 %v, %s : f32
    %w = vm.mul.f32 %vs, %half : f32
    vm.buffer.store.f32 %w, %dst[%idx] : f32 -> !vm.buffer
    %k1 = vm.add.i64 %k, %c1 : i64
    vm.br ^khead(%k1 : i64)
  ^jlatch:
    %j1 = vm.add.i64 %j, %c1 : i64
    vm.br ^jhead(%j1 : i64)
  ^done:
    vm.return
  }
  // for w < nw: for j < 8: for k < nk:
  //   dst[at + w * ws + j] = dst[at + w * ws + j] * 0.5 + src[off + w * 2 + k * ks + j]
  // (j moved innermost; w blocked 4 at a time when rows are at least 8 apart).
  vm.func private @blocks(%dst: !vm.buffer, %src: !vm.buffer, %nw: i64, %nk: i64, %at: i64, %off: i64,
                          %ws: i64, %ks: i64) attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %c2 = vm.const.i64 2
    %c8 = vm.const.i64 8
    %half = vm.const.f32 0.5
    vm.br ^whead(%c0 : i64)
  ^whead(%w: i64):
    %wmore = vm.cmp.lt.i64.s %w, %nw : i64
    vm.cond_br %wmore, ^wpre, ^done
  ^wpre:
    %wr = vm.mul.i64 %w, %ws : i64
    %row = vm.add.i64 %at, %wr : i64
    %w2 = vm.mul.i64 %w, %c2 : i64
    %base = vm.add.i64 %off, %w2 : i64
    vm.br ^jhead(%c0 : i64)
  ^jhead(%j: i64):
    %jmore = vm.cmp.lt.i64.s %j, %c8 : i64
    vm.cond_br %jmore, ^jpre, ^wlatch
  ^jpre:
    %idx = vm.add.i64 %row, %j : i64
    vm.br ^khead(%c0 : i64)
  ^khead(%k: i64):
    %kmore = vm.cmp.lt.i64.s %k, %nk : i64
    vm.cond_br %kmore, ^kbody, ^jlatch
  ^kbody:
    %v = vm.buffer.load.f32 %dst[%idx] : !vm.buffer -> f32
    %kk = vm.mul.i64 %k, %ks : i64
    %sk = vm.add.i64 %base, %kk : i64
    %si = vm.add.i64 %sk, %j : i64
    %s = vm.buffer.load.f32 %src[%si] : !vm.buffer -> f32
    %vh = vm.mul.f32 %v, %half : f32
    %u = vm.add.f32 %vh, %s : f32
    vm.buffer.store.f32 %u, %dst[%idx] : f32 -> !vm.buffer
    %k1 = vm.add.i64 %k, %c1 : i64
    vm.br ^khead(%k1 : i64)
  ^jlatch:
    %j1 = vm.add.i64 %j, %c1 : i64
    vm.br ^jhead(%j1 : i64)
  ^wlatch:
    %w1 = vm.add.i64 %w, %c1 : i64
    vm.br ^whead(%w1 : i64)
  ^done:
    vm.return
  }
  // for k < n: dst[k] = src[k] * (w[c] - 0.5) (w[c] - 0.5 loop-invariant: hoisted unless w[c] is
  // one of the dst elements the loop writes).
  // for j < nj: for m < nm: for k < nk: dst[at + j] = dst[at + j] * 0.5 + src[off + j * js + m * ms + k]
  // (a strided convolution's shape: j moved innermost reads src js elements apart).
  vm.func private @strided(%dst: !vm.buffer, %src: !vm.buffer, %nj: i64, %nm: i64, %nk: i64, %at: i64,
                           %off: i64, %js: i64, %ms: i64) attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %half = vm.const.f32 0.5
    vm.br ^jhead(%c0 : i64)
  ^jhead(%j: i64):
    %jmore = vm.cmp.lt.i64.s %j, %nj : i64
    vm.cond_br %jmore, ^jpre, ^done
  ^jpre:
    %idx = vm.add.i64 %at, %j : i64
    %jo = vm.mul.i64 %j, %js : i64
    %jbase = vm.add.i64 %jo, %off : i64
    vm.br ^mhead(%c0 : i64)
  ^mhead(%m: i64):
    %mmore = vm.cmp.lt.i64.s %m, %nm : i64
    vm.cond_br %mmore, ^mpre, ^jlatch
  ^mpre:
    %mbase = vm.fma.i64 %m, %ms, %jbase : i64
    vm.br ^khead(%c0 : i64)
  ^khead(%k: i64):
    %kmore = vm.cmp.lt.i64.s %k, %nk : i64
    vm.cond_br %kmore, ^kbody, ^mlatch
  ^kbody:
    %si = vm.add.i64 %mbase, %k : i64
    %s = vm.buffer.load.f32 %src[%si] : !vm.buffer -> f32
    %v = vm.buffer.load.f32 %dst[%idx] : !vm.buffer -> f32
    %w = vm.fma.f32 %v, %half, %s : f32
    vm.buffer.store.f32 %w, %dst[%idx] : f32 -> !vm.buffer
    %k1 = vm.add.i64 %k, %c1 : i64
    vm.br ^khead(%k1 : i64)
  ^mlatch:
    %m1 = vm.add.i64 %m, %c1 : i64
    vm.br ^mhead(%m1 : i64)
  ^jlatch:
    %j1 = vm.add.i64 %j, %c1 : i64
    vm.br ^jhead(%j1 : i64)
  ^done:
    vm.return
  }
  // for j < nj: for k < nk: buf[at + j] = buf[at + j] * 0.5 + buf[off + k * stride + j]: one buffer
  // register read and written (SqueezeNet's convolutions into a concatenation buffer).
  vm.func private @inplace(%buf: !vm.buffer, %nj: i64, %nk: i64, %at: i64, %off: i64, %stride: i64)
      attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %half = vm.const.f32 0.5
    vm.br ^jhead(%c0 : i64)
  ^jhead(%j: i64):
    %jmore = vm.cmp.lt.i64.s %j, %nj : i64
    vm.cond_br %jmore, ^jpre, ^done
  ^jpre:
    %idx = vm.add.i64 %at, %j : i64
    vm.br ^khead(%c0 : i64)
  ^khead(%k: i64):
    %kmore = vm.cmp.lt.i64.s %k, %nk : i64
    vm.cond_br %kmore, ^kbody, ^jlatch
  ^kbody:
    %row = vm.mul.i64 %k, %stride : i64
    %col = vm.add.i64 %row, %j : i64
    %si = vm.add.i64 %col, %off : i64
    %s = vm.buffer.load.f32 %buf[%si] : !vm.buffer -> f32
    %v = vm.buffer.load.f32 %buf[%idx] : !vm.buffer -> f32
    %w = vm.fma.f32 %v, %half, %s : f32
    vm.buffer.store.f32 %w, %buf[%idx] : f32 -> !vm.buffer
    %k1 = vm.add.i64 %k, %c1 : i64
    vm.br ^khead(%k1 : i64)
  ^jlatch:
    %j1 = vm.add.i64 %j, %c1 : i64
    vm.br ^jhead(%j1 : i64)
  ^done:
    vm.return
  }
  vm.func private @scale(%dst: !vm.buffer, %src: !vm.buffer, %w: !vm.buffer, %n: i64, %c: i64)
      attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    vm.br ^head(%c0 : i64)
  ^head(%k: i64):
    %more = vm.cmp.lt.i64.s %k, %n : i64
    vm.cond_br %more, ^body, ^done
  ^body:
    %x = vm.buffer.load.f32 %src[%k] : !vm.buffer -> f32
    %f = vm.buffer.load.f32 %w[%c] : !vm.buffer -> f32
    %half = vm.const.f32 0.5
    %g = vm.sub.f32 %f, %half : f32
    %y = vm.mul.f32 %x, %g : f32
    vm.buffer.store.f32 %y, %dst[%k] : f32 -> !vm.buffer
    %k1 = vm.add.i64 %k, %c1 : i64
    vm.br ^head(%k1 : i64)
  ^done:
    vm.return
  }
  // Fills a buffer of n f32 with distinct values.
  // for w < nw: for j in [j0, %nj): for k < nk:
  //   dst[at + w * ws + j] = dst[at + w * ws + j] * 0.5 + src[off + w * 2 + k * ks + j]
  // (j moved innermost; w blocked 4 at a time in tiles of 16 columns: `tile`).
  vm.func private @tiles(%dst: !vm.buffer, %src: !vm.buffer, %nw: i64, %j0: i64, %nj: i64, %nk: i64,
                         %at: i64, %off: i64, %ws: i64, %ks: i64) attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %c2 = vm.const.i64 2
    %c12 = vm.const.i64 12
    %half = vm.const.f32 0.5
    vm.br ^whead(%c0 : i64)
  ^whead(%w: i64):
    %wmore = vm.cmp.lt.i64.s %w, %nw : i64
    vm.cond_br %wmore, ^wpre, ^done
  ^wpre:
    %wr = vm.mul.i64 %w, %ws : i64
    %row = vm.add.i64 %at, %wr : i64
    %w2 = vm.mul.i64 %w, %c2 : i64
    %base = vm.add.i64 %off, %w2 : i64
    vm.br ^jhead(%j0 : i64)
  ^jhead(%j: i64):
    %jmore = vm.cmp.lt.i64.s %j, %nj : i64
    vm.cond_br %jmore, ^jpre, ^wlatch
  ^jpre:
    %idx = vm.add.i64 %row, %j : i64
    vm.br ^khead(%c0 : i64)
  ^khead(%k: i64):
    %kmore = vm.cmp.lt.i64.s %k, %nk : i64
    vm.cond_br %kmore, ^kbody, ^jlatch
  ^kbody:
    %v = vm.buffer.load.f32 %dst[%idx] : !vm.buffer -> f32
    %kk = vm.mul.i64 %k, %ks : i64
    %sk = vm.add.i64 %base, %kk : i64
    %si = vm.add.i64 %sk, %j : i64
    %s = vm.buffer.load.f32 %src[%si] : !vm.buffer -> f32
    %vh = vm.mul.f32 %v, %half : f32
    %u = vm.add.f32 %vh, %s : f32
    vm.buffer.store.f32 %u, %dst[%idx] : f32 -> !vm.buffer
    %k1 = vm.add.i64 %k, %c1 : i64
    vm.br ^khead(%k1 : i64)
  ^jlatch:
    %j1 = vm.add.i64 %j, %c1 : i64
    vm.br ^jhead(%j1 : i64)
  ^wlatch:
    %w1 = vm.add.i64 %w, %c1 : i64
    vm.br ^whead(%w1 : i64)
  ^done:
    vm.return
  }
  // for w < nw: for j in [j0, %c12): for k < nk:
  //   dst[at + w * ws + j] = dst[at + w * ws + j] * 0.5 + src[off + w * 2 + k * ks + j]
  // (j moved innermost; w blocked 4 at a time in tiles of 8 (rows of 12) columns: `tile`).
  vm.func private @tiles12(%dst: !vm.buffer, %src: !vm.buffer, %nw: i64, %j0: i64, %nj: i64, %nk: i64,
                         %at: i64, %off: i64, %ws: i64, %ks: i64) attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %c2 = vm.const.i64 2
    %c12 = vm.const.i64 12
    %half = vm.const.f32 0.5
    vm.br ^whead(%c0 : i64)
  ^whead(%w: i64):
    %wmore = vm.cmp.lt.i64.s %w, %nw : i64
    vm.cond_br %wmore, ^wpre, ^done
  ^wpre:
    %wr = vm.mul.i64 %w, %ws : i64
    %row = vm.add.i64 %at, %wr : i64
    %w2 = vm.mul.i64 %w, %c2 : i64
    %base = vm.add.i64 %off, %w2 : i64
    vm.br ^jhead(%c0 : i64)
  ^jhead(%j: i64):
    %jmore = vm.cmp.lt.i64.s %j, %c12 : i64
    vm.cond_br %jmore, ^jpre, ^wlatch
  ^jpre:
    %idx = vm.add.i64 %row, %j : i64
    vm.br ^khead(%c0 : i64)
  ^khead(%k: i64):
    %kmore = vm.cmp.lt.i64.s %k, %nk : i64
    vm.cond_br %kmore, ^kbody, ^jlatch
  ^kbody:
    %v = vm.buffer.load.f32 %dst[%idx] : !vm.buffer -> f32
    %kk = vm.mul.i64 %k, %ks : i64
    %sk = vm.add.i64 %base, %kk : i64
    %si = vm.add.i64 %sk, %j : i64
    %s = vm.buffer.load.f32 %src[%si] : !vm.buffer -> f32
    %vh = vm.mul.f32 %v, %half : f32
    %u = vm.add.f32 %vh, %s : f32
    vm.buffer.store.f32 %u, %dst[%idx] : f32 -> !vm.buffer
    %k1 = vm.add.i64 %k, %c1 : i64
    vm.br ^khead(%k1 : i64)
  ^jlatch:
    %j1 = vm.add.i64 %j, %c1 : i64
    vm.br ^jhead(%j1 : i64)
  ^wlatch:
    %w1 = vm.add.i64 %w, %c1 : i64
    vm.br ^whead(%w1 : i64)
  ^done:
    vm.return
  }
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
  // src is dst itself when alias != 0, else another 256-element buffer; returns dst's hash.
  vm.func @run(%nj: i32, %nk: i32, %at: i32, %off: i32, %stride: i32, %alias: i32) -> i32 {
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
    %nk64 = vm.ext.i32.i64.s %nk : i32 -> i64
    %at64 = vm.ext.i32.i64.s %at : i32 -> i64
    %off64 = vm.ext.i32.i64.s %off : i32 -> i64
    %stride64 = vm.ext.i32.i64.s %stride : i32 -> i64
    vm.call @accumulate(%dst, %src, %nj64, %nk64, %at64, %off64, %stride64)
        : (!vm.buffer, !vm.buffer, i64, i64, i64, i64, i64) -> ()
    %h = vm.call @hash(%dst, %c256) : (!vm.buffer, i64) -> i32
    vm.return %h : i32
  }
  vm.export @run_rows
  // @rows on dst and src = dst (alias != 0) or another 256-element buffer; returns dst's hash.
  vm.func @run_rows(%nj: i32, %nk: i32, %at: i32, %off: i32, %cs: i32, %ks: i32, %alias: i32) -> i32 {
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
    %nk64 = vm.ext.i32.i64.s %nk : i32 -> i64
    %at64 = vm.ext.i32.i64.s %at : i32 -> i64
    %off64 = vm.ext.i32.i64.s %off : i32 -> i64
    %cs64 = vm.ext.i32.i64.s %cs : i32 -> i64
    %ks64 = vm.ext.i32.i64.s %ks : i32 -> i64
    vm.call @rows(%dst, %src, %nj64, %nk64, %at64, %off64, %cs64, %ks64)
        : (!vm.buffer, !vm.buffer, i64, i64, i64, i64, i64, i64) -> ()
    %h = vm.call @hash(%dst, %c256) : (!vm.buffer, i64) -> i32
    vm.return %h : i32
  }
  vm.export @run_blocks
  // @blocks on dst and src = dst (alias != 0) or another 256-element buffer; returns dst's hash.
  vm.func @run_blocks(%nj: i32, %nk: i32, %at: i32, %off: i32, %ws: i32, %ks: i32, %alias: i32) -> i32 {
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
    %nk64 = vm.ext.i32.i64.s %nk : i32 -> i64
    %at64 = vm.ext.i32.i64.s %at : i32 -> i64
    %off64 = vm.ext.i32.i64.s %off : i32 -> i64
    %ws64 = vm.ext.i32.i64.s %ws : i32 -> i64
    %ks64 = vm.ext.i32.i64.s %ks : i32 -> i64
    vm.call @blocks(%dst, %src, %nj64, %nk64, %at64, %off64, %ws64, %ks64)
        : (!vm.buffer, !vm.buffer, i64, i64, i64, i64, i64, i64) -> ()
    %h = vm.call @hash(%dst, %c256) : (!vm.buffer, i64) -> i32
    vm.return %h : i32
  }
  vm.export @run_tiles
  // @tiles (kind 0: j in [j0, nj)) or @tiles12 (kind 1: j < 12) on dst and src = dst (alias != 0)
  // or another 1024-element buffer; returns dst's hash.
  vm.func @run_tiles(%kind: i32, %nw: i32, %j0: i32, %nj: i32, %nk: i32, %at: i32, %off: i32, %ws: i32,
                     %ks: i32, %alias: i32) -> i32 {
    %c1024 = vm.const.i64 1024
    %bytes = vm.const.i64 4096
    %a16 = vm.const.i32 16
    %s1 = vm.const.i32 1
    %s2 = vm.const.i32 -300
    %dst = vm.buffer.alloc %bytes, %a16 : !vm.buffer
    %other = vm.buffer.alloc %bytes, %a16 : !vm.buffer
    vm.call @fill(%dst, %c1024, %s1) : (!vm.buffer, i64, i32) -> ()
    vm.call @fill(%other, %c1024, %s2) : (!vm.buffer, i64, i32) -> ()
    %src = vm.select.ref %alias, %dst, %other : !vm.buffer
    %nw64 = vm.ext.i32.i64.s %nw : i32 -> i64
    %j064 = vm.ext.i32.i64.s %j0 : i32 -> i64
    %nj64 = vm.ext.i32.i64.s %nj : i32 -> i64
    %nk64 = vm.ext.i32.i64.s %nk : i32 -> i64
    %at64 = vm.ext.i32.i64.s %at : i32 -> i64
    %off64 = vm.ext.i32.i64.s %off : i32 -> i64
    %ws64 = vm.ext.i32.i64.s %ws : i32 -> i64
    %ks64 = vm.ext.i32.i64.s %ks : i32 -> i64
    vm.cond_br %kind, ^twelve, ^any
  ^any:
    vm.call @tiles(%dst, %src, %nw64, %j064, %nj64, %nk64, %at64, %off64, %ws64, %ks64)
        : (!vm.buffer, !vm.buffer, i64, i64, i64, i64, i64, i64, i64, i64) -> ()
    vm.br ^done
  ^twelve:
    vm.call @tiles12(%dst, %src, %nw64, %j064, %nj64, %nk64, %at64, %off64, %ws64, %ks64)
        : (!vm.buffer, !vm.buffer, i64, i64, i64, i64, i64, i64, i64, i64) -> ()
    vm.br ^done
  ^done:
    %h = vm.call @hash(%dst, %c1024) : (!vm.buffer, i64) -> i32
    vm.return %h : i32
  }
  vm.export @spans
  // @accumulate (kind 0, p = stride), @rows (kind 1, p = cs, q = ks) or @blocks (kind 2, p = ws,
  // q = ks) on dst and src: 256-element subspans at elements da and sa of one 512-element
  // allocation (the same storage, overlapping when |da - sa| < 256); returns its hash.
  vm.func @spans(%kind: i32, %n: i32, %nk: i32, %at: i32, %off: i32, %p: i32, %q: i32, %da: i32,
                 %sa: i32) -> i32 {
    %a16 = vm.const.i32 16
    %bytes = vm.const.i64 2048
    %span = vm.const.i64 1024
    %c512 = vm.const.i64 512
    %c4 = vm.const.i64 4
    %s1 = vm.const.i32 1
    %hb, %whole = vm.call @hal_inline.buffer.allocate(%a16, %bytes) : (i32, i64) -> (!vm.ref<!hal.buffer>, !vm.buffer)
    vm.call @fill(%whole, %c512, %s1) : (!vm.buffer, i64, i32) -> ()
    %da64 = vm.ext.i32.i64.s %da : i32 -> i64
    %sa64 = vm.ext.i32.i64.s %sa : i32 -> i64
    %db = vm.mul.i64 %da64, %c4 : i64
    %sb = vm.mul.i64 %sa64, %c4 : i64
    %dh = vm.call @hal_inline.buffer.subspan(%hb, %db, %span) : (!vm.ref<!hal.buffer>, i64, i64) -> !vm.ref<!hal.buffer>
    %sh = vm.call @hal_inline.buffer.subspan(%hb, %sb, %span) : (!vm.ref<!hal.buffer>, i64, i64) -> !vm.ref<!hal.buffer>
    %dst = vm.call @hal_inline.buffer.storage(%dh) : (!vm.ref<!hal.buffer>) -> !vm.buffer
    %src = vm.call @hal_inline.buffer.storage(%sh) : (!vm.ref<!hal.buffer>) -> !vm.buffer
    %n64 = vm.ext.i32.i64.s %n : i32 -> i64
    %nk64 = vm.ext.i32.i64.s %nk : i32 -> i64
    %at64 = vm.ext.i32.i64.s %at : i32 -> i64
    %off64 = vm.ext.i32.i64.s %off : i32 -> i64
    %p64 = vm.ext.i32.i64.s %p : i32 -> i64
    %q64 = vm.ext.i32.i64.s %q : i32 -> i64
    %is_acc = vm.cmp.nz.i32 %kind : i32
    vm.cond_br %is_acc, ^other, ^acc
  ^acc:
    vm.call @accumulate(%dst, %src, %n64, %nk64, %at64, %off64, %p64)
        : (!vm.buffer, !vm.buffer, i64, i64, i64, i64, i64) -> ()
    vm.br ^done
  ^other:
    %c1 = vm.const.i32 1
    %is_rows = vm.cmp.eq.i32 %kind, %c1 : i32
    vm.cond_br %is_rows, ^rows, ^blocks
  ^rows:
    vm.call @rows(%dst, %src, %n64, %nk64, %at64, %off64, %p64, %q64)
        : (!vm.buffer, !vm.buffer, i64, i64, i64, i64, i64, i64) -> ()
    vm.br ^done
  ^blocks:
    vm.call @blocks(%dst, %src, %n64, %nk64, %at64, %off64, %p64, %q64)
        : (!vm.buffer, !vm.buffer, i64, i64, i64, i64, i64, i64) -> ()
    vm.br ^done
  ^done:
    %h = vm.call @hash(%whole, %c512) : (!vm.buffer, i64) -> i32
    vm.return %h : i32
  }
  vm.export @run_strided
  // @strided on dst and src = dst (alias != 0) or another 256-element buffer; returns dst's hash.
  vm.func @run_strided(%nj: i32, %nm: i32, %nk: i32, %at: i32, %off: i32, %js: i32, %ms: i32,
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
    %nm64 = vm.ext.i32.i64.s %nm : i32 -> i64
    %nk64 = vm.ext.i32.i64.s %nk : i32 -> i64
    %at64 = vm.ext.i32.i64.s %at : i32 -> i64
    %off64 = vm.ext.i32.i64.s %off : i32 -> i64
    %js64 = vm.ext.i32.i64.s %js : i32 -> i64
    %ms64 = vm.ext.i32.i64.s %ms : i32 -> i64
    vm.call @strided(%dst, %src, %nj64, %nm64, %nk64, %at64, %off64, %js64, %ms64)
        : (!vm.buffer, !vm.buffer, i64, i64, i64, i64, i64, i64, i64) -> ()
    %h = vm.call @hash(%dst, %c256) : (!vm.buffer, i64) -> i32
    vm.return %h : i32
  }
  vm.export @run_inplace
  // @inplace on a 256-element buffer; returns its hash.
  vm.func @run_inplace(%nj: i32, %nk: i32, %at: i32, %off: i32, %stride: i32) -> i32 {
    %c256 = vm.const.i64 256
    %bytes = vm.const.i64 1024
    %a16 = vm.const.i32 16
    %s1 = vm.const.i32 1
    %buf = vm.buffer.alloc %bytes, %a16 : !vm.buffer
    vm.call @fill(%buf, %c256, %s1) : (!vm.buffer, i64, i32) -> ()
    %nj64 = vm.ext.i32.i64.s %nj : i32 -> i64
    %nk64 = vm.ext.i32.i64.s %nk : i32 -> i64
    %at64 = vm.ext.i32.i64.s %at : i32 -> i64
    %off64 = vm.ext.i32.i64.s %off : i32 -> i64
    %stride64 = vm.ext.i32.i64.s %stride : i32 -> i64
    vm.call @inplace(%buf, %nj64, %nk64, %at64, %off64, %stride64)
        : (!vm.buffer, i64, i64, i64, i64, i64) -> ()
    %h = vm.call @hash(%buf, %c256) : (!vm.buffer, i64) -> i32
    vm.return %h : i32
  }
  vm.export @run_scale
  // @scale on dst, src = another 256-element buffer and w = dst (alias != 0) or src; returns dst's hash.
  vm.func @run_scale(%n: i32, %c: i32, %alias: i32) -> i32 {
    %c256 = vm.const.i64 256
    %bytes = vm.const.i64 1024
    %a16 = vm.const.i32 16
    %s1 = vm.const.i32 1
    %s2 = vm.const.i32 -300
    %dst = vm.buffer.alloc %bytes, %a16 : !vm.buffer
    %src = vm.buffer.alloc %bytes, %a16 : !vm.buffer
    vm.call @fill(%dst, %c256, %s1) : (!vm.buffer, i64, i32) -> ()
    vm.call @fill(%src, %c256, %s2) : (!vm.buffer, i64, i32) -> ()
    %w = vm.select.ref %alias, %dst, %src : !vm.buffer
    %n64 = vm.ext.i32.i64.s %n : i32 -> i64
    %c64 = vm.ext.i32.i64.s %c : i32 -> i64
    vm.call @scale(%dst, %src, %w, %n64, %c64) : (!vm.buffer, !vm.buffer, !vm.buffer, i64, i64) -> ()
    %h = vm.call @hash(%dst, %c256) : (!vm.buffer, i64) -> i32
    vm.return %h : i32
  }
}
