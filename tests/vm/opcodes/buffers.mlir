// vm.buffer: rodata, alloc, clone, length, copy, compare, fill/load/store of every width, hash.
// Typed loads/stores/fills use ELEMENT indices; copy/compare/clone/hash use BYTE offsets.
vm.module @buffers {
  // bytes: 01 80 FF 7F 34 12 FE FF | 00 00 80 3F 00 00 00 C0   (the last 8 bytes: f32 1.0, f32 -2.0)
  vm.rodata private @ro dense<[1, -128, -1, 127, 52, 18, -2, -1, 0, 0, -128, 63, 0, 0, 0, -64]> : tensor<16xi8>
  vm.rodata private @ro_f64 dense<[1.5, -0.1]> : tensor<2xf64>
  // bytes 01..0B (hash test vectors from iree-inline-abi.md 2.13)
  vm.rodata private @ro_seq dense<[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]> : tensor<11xi8>

  //===------------------------------------------------------------------===//
  // Loads from rodata
  //===------------------------------------------------------------------===//

  // CASE: load_i8(0) -> i32=1, i32=1
  // CASE: load_i8(1) -> i32=128, i32=-128
  // CASE: load_i8(2) -> i32=255, i32=-1
  // CASE: load_i8(15) -> i32=192, i32=-64
  // ERROR: load_i8(16) -> OUT_OF_RANGE; out-of-bounds access detected (offset=16, length=1, alignment=1, buffer length=16)
  vm.export @load_i8
  vm.func @load_i8(%i: i64) -> (i32, i32) {
    %ro = vm.const.ref.rodata @ro : !vm.buffer
    %u = vm.buffer.load.i8.u %ro[%i] : !vm.buffer -> i32
    %s = vm.buffer.load.i8.s %ro[%i] : !vm.buffer -> i32
    vm.return %u, %s : i32, i32
  }

  // CASE: load_i16(0) -> i32=32769, i32=-32767
  // CASE: load_i16(1) -> i32=32767, i32=32767
  // CASE: load_i16(3) -> i32=65534, i32=-2
  // CASE: load_i16(7) -> i32=49152, i32=-16384
  // ERROR: load_i16(8) -> OUT_OF_RANGE; out-of-bounds access detected (offset=16, length=2, alignment=2, buffer length=16)
  vm.export @load_i16
  vm.func @load_i16(%i: i64) -> (i32, i32) {
    %ro = vm.const.ref.rodata @ro : !vm.buffer
    %u = vm.buffer.load.i16.u %ro[%i] : !vm.buffer -> i32
    %s = vm.buffer.load.i16.s %ro[%i] : !vm.buffer -> i32
    vm.return %u, %s : i32, i32
  }

  // CASE: load_i32_f32(0) -> i32=2147450881, f32=nan
  // CASE: load_i32_f32(2) -> i32=1065353216, f32=1
  // CASE: load_i32_f32(3) -> i32=-1073741824, f32=-2
  // ERROR: load_i32_f32(4) -> OUT_OF_RANGE; out-of-bounds access detected (offset=16, length=4, alignment=4, buffer length=16)
  vm.export @load_i32_f32
  vm.func @load_i32_f32(%i: i64) -> (i32, f32) {
    %ro = vm.const.ref.rodata @ro : !vm.buffer
    %a = vm.buffer.load.i32 %ro[%i] : !vm.buffer -> i32
    %b = vm.buffer.load.f32 %ro[%i] : !vm.buffer -> f32
    vm.return %a, %b : i32, f32
  }

  // CASE: load_i64_f64(0) -> i64=-542933258371071, i64=4609434218613702656, f64=1.5
  // CASE: load_i64_f64(1) -> i64=-4611686017362034688, i64=-4631501856787818086, f64=-0.1
  // ERROR: load_i64_f64(2) -> OUT_OF_RANGE; out-of-bounds access detected (offset=16, length=8, alignment=8, buffer length=16)
  // A negative index is not caught by IREE (it reads before the buffer and returns garbage).
  // CRASH: load_i64_f64(-1)
  vm.export @load_i64_f64
  vm.func @load_i64_f64(%i: i64) -> (i64, i64, f64) {
    %ro = vm.const.ref.rodata @ro : !vm.buffer
    %rf = vm.const.ref.rodata @ro_f64 : !vm.buffer
    %a = vm.buffer.load.i64 %ro[%i] : !vm.buffer -> i64
    %b = vm.buffer.load.i64 %rf[%i] : !vm.buffer -> i64
    %c = vm.buffer.load.f64 %rf[%i] : !vm.buffer -> f64
    vm.return %a, %b, %c : i64, i64, f64
  }

  //===------------------------------------------------------------------===//
  // Stores into a fresh (zeroed) 16-byte buffer, read back as two i64 words
  //===------------------------------------------------------------------===//

  // CASE: store_i8(0, 255) -> i64=255, i64=0
  // CASE: store_i8(9, 4660) -> i64=0, i64=13312
  // CASE: store_i8(15, -1) -> i64=0, i64=-72057594037927936
  // ERROR: store_i8(16, 1) -> OUT_OF_RANGE; out-of-bounds access detected (offset=16, length=1, alignment=1, buffer length=16)
  vm.export @store_i8
  vm.func @store_i8(%i: i64, %v: i32) -> (i64, i64) {
    %buf = vm.call @alloc16() : () -> !vm.buffer
    vm.buffer.store.i8 %v, %buf[%i] : i32 -> !vm.buffer
    %w:2 = vm.call @words(%buf) : (!vm.buffer) -> (i64, i64)
    vm.return %w#0, %w#1 : i64, i64
  }

  // CASE: store_i16(0, 65535) -> i64=65535, i64=0
  // CASE: store_i16(5, 305419896) -> i64=0, i64=1450704896
  // CASE: store_i16(7, -2) -> i64=0, i64=-562949953421312
  // ERROR: store_i16(8, 1) -> OUT_OF_RANGE; out-of-bounds access detected (offset=16, length=2, alignment=2, buffer length=16)
  vm.export @store_i16
  vm.func @store_i16(%i: i64, %v: i32) -> (i64, i64) {
    %buf = vm.call @alloc16() : () -> !vm.buffer
    vm.buffer.store.i16 %v, %buf[%i] : i32 -> !vm.buffer
    %w:2 = vm.call @words(%buf) : (!vm.buffer) -> (i64, i64)
    vm.return %w#0, %w#1 : i64, i64
  }

  // CASE: store_i32(1, -2147483648) -> i64=-9223372036854775808, i64=0
  // CASE: store_i32(3, 305419896) -> i64=0, i64=1311768464867721216
  // ERROR: store_i32(4, 1) -> OUT_OF_RANGE; out-of-bounds access detected (offset=16, length=4, alignment=4, buffer length=16)
  vm.export @store_i32
  vm.func @store_i32(%i: i64, %v: i32) -> (i64, i64) {
    %buf = vm.call @alloc16() : () -> !vm.buffer
    vm.buffer.store.i32 %v, %buf[%i] : i32 -> !vm.buffer
    %w:2 = vm.call @words(%buf) : (!vm.buffer) -> (i64, i64)
    vm.return %w#0, %w#1 : i64, i64
  }

  // CASE: store_i64(1, -81985529216486896) -> i64=0, i64=-81985529216486896
  // ERROR: store_i64(2, 1) -> OUT_OF_RANGE; out-of-bounds access detected (offset=16, length=8, alignment=8, buffer length=16)
  vm.export @store_i64
  vm.func @store_i64(%i: i64, %v: i64) -> (i64, i64) {
    %buf = vm.call @alloc16() : () -> !vm.buffer
    vm.buffer.store.i64 %v, %buf[%i] : i64 -> !vm.buffer
    %w:2 = vm.call @words(%buf) : (!vm.buffer) -> (i64, i64)
    vm.return %w#0, %w#1 : i64, i64
  }

  // CASE: store_f32(2, -0) -> i64=0, i64=2147483648
  // CASE: store_f32(3, 1.5) -> i64=0, i64=4593671619917905920
  // ERROR: store_f32(4, 1) -> OUT_OF_RANGE; out-of-bounds access detected (offset=16, length=4, alignment=4, buffer length=16)
  vm.export @store_f32
  vm.func @store_f32(%i: i64, %v: f32) -> (i64, i64) {
    %buf = vm.call @alloc16() : () -> !vm.buffer
    vm.buffer.store.f32 %v, %buf[%i] : f32 -> !vm.buffer
    %w:2 = vm.call @words(%buf) : (!vm.buffer) -> (i64, i64)
    vm.return %w#0, %w#1 : i64, i64
  }

  // CASE: store_f64(0, -0.1) -> i64=-4631501856787818086, i64=0, f64=-0.1
  // CASE: store_f64(1, inf) -> i64=0, i64=9218868437227405312, f64=inf
  // ERROR: store_f64(2, 1) -> OUT_OF_RANGE; out-of-bounds access detected (offset=16, length=8, alignment=8, buffer length=16)
  vm.export @store_f64
  vm.func @store_f64(%i: i64, %v: f64) -> (i64, i64, f64) {
    %buf = vm.call @alloc16() : () -> !vm.buffer
    vm.buffer.store.f64 %v, %buf[%i] : f64 -> !vm.buffer
    %w:2 = vm.call @words(%buf) : (!vm.buffer) -> (i64, i64)
    %back = vm.buffer.load.f64 %buf[%i] : !vm.buffer -> f64
    vm.return %w#0, %w#1, %back : i64, i64, f64
  }

  // Rodata is read-only.
  // ERROR: store_rodata(0) -> PERMISSION_DENIED; buffer is read-only and cannot be mapped for mutation
  vm.export @store_rodata
  vm.func @store_rodata(%i: i64) {
    %ro = vm.const.ref.rodata @ro : !vm.buffer
    %c1 = vm.const.i32 1
    vm.buffer.store.i8 %c1, %ro[%i] : i32 -> !vm.buffer
    vm.return
  }

  //===------------------------------------------------------------------===//
  // Fills (element offset, element count)
  //===------------------------------------------------------------------===//

  // CASE: fill_i8(3, 5, 171) -> i64=-6076574518409691136, i64=0
  // CASE: fill_i8(0, 16, -1) -> i64=-1, i64=-1
  // CASE: fill_i8(16, 0, 7) -> i64=0, i64=0
  // ERROR: fill_i8(12, 5, 7) -> OUT_OF_RANGE; out-of-bounds access detected (offset=12, length=5, alignment=1, buffer length=16)
  vm.export @fill_i8
  vm.func @fill_i8(%off: i64, %n: i64, %v: i32) -> (i64, i64) {
    %buf = vm.call @alloc16() : () -> !vm.buffer
    vm.buffer.fill.i8 %buf, %off, %n, %v : i32 -> !vm.buffer
    %w:2 = vm.call @words(%buf) : (!vm.buffer) -> (i64, i64)
    vm.return %w#0, %w#1 : i64, i64
  }

  // CASE: fill_i16(1, 3, 4660) -> i64=1311693406324654080, i64=0
  // CASE: fill_i16(7, 1, -1) -> i64=0, i64=-281474976710656
  // ERROR: fill_i16(7, 2, 1) -> OUT_OF_RANGE; out-of-bounds access detected (offset=14, length=4, alignment=2, buffer length=16)
  vm.export @fill_i16
  vm.func @fill_i16(%off: i64, %n: i64, %v: i32) -> (i64, i64) {
    %buf = vm.call @alloc16() : () -> !vm.buffer
    vm.buffer.fill.i16 %buf, %off, %n, %v : i32 -> !vm.buffer
    %w:2 = vm.call @words(%buf) : (!vm.buffer) -> (i64, i64)
    vm.return %w#0, %w#1 : i64, i64
  }

  // CASE: fill_i32(1, 2, -559038737) -> i64=-2401053092612145152, i64=3735928559
  // ERROR: fill_i32(3, 2, 1) -> OUT_OF_RANGE; out-of-bounds access detected (offset=12, length=8, alignment=4, buffer length=16)
  vm.export @fill_i32
  vm.func @fill_i32(%off: i64, %n: i64, %v: i32) -> (i64, i64) {
    %buf = vm.call @alloc16() : () -> !vm.buffer
    vm.buffer.fill.i32 %buf, %off, %n, %v : i32 -> !vm.buffer
    %w:2 = vm.call @words(%buf) : (!vm.buffer) -> (i64, i64)
    vm.return %w#0, %w#1 : i64, i64
  }

  // CASE: fill_i64(1, 1, -2) -> i64=0, i64=-2
  // CASE: fill_i64(0, 2, 81985529216486895) -> i64=81985529216486895, i64=81985529216486895
  // ERROR: fill_i64(1, 2, 1) -> OUT_OF_RANGE; out-of-bounds access detected (offset=8, length=16, alignment=8, buffer length=16)
  vm.export @fill_i64
  vm.func @fill_i64(%off: i64, %n: i64, %v: i64) -> (i64, i64) {
    %buf = vm.call @alloc16() : () -> !vm.buffer
    vm.buffer.fill.i64 %buf, %off, %n, %v : i64 -> !vm.buffer
    %w:2 = vm.call @words(%buf) : (!vm.buffer) -> (i64, i64)
    vm.return %w#0, %w#1 : i64, i64
  }

  // CASE: fill_f32(2, 2, -1.5) -> i64=0, i64=-4629700413719838720
  // ERROR: fill_f32(4, 1, 1) -> OUT_OF_RANGE; out-of-bounds access detected (offset=16, length=4, alignment=4, buffer length=16)
  vm.export @fill_f32
  vm.func @fill_f32(%off: i64, %n: i64, %v: f32) -> (i64, i64) {
    %buf = vm.call @alloc16() : () -> !vm.buffer
    vm.buffer.fill.f32 %buf, %off, %n, %v : f32 -> !vm.buffer
    %w:2 = vm.call @words(%buf) : (!vm.buffer) -> (i64, i64)
    vm.return %w#0, %w#1 : i64, i64
  }

  // CASE: fill_f64(1, 1, 0.1) -> i64=0, i64=4591870180066957722
  // ERROR: fill_f64(0, 3, 1) -> OUT_OF_RANGE; out-of-bounds access detected (offset=0, length=24, alignment=8, buffer length=16)
  vm.export @fill_f64
  vm.func @fill_f64(%off: i64, %n: i64, %v: f64) -> (i64, i64) {
    %buf = vm.call @alloc16() : () -> !vm.buffer
    vm.buffer.fill.f64 %buf, %off, %n, %v : f64 -> !vm.buffer
    %w:2 = vm.call @words(%buf) : (!vm.buffer) -> (i64, i64)
    vm.return %w#0, %w#1 : i64, i64
  }

  // ERROR: fill_rodata() -> PERMISSION_DENIED; buffer is read-only and cannot be mapped for mutation
  vm.export @fill_rodata
  vm.func @fill_rodata() {
    %ro = vm.const.ref.rodata @ro : !vm.buffer
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %v = vm.const.i32 9
    vm.buffer.fill.i8 %ro, %c0, %c1, %v : i32 -> !vm.buffer
    vm.return
  }

  //===------------------------------------------------------------------===//
  // Alloc / length / clone / copy / compare / hash
  //===------------------------------------------------------------------===//

  // CASE: alloc(0, 16) -> i64=0, i32=1
  // CASE: alloc(100, 0) -> i64=100, i32=1
  // CASE: alloc(7, 64) -> i64=7, i32=1
  // ERROR: alloc(8, 3) -> INVALID_ARGUMENT; alignments must be powers of two (got 3)
  vm.export @alloc
  vm.func @alloc(%n: i64, %align: i32) -> (i64, i32) {
    %buf = vm.buffer.alloc %n, %align : !vm.buffer
    %len = vm.buffer.length %buf : !vm.buffer -> i64
    %nz = vm.cmp.nz.ref %buf : !vm.buffer
    vm.return %len, %nz : i64, i32
  }

  // Clone a byte range of rodata: the clone is a new, mutable buffer.
  // CASE: clone(4, 8) -> i64=8, i32=1, i32=1, i64=3397458379667706237
  // CASE: clone(0, 0) -> i64=0, i32=1, i32=1, i64=8246050544436514353
  // CASE: clone(16, 0) -> i64=0, i32=1, i32=1, i64=8246050544436514353
  // ERROR: clone(12, 8) -> OUT_OF_RANGE; out-of-bounds access detected (offset=12, length=8, alignment=1, buffer length=16)
  vm.export @clone
  vm.func @clone(%off: i64, %n: i64) -> (i64, i32, i32, i64) {
    %ro = vm.const.ref.rodata @ro : !vm.buffer
    %c16 = vm.const.i32 16
    %c = vm.buffer.clone %ro, %off, %n, %c16 : !vm.buffer -> !vm.buffer
    %len = vm.buffer.length %c : !vm.buffer -> i64
    %c0 = vm.const.i64 0
    %same = vm.buffer.compare %ro, %off, %c, %c0, %n : !vm.buffer, !vm.buffer
    %distinct = vm.cmp.ne.ref %ro, %c : !vm.buffer
    %h = vm.buffer.hash %c, %c0, %len : !vm.buffer -> i64
    vm.return %len, %same, %distinct, %h : i64, i32, i32, i64
  }

  // Copy bytes of rodata into a zeroed 16-byte buffer.
  // CASE: copy(0, 0, 16) -> i64=-542933258371071, i64=-4611686017362034688
  // CASE: copy(4, 10, 6) -> i64=0, i64=281466692173824
  // CASE: copy(15, 0, 1) -> i64=192, i64=0
  // CASE: copy(3, 3, 0) -> i64=0, i64=0
  // ERROR: copy(10, 0, 7) -> OUT_OF_RANGE; out-of-bounds access detected (offset=10, length=7, alignment=1, buffer length=16)
  // ERROR: copy(0, 10, 7) -> OUT_OF_RANGE; out-of-bounds access detected (offset=10, length=7, alignment=1, buffer length=16)
  vm.export @copy
  vm.func @copy(%src: i64, %dst: i64, %n: i64) -> (i64, i64) {
    %ro = vm.const.ref.rodata @ro : !vm.buffer
    %buf = vm.call @alloc16() : () -> !vm.buffer
    vm.buffer.copy %ro, %src, %buf, %dst, %n : !vm.buffer -> !vm.buffer
    %w:2 = vm.call @words(%buf) : (!vm.buffer) -> (i64, i64)
    vm.return %w#0, %w#1 : i64, i64
  }

  // Overlapping copy within one buffer (memmove semantics).
  // CASE: copy_overlap(0, 2, 8) -> i64=1311814126812626945, i64=-4611686017361969154
  // CASE: copy_overlap(2, 0, 8) -> i64=281466692206591, i64=-4611686017362034688
  vm.export @copy_overlap
  vm.func @copy_overlap(%src: i64, %dst: i64, %n: i64) -> (i64, i64) {
    %ro = vm.const.ref.rodata @ro : !vm.buffer
    %c0 = vm.const.i64 0
    %c16 = vm.const.i64 16
    %c8 = vm.const.i32 8
    %buf = vm.buffer.clone %ro, %c0, %c16, %c8 : !vm.buffer -> !vm.buffer
    vm.buffer.copy %buf, %src, %buf, %dst, %n : !vm.buffer -> !vm.buffer
    %w:2 = vm.call @words(%buf) : (!vm.buffer) -> (i64, i64)
    vm.return %w#0, %w#1 : i64, i64
  }

  // ERROR: copy_to_rodata() -> PERMISSION_DENIED; buffer is read-only and cannot be mapped for mutation
  vm.export @copy_to_rodata
  vm.func @copy_to_rodata() {
    %ro = vm.const.ref.rodata @ro : !vm.buffer
    %ro2 = vm.const.ref.rodata @ro_seq : !vm.buffer
    %c0 = vm.const.i64 0
    %c4 = vm.const.i64 4
    vm.buffer.copy %ro2, %c0, %ro, %c0, %c4 : !vm.buffer -> !vm.buffer
    vm.return
  }

  // Compare byte ranges of two rodata buffers: ro[a:a+n] == ro_seq[b:b+n]?
  // CASE: compare(0, 0, 1) -> i32=1
  // CASE: compare(0, 0, 2) -> i32=0
  // CASE: compare(5, 5, 0) -> i32=1
  // ERROR: compare(0, 5, 7) -> OUT_OF_RANGE; out-of-bounds access detected (offset=5, length=7, alignment=1, buffer length=11)
  vm.export @compare
  vm.func @compare(%a: i64, %b: i64, %n: i64) -> i32 {
    %ro = vm.const.ref.rodata @ro : !vm.buffer
    %seq = vm.const.ref.rodata @ro_seq : !vm.buffer
    %r = vm.buffer.compare %ro, %a, %seq, %b, %n : !vm.buffer, !vm.buffer
    vm.return %r : i32
  }

  // SipHash-2-4 (key 00..0F) of ro_seq[off:off+n].
  // CASE: hash(0, 11) -> i64=-319818997122490834
  // CASE: hash(0, 0) -> i64=8246050544436514353
  // CASE: hash(3, 8) -> i64=4857832712074689997
  // CASE: hash(1, 1) -> i64=-1011685207749401737
  // ERROR: hash(4, 8) -> OUT_OF_RANGE; out-of-bounds access detected (offset=4, length=8, alignment=1, buffer length=11)
  vm.export @hash
  vm.func @hash(%off: i64, %n: i64) -> i64 {
    %seq = vm.const.ref.rodata @ro_seq : !vm.buffer
    %h = vm.buffer.hash %seq, %off, %n : !vm.buffer -> i64
    vm.return %h : i64
  }

  // Operations on a null buffer.
  // ERROR: null_length() -> INVALID_ARGUMENT; buffer is null
  vm.export @null_length
  vm.func @null_length() -> i64 {
    %z = vm.const.ref.zero : !vm.buffer
    %len = vm.buffer.length %z : !vm.buffer -> i64
    vm.return %len : i64
  }

  // ERROR: null_load() -> INVALID_ARGUMENT; source_buffer is null
  vm.export @null_load
  vm.func @null_load() -> i32 {
    %z = vm.const.ref.zero : !vm.buffer
    %c0 = vm.const.i64 0
    %v = vm.buffer.load.i32 %z[%c0] : !vm.buffer -> i32
    vm.return %v : i32
  }

  //===------------------------------------------------------------------===//
  // Helpers
  //===------------------------------------------------------------------===//

  vm.func private @alloc16() -> !vm.buffer attributes {inlining_policy = #util.inline.never} {
    %c16 = vm.const.i64 16
    %c8 = vm.const.i32 8
    %buf = vm.buffer.alloc %c16, %c8 : !vm.buffer
    vm.return %buf : !vm.buffer
  }

  vm.func private @words(%buf: !vm.buffer) -> (i64, i64) attributes {inlining_policy = #util.inline.never} {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    %a = vm.buffer.load.i64 %buf[%c0] : !vm.buffer -> i64
    %b = vm.buffer.load.i64 %buf[%c1] : !vm.buffer -> i64
    vm.return %a, %b : i64, i64
  }
}
