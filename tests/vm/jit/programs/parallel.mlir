vm.module @parallel {
  // for j < nj: for k < nk: dst[at + j * cs + k] = src[off + j * nk + k] * 0.5 + 1
  // (iterations overlap when cs < nk; src is dst when aliased).
  vm.func private @rows(%dst: !vm.buffer, %src: !vm.buffer, %nj: i64, %nk: i64, %at: i64, %off: i64,
                        %cs: i64) attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %half = vm.const.f32 0.5
    %one = vm.const.f32 1.0
    vm.br ^jhead(%c0 : i64)
  ^jhead(%j: i64):
    %jmore = vm.cmp.lt.i64.s %j, %nj : i64
    vm.cond_br %jmore, ^jpre, ^done
  ^jpre:
    %jc = vm.mul.i64 %j, %cs : i64
    %row = vm.add.i64 %jc, %at : i64
    %jn = vm.mul.i64 %j, %nk : i64
    %from = vm.add.i64 %jn, %off : i64
    vm.br ^khead(%c0 : i64)
  ^khead(%k: i64):
    %kmore = vm.cmp.lt.i64.s %k, %nk : i64
    vm.cond_br %kmore, ^kbody, ^jlatch
  ^kbody:
    %si = vm.add.i64 %from, %k : i64
    %s = vm.buffer.load.f32 %src[%si] : !vm.buffer -> f32
    %v = vm.fma.f32 %s, %half, %one : f32
    %di = vm.add.i64 %row, %k : i64
    vm.buffer.store.f32 %v, %dst[%di] : f32 -> !vm.buffer
    %k1 = vm.add.i64 %k, %c1 : i64
    vm.br ^khead(%k1 : i64)
  ^jlatch:
    %j1 = vm.add.i64 %j, %c1 : i64
    vm.br ^jhead(%j1 : i64)
  ^done:
    vm.return
  }
  // Workgroups w < n of 8x8 tiles of a 32-wide matrix, as IREE numbers them: tile row w / 4,
  // column w % 4; dst[(w / 4 * 8 + i) * 32 + w % 4 * 8 + k] = dst[...] * 0.5 + (w + i + k).
  vm.func private @tiles(%dst: !vm.buffer, %n: i64) attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %c4 = vm.const.i64 4
    %c8 = vm.const.i64 8
    %c32 = vm.const.i64 32
    %half = vm.const.f32 0.5
    vm.br ^whead(%c0 : i64)
  ^whead(%w: i64):
    %wmore = vm.cmp.lt.i64.s %w, %n : i64
    vm.cond_br %wmore, ^wpre, ^done
  ^wpre:
    %tr = vm.div.i64.s %w, %c4 : i64
    %tc = vm.rem.i64.s %w, %c4 : i64
    %r0 = vm.mul.i64 %tr, %c8 : i64
    %c0w = vm.mul.i64 %tc, %c8 : i64
    vm.br ^ihead(%c0 : i64)
  ^ihead(%i: i64):
    %imore = vm.cmp.lt.i64.s %i, %c8 : i64
    vm.cond_br %imore, ^ipre, ^wlatch
  ^ipre:
    %ri = vm.add.i64 %r0, %i : i64
    %rowi = vm.mul.i64 %ri, %c32 : i64
    %base = vm.add.i64 %rowi, %c0w : i64
    vm.br ^khead(%c0 : i64)
  ^khead(%k: i64):
    %kmore = vm.cmp.lt.i64.s %k, %c8 : i64
    vm.cond_br %kmore, ^kbody, ^ilatch
  ^kbody:
    %idx = vm.add.i64 %base, %k : i64
    %old = vm.buffer.load.f32 %dst[%idx] : !vm.buffer -> f32
    %wi = vm.add.i64 %w, %i : i64
    %wik = vm.add.i64 %wi, %k : i64
    %t = vm.trunc.i64.i32 %wik : i64 -> i32
    %f = vm.cast.si32.f32 %t : i32 -> f32
    %v = vm.fma.f32 %old, %half, %f : f32
    vm.buffer.store.f32 %v, %dst[%idx] : f32 -> !vm.buffer
    %k1 = vm.add.i64 %k, %c1 : i64
    vm.br ^khead(%k1 : i64)
  ^ilatch:
    %i1 = vm.add.i64 %i, %c1 : i64
    vm.br ^ihead(%i1 : i64)
  ^wlatch:
    %w1 = vm.add.i64 %w, %c1 : i64
    vm.br ^whead(%w1 : i64)
  ^done:
    vm.return
  }
  // dst[j * nk + k] = acc, acc counting up over every j: a register one iteration leaves the next.
  vm.func private @carried(%dst: !vm.buffer, %nj: i64, %nk: i64) attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %acc0 = vm.const.f32 0.0
    %one = vm.const.f32 1.0
    vm.br ^jhead(%c0, %acc0 : i64, f32)
  ^jhead(%j: i64, %acc: f32):
    %jmore = vm.cmp.lt.i64.s %j, %nj : i64
    vm.cond_br %jmore, ^jpre, ^done
  ^jpre:
    %jn = vm.mul.i64 %j, %nk : i64
    vm.br ^khead(%c0 : i64)
  ^khead(%k: i64):
    %kmore = vm.cmp.lt.i64.s %k, %nk : i64
    vm.cond_br %kmore, ^kbody, ^jlatch
  ^kbody:
    %di = vm.add.i64 %jn, %k : i64
    vm.buffer.store.f32 %acc, %dst[%di] : f32 -> !vm.buffer
    %k1 = vm.add.i64 %k, %c1 : i64
    vm.br ^khead(%k1 : i64)
  ^jlatch:
    %acc1 = vm.add.f32 %acc, %one : f32
    %j1 = vm.add.i64 %j, %c1 : i64
    vm.br ^jhead(%j1, %acc1 : i64, f32)
  ^done:
    vm.return
  }
  // dst[0] += src[j * nk + k]: every iteration updates one element (a reduction over j).
  vm.func private @reduce(%dst: !vm.buffer, %src: !vm.buffer, %nj: i64, %nk: i64) attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    vm.br ^jhead(%c0 : i64)
  ^jhead(%j: i64):
    %jmore = vm.cmp.lt.i64.s %j, %nj : i64
    vm.cond_br %jmore, ^jpre, ^done
  ^jpre:
    %jn = vm.mul.i64 %j, %nk : i64
    vm.br ^khead(%c0 : i64)
  ^khead(%k: i64):
    %kmore = vm.cmp.lt.i64.s %k, %nk : i64
    vm.cond_br %kmore, ^kbody, ^jlatch
  ^kbody:
    %si = vm.add.i64 %jn, %k : i64
    %s = vm.buffer.load.f32 %src[%si] : !vm.buffer -> f32
    %old = vm.buffer.load.f32 %dst[%c0] : !vm.buffer -> f32
    %v = vm.add.f32 %old, %s : f32
    vm.buffer.store.f32 %v, %dst[%c0] : f32 -> !vm.buffer
    %k1 = vm.add.i64 %k, %c1 : i64
    vm.br ^khead(%k1 : i64)
  ^jlatch:
    %j1 = vm.add.i64 %j, %c1 : i64
    vm.br ^jhead(%j1 : i64)
  ^done:
    vm.return
  }
  // dst[j * nk + k] = 1000 / src[j * nk + k] (i32): a division by zero where src holds 0.
  vm.func private @divides(%dst: !vm.buffer, %src: !vm.buffer, %nj: i64, %nk: i64) attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %thousand = vm.const.i32 1000
    vm.br ^jhead(%c0 : i64)
  ^jhead(%j: i64):
    %jmore = vm.cmp.lt.i64.s %j, %nj : i64
    vm.cond_br %jmore, ^jpre, ^done
  ^jpre:
    %jn = vm.mul.i64 %j, %nk : i64
    vm.br ^khead(%c0 : i64)
  ^khead(%k: i64):
    %kmore = vm.cmp.lt.i64.s %k, %nk : i64
    vm.cond_br %kmore, ^kbody, ^jlatch
  ^kbody:
    %i = vm.add.i64 %jn, %k : i64
    %x = vm.buffer.load.i32 %src[%i] : !vm.buffer -> i32
    %q = vm.div.i32.s %thousand, %x : i32
    vm.buffer.store.i32 %q, %dst[%i] : i32 -> !vm.buffer
    %k1 = vm.add.i64 %k, %c1 : i64
    vm.br ^khead(%k1 : i64)
  ^jlatch:
    %j1 = vm.add.i64 %j, %c1 : i64
    vm.br ^jhead(%j1 : i64)
  ^done:
    vm.return
  }
  // As rows, but returns the last row's start, a register the loop writes and the caller reads.
  vm.func private @last_row(%dst: !vm.buffer, %nj: i64, %nk: i64) -> i64 attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %one = vm.const.f32 1.0
    vm.br ^jhead(%c0, %c0 : i64, i64)
  ^jhead(%j: i64, %last: i64):
    %jmore = vm.cmp.lt.i64.s %j, %nj : i64
    vm.cond_br %jmore, ^jpre, ^done
  ^jpre:
    %jn = vm.mul.i64 %j, %nk : i64
    vm.br ^khead(%c0 : i64)
  ^khead(%k: i64):
    %kmore = vm.cmp.lt.i64.s %k, %nk : i64
    vm.cond_br %kmore, ^kbody, ^jlatch
  ^kbody:
    %di = vm.add.i64 %jn, %k : i64
    vm.buffer.store.f32 %one, %dst[%di] : f32 -> !vm.buffer
    %k1 = vm.add.i64 %k, %c1 : i64
    vm.br ^khead(%k1 : i64)
  ^jlatch:
    %j1 = vm.add.i64 %j, %c1 : i64
    vm.br ^jhead(%j1, %jn : i64, i64)
  ^done:
    vm.return %last : i64
  }
  // Two loops in one region, the first one's exit the second one's header:
  // dst[j * nk + k] = src[512 + j * nk + k] * 0.5 + 1 for j < nj1, k < nk,
  // then dst[at + j] += src[j * nk + k] for j < nj2, k < nk. With src = dst and at + j among
  // j * nk .. j * nk + nk - 1, the second loop's inner loop reads the element it updates:
  // its entry checks fail.
  vm.func private @two_loops(%dst: !vm.buffer, %src: !vm.buffer, %nj1: i64, %nj2: i64, %nk: i64,
                             %at: i64) attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %c512 = vm.const.i64 512
    %half = vm.const.f32 0.5
    %one = vm.const.f32 1.0
    vm.br ^ahead(%c0 : i64)
  ^ahead(%a: i64):
    %amore = vm.cmp.lt.i64.s %a, %nj1 : i64
    vm.cond_br %amore, ^apre, ^bhead(%c0 : i64)
  ^apre:
    %an = vm.mul.i64 %a, %nk : i64
    %afrom = vm.add.i64 %an, %c512 : i64
    vm.br ^akhead(%c0 : i64)
  ^akhead(%ak: i64):
    %akmore = vm.cmp.lt.i64.s %ak, %nk : i64
    vm.cond_br %akmore, ^akbody, ^alatch
  ^akbody:
    %asi = vm.add.i64 %afrom, %ak : i64
    %as = vm.buffer.load.f32 %src[%asi] : !vm.buffer -> f32
    %av = vm.fma.f32 %as, %half, %one : f32
    %adi = vm.add.i64 %an, %ak : i64
    vm.buffer.store.f32 %av, %dst[%adi] : f32 -> !vm.buffer
    %ak1 = vm.add.i64 %ak, %c1 : i64
    vm.br ^akhead(%ak1 : i64)
  ^alatch:
    %a1 = vm.add.i64 %a, %c1 : i64
    vm.br ^ahead(%a1 : i64)
  ^bhead(%b: i64):
    %bmore = vm.cmp.lt.i64.s %b, %nj2 : i64
    vm.cond_br %bmore, ^bpre, ^done
  ^bpre:
    %bn = vm.mul.i64 %b, %nk : i64
    %brow = vm.add.i64 %b, %at : i64
    vm.br ^bkhead(%c0 : i64)
  ^bkhead(%bk: i64):
    %bkmore = vm.cmp.lt.i64.s %bk, %nk : i64
    vm.cond_br %bkmore, ^bkbody, ^blatch
  ^bkbody:
    %bsi = vm.add.i64 %bn, %bk : i64
    %bs = vm.buffer.load.f32 %src[%bsi] : !vm.buffer -> f32
    %bo = vm.buffer.load.f32 %dst[%brow] : !vm.buffer -> f32
    %bv = vm.add.f32 %bo, %bs : f32
    vm.buffer.store.f32 %bv, %dst[%brow] : f32 -> !vm.buffer
    %bk1 = vm.add.i64 %bk, %c1 : i64
    vm.br ^bkhead(%bk1 : i64)
  ^blatch:
    %b1 = vm.add.i64 %b, %c1 : i64
    vm.br ^bhead(%b1 : i64)
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
  // A hash of every bit of the n 32-bit elements of buf.
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
    %bits = vm.buffer.load.i32 %buf[%i] : !vm.buffer -> i32
    %hm = vm.mul.i32 %h, %m : i32
    %h1 = vm.xor.i32 %hm, %bits : i32
    %i1 = vm.add.i64 %i, %c1 : i64
    vm.br ^head(%i1, %h1 : i64, i32)
  ^done:
    vm.return %h : i32
  }
  // Each run_* returns the hash of dst. A ref op (vm.select.ref, of dst when nj or n is not
  // 0) before a call keeps it interpreted, so that its callee's loops are regions of their
  // own, not compiled into a region around the caller's loops. run_rows: src is dst itself
  // when alias != 0, else another 1024-element buffer.
  vm.export @run_rows
  vm.func @run_rows(%nj: i32, %nk: i32, %at: i32, %off: i32, %cs: i32, %alias: i32) -> i32 {
    %n = vm.const.i64 1024
    %bytes = vm.const.i64 4096
    %a16 = vm.const.i32 16
    %s1 = vm.const.i32 1
    %s2 = vm.const.i32 -300
    %dst = vm.buffer.alloc %bytes, %a16 : !vm.buffer
    %other = vm.buffer.alloc %bytes, %a16 : !vm.buffer
    vm.call @fill(%dst, %n, %s1) : (!vm.buffer, i64, i32) -> ()
    vm.call @fill(%other, %n, %s2) : (!vm.buffer, i64, i32) -> ()
    %src = vm.select.ref %alias, %dst, %other : !vm.buffer
    %nj64 = vm.ext.i32.i64.s %nj : i32 -> i64
    %nk64 = vm.ext.i32.i64.s %nk : i32 -> i64
    %at64 = vm.ext.i32.i64.s %at : i32 -> i64
    %off64 = vm.ext.i32.i64.s %off : i32 -> i64
    %cs64 = vm.ext.i32.i64.s %cs : i32 -> i64
    vm.call @rows(%dst, %src, %nj64, %nk64, %at64, %off64, %cs64)
        : (!vm.buffer, !vm.buffer, i64, i64, i64, i64, i64) -> ()
    %h = vm.call @hash(%dst, %n) : (!vm.buffer, i64) -> i32
    vm.return %h : i32
  }
  vm.export @run_tiles
  vm.func @run_tiles(%n: i32) -> i32 {
    %size = vm.const.i64 1024
    %bytes = vm.const.i64 4096
    %a16 = vm.const.i32 16
    %s1 = vm.const.i32 3
    %dst = vm.buffer.alloc %bytes, %a16 : !vm.buffer
    vm.call @fill(%dst, %size, %s1) : (!vm.buffer, i64, i32) -> ()
    %n64 = vm.ext.i32.i64.s %n : i32 -> i64
    %spare = vm.buffer.alloc %bytes, %a16 : !vm.buffer
    %same = vm.select.ref %n, %dst, %spare : !vm.buffer
    vm.call @tiles(%same, %n64) : (!vm.buffer, i64) -> ()
    %h = vm.call @hash(%dst, %size) : (!vm.buffer, i64) -> i32
    vm.return %h : i32
  }
  vm.export @run_carried
  vm.func @run_carried(%nj: i32, %nk: i32) -> i32 {
    %size = vm.const.i64 1024
    %bytes = vm.const.i64 4096
    %a16 = vm.const.i32 16
    %dst = vm.buffer.alloc %bytes, %a16 : !vm.buffer
    %nj64 = vm.ext.i32.i64.s %nj : i32 -> i64
    %nk64 = vm.ext.i32.i64.s %nk : i32 -> i64
    vm.call @carried(%dst, %nj64, %nk64) : (!vm.buffer, i64, i64) -> ()
    %h = vm.call @hash(%dst, %size) : (!vm.buffer, i64) -> i32
    vm.return %h : i32
  }
  vm.export @run_reduce
  vm.func @run_reduce(%nj: i32, %nk: i32) -> i32 {
    %size = vm.const.i64 1024
    %bytes = vm.const.i64 4096
    %a16 = vm.const.i32 16
    %s1 = vm.const.i32 5
    %dst = vm.buffer.alloc %bytes, %a16 : !vm.buffer
    %src = vm.buffer.alloc %bytes, %a16 : !vm.buffer
    vm.call @fill(%src, %size, %s1) : (!vm.buffer, i64, i32) -> ()
    %nj64 = vm.ext.i32.i64.s %nj : i32 -> i64
    %nk64 = vm.ext.i32.i64.s %nk : i32 -> i64
    %same = vm.select.ref %nj, %dst, %src : !vm.buffer
    vm.call @reduce(%same, %src, %nj64, %nk64) : (!vm.buffer, !vm.buffer, i64, i64) -> ()
    %h = vm.call @hash(%dst, %size) : (!vm.buffer, i64) -> i32
    vm.return %h : i32
  }
  // src holds i + 1 but 0 at `zero`: the division faults there.
  vm.export @run_divides
  vm.func @run_divides(%nj: i32, %nk: i32, %zero: i32) -> i32 {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %size = vm.const.i64 1024
    %bytes = vm.const.i64 4096
    %a16 = vm.const.i32 16
    %z = vm.const.i32 0
    %dst = vm.buffer.alloc %bytes, %a16 : !vm.buffer
    %src = vm.buffer.alloc %bytes, %a16 : !vm.buffer
    vm.br ^head(%c0 : i64)
  ^head(%i: i64):
    %more = vm.cmp.lt.i64.s %i, %size : i64
    vm.cond_br %more, ^body, ^go
  ^body:
    %i32 = vm.trunc.i64.i32 %i : i64 -> i32
    %x = vm.add.i32 %i32, %a16 : i32
    vm.buffer.store.i32 %x, %src[%i] : i32 -> !vm.buffer
    %i1 = vm.add.i64 %i, %c1 : i64
    vm.br ^head(%i1 : i64)
  ^go:
    %zero64 = vm.ext.i32.i64.s %zero : i32 -> i64
    vm.buffer.store.i32 %z, %src[%zero64] : i32 -> !vm.buffer
    %nj64 = vm.ext.i32.i64.s %nj : i32 -> i64
    %nk64 = vm.ext.i32.i64.s %nk : i32 -> i64
    %same = vm.select.ref %nj, %dst, %src : !vm.buffer
    vm.call @divides(%same, %src, %nj64, %nk64) : (!vm.buffer, !vm.buffer, i64, i64) -> ()
    %h = vm.call @hash(%dst, %size) : (!vm.buffer, i64) -> i32
    vm.return %h : i32
  }
  vm.export @run_last_row
  vm.func @run_last_row(%nj: i32, %nk: i32) -> i64 {
    %bytes = vm.const.i64 4096
    %a16 = vm.const.i32 16
    %dst = vm.buffer.alloc %bytes, %a16 : !vm.buffer
    %nj64 = vm.ext.i32.i64.s %nj : i32 -> i64
    %nk64 = vm.ext.i32.i64.s %nk : i32 -> i64
    %last = vm.call @last_row(%dst, %nj64, %nk64) : (!vm.buffer, i64, i64) -> i64
    vm.return %last : i64
  }
  vm.export @run_two_loops
  vm.func @run_two_loops(%nj1: i32, %nj2: i32, %nk: i32, %at: i32, %alias: i32) -> i32 {
    %n = vm.const.i64 1024
    %bytes = vm.const.i64 4096
    %a16 = vm.const.i32 16
    %s1 = vm.const.i32 7
    %s2 = vm.const.i32 -90
    %dst = vm.buffer.alloc %bytes, %a16 : !vm.buffer
    %other = vm.buffer.alloc %bytes, %a16 : !vm.buffer
    vm.call @fill(%dst, %n, %s1) : (!vm.buffer, i64, i32) -> ()
    vm.call @fill(%other, %n, %s2) : (!vm.buffer, i64, i32) -> ()
    %src = vm.select.ref %alias, %dst, %other : !vm.buffer
    %nj164 = vm.ext.i32.i64.s %nj1 : i32 -> i64
    %nj264 = vm.ext.i32.i64.s %nj2 : i32 -> i64
    %nk64 = vm.ext.i32.i64.s %nk : i32 -> i64
    %at64 = vm.ext.i32.i64.s %at : i32 -> i64
    vm.call @two_loops(%dst, %src, %nj164, %nj264, %nk64, %at64)
        : (!vm.buffer, !vm.buffer, i64, i64, i64, i64) -> ()
    %h = vm.call @hash(%dst, %n) : (!vm.buffer, i64) -> i32
    vm.return %h : i32
  }
}
