// vm.list: alloc/reserve/resize/size and get/set of each element kind, element conversions,
// variant lists (!vm.list<?>) and ref lists, and out-of-range indices.
vm.module @lists {
  vm.rodata private @ro_a dense<[1, 2, 3]> : tensor<3xi8>
  vm.rodata private @ro_b dense<[4, 5]> : tensor<2xi8>

  // alloc gives an empty list; reserve changes the capacity only; resize grows with zeros.
  // CASE: sizes(0, 0) -> i32=0, i32=0, i32=0, i32=-1
  // CASE: sizes(5, 3) -> i32=0, i32=0, i32=3, i32=0
  // CASE: sizes(2, 100) -> i32=0, i32=0, i32=100, i32=0
  vm.export @sizes
  vm.func @sizes(%cap: i32, %n: i32) -> (i32, i32, i32, i32) {
    %l = vm.list.alloc %cap : (i32) -> !vm.list<i32>
    %s0 = vm.list.size %l : (!vm.list<i32>) -> i32
    %c50 = vm.const.i32 50
    vm.list.reserve %l, %c50 : (!vm.list<i32>, i32)
    %s1 = vm.list.size %l : (!vm.list<i32>) -> i32
    vm.list.resize %l, %n : (!vm.list<i32>, i32)
    %s2 = vm.list.size %l : (!vm.list<i32>) -> i32
    %c1 = vm.const.i32 1
    %last_i = vm.sub.i32 %n, %c1 : i32
    %zero_i = vm.const.i32 0
    %nz = vm.cmp.nz.i32 %n : i32
    %i = vm.select.i32 %nz, %last_i, %zero_i : i32
    %v = vm.call @get_or_minus1(%l, %i) : (!vm.list<i32>, i32) -> i32
    vm.return %s0, %s1, %s2, %v : i32, i32, i32, i32
  }
  vm.func private @get_or_minus1(%l: !vm.list<i32>, %i: i32) -> i32 attributes {inlining_policy = #util.inline.never} {
    %s = vm.list.size %l : (!vm.list<i32>) -> i32
    %ok = vm.cmp.lt.i32.s %i, %s : i32
    vm.cond_br %ok, ^get, ^none
  ^get:
    %v = vm.list.get.i32 %l, %i : (!vm.list<i32>, i32) -> i32
    vm.return %v : i32
  ^none:
    %m = vm.const.i32 -1
    vm.return %m : i32
  }

  // Shrinking discards elements; growing again yields zeros.
  // CASE: shrink_grow(7) -> i32=7, i32=0, i32=2
  vm.export @shrink_grow
  vm.func @shrink_grow(%v: i32) -> (i32, i32, i32) {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %c2 = vm.const.i32 2
    %l = vm.list.alloc %c2 : (i32) -> !vm.list<i32>
    vm.list.resize %l, %c2 : (!vm.list<i32>, i32)
    vm.list.set.i32 %l, %c0, %v : (!vm.list<i32>, i32, i32)
    vm.list.set.i32 %l, %c1, %v : (!vm.list<i32>, i32, i32)
    vm.list.resize %l, %c1 : (!vm.list<i32>, i32)
    vm.list.resize %l, %c2 : (!vm.list<i32>, i32)
    %a = vm.list.get.i32 %l, %c0 : (!vm.list<i32>, i32) -> i32
    %b = vm.list.get.i32 %l, %c1 : (!vm.list<i32>, i32) -> i32
    %s = vm.list.size %l : (!vm.list<i32>) -> i32
    vm.return %a, %b, %s : i32, i32, i32
  }

  // i32 list: set/get at an index; index >= size or negative is an error.
  // CASE: list_i32(3, 0, -7) -> i32=-7
  // CASE: list_i32(3, 2, 2147483647) -> i32=2147483647
  // ERROR: list_i32(3, 3, 1) -> OUT_OF_RANGE; index 3 out of bounds (3)
  // ERROR: list_i32(3, -1, 1) -> OUT_OF_RANGE; index 4294967295 out of bounds (3)
  // ERROR: list_i32(0, 0, 1) -> OUT_OF_RANGE; index 0 out of bounds (0)
  vm.export @list_i32
  vm.func @list_i32(%n: i32, %i: i32, %v: i32) -> i32 {
    %l = vm.list.alloc %n : (i32) -> !vm.list<i32>
    vm.list.resize %l, %n : (!vm.list<i32>, i32)
    vm.list.set.i32 %l, %i, %v : (!vm.list<i32>, i32, i32)
    %r = vm.list.get.i32 %l, %i : (!vm.list<i32>, i32) -> i32
    vm.return %r : i32
  }

  // Reading past the end without writing first.
  // ERROR: get_i32_oob(2) -> OUT_OF_RANGE; index 2 out of bounds (2)
  vm.export @get_i32_oob
  vm.func @get_i32_oob(%i: i32) -> i32 {
    %c2 = vm.const.i32 2
    %l = vm.list.alloc %c2 : (i32) -> !vm.list<i32>
    vm.list.resize %l, %c2 : (!vm.list<i32>, i32)
    %r = vm.list.get.i32 %l, %i : (!vm.list<i32>, i32) -> i32
    vm.return %r : i32
  }

  // Narrow integer lists store i8/i16 and convert on get.
  // CASE: list_i8(200) -> i32=-56, i64=-56
  // CASE: list_i8(-1) -> i32=-1, i64=-1
  // CASE: list_i8(4660) -> i32=52, i64=52
  vm.export @list_i8
  vm.func @list_i8(%v: i32) -> (i32, i64) {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %l = vm.list.alloc %c1 : (i32) -> !vm.list<i8>
    vm.list.resize %l, %c1 : (!vm.list<i8>, i32)
    vm.list.set.i32 %l, %c0, %v : (!vm.list<i8>, i32, i32)
    %a = vm.list.get.i32 %l, %c0 : (!vm.list<i8>, i32) -> i32
    %b = vm.list.get.i64 %l, %c0 : (!vm.list<i8>, i32) -> i64
    vm.return %a, %b : i32, i64
  }

  // CASE: list_i16(40000) -> i32=-25536, i64=-25536
  // CASE: list_i16(-2) -> i32=-2, i64=-2
  // CASE: list_i16(305419896) -> i32=22136, i64=22136
  vm.export @list_i16
  vm.func @list_i16(%v: i32) -> (i32, i64) {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %l = vm.list.alloc %c1 : (i32) -> !vm.list<i16>
    vm.list.resize %l, %c1 : (!vm.list<i16>, i32)
    vm.list.set.i32 %l, %c0, %v : (!vm.list<i16>, i32, i32)
    %a = vm.list.get.i32 %l, %c0 : (!vm.list<i16>, i32) -> i32
    %b = vm.list.get.i64 %l, %c0 : (!vm.list<i16>, i32) -> i64
    vm.return %a, %b : i32, i64
  }

  // i64 list: get.i32 truncates; set.i32 into an i64 list sign-extends.
  // CASE: list_i64(81985529216486895, -5) -> i64=81985529216486895, i32=-1985229329, i64=-5
  // CASE: list_i64(-1, 2147483647) -> i64=-1, i32=-1, i64=2147483647
  vm.export @list_i64
  vm.func @list_i64(%v: i64, %w: i32) -> (i64, i32, i64) {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %c2 = vm.const.i32 2
    %l = vm.list.alloc %c2 : (i32) -> !vm.list<i64>
    vm.list.resize %l, %c2 : (!vm.list<i64>, i32)
    vm.list.set.i64 %l, %c0, %v : (!vm.list<i64>, i32, i64)
    vm.list.set.i32 %l, %c1, %w : (!vm.list<i64>, i32, i32)
    %a = vm.list.get.i64 %l, %c0 : (!vm.list<i64>, i32) -> i64
    %b = vm.list.get.i32 %l, %c0 : (!vm.list<i64>, i32) -> i32
    %c = vm.list.get.i64 %l, %c1 : (!vm.list<i64>, i32) -> i64
    vm.return %a, %b, %c : i64, i32, i64
  }

  // f32 / f64 lists convert between the float widths on get/set.
  // CASE: list_f32(0.1, 1e300) -> f32=0.1, f64=0.1, f32=inf, i32=2139095040
  // CASE: list_f32(-0, nan) -> f32=-0, f64=-0, f32=nan, i32=2143289344
  vm.export @list_f32
  vm.func @list_f32(%v: f32, %w: f64) -> (f32, f64, f32, i32) {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %c2 = vm.const.i32 2
    %l = vm.list.alloc %c2 : (i32) -> !vm.list<f32>
    vm.list.resize %l, %c2 : (!vm.list<f32>, i32)
    vm.list.set.f32 %l, %c0, %v : (!vm.list<f32>, i32, f32)
    vm.list.set.f64 %l, %c1, %w : (!vm.list<f32>, i32, f64)
    %a = vm.list.get.f32 %l, %c0 : (!vm.list<f32>, i32) -> f32
    %b = vm.list.get.f64 %l, %c0 : (!vm.list<f32>, i32) -> f64
    %c = vm.list.get.f32 %l, %c1 : (!vm.list<f32>, i32) -> f32
    %cb = vm.bitcast.f32.i32 %c : f32 -> i32
    vm.return %a, %b, %c, %cb : f32, f64, f32, i32
  }

  // CASE: list_f64(0.1, 3.5) -> f64=0.1, i64=4591870180066957722, f32=0.1, f64=3.5
  vm.export @list_f64
  vm.func @list_f64(%v: f64, %w: f32) -> (f64, i64, f32, f64) {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %c2 = vm.const.i32 2
    %l = vm.list.alloc %c2 : (i32) -> !vm.list<f64>
    vm.list.resize %l, %c2 : (!vm.list<f64>, i32)
    vm.list.set.f64 %l, %c0, %v : (!vm.list<f64>, i32, f64)
    vm.list.set.f32 %l, %c1, %w : (!vm.list<f64>, i32, f32)
    %a = vm.list.get.f64 %l, %c0 : (!vm.list<f64>, i32) -> f64
    %ab = vm.bitcast.f64.i64 %a : f64 -> i64
    %b = vm.list.get.f32 %l, %c0 : (!vm.list<f64>, i32) -> f32
    %c = vm.list.get.f64 %l, %c1 : (!vm.list<f64>, i32) -> f64
    vm.return %a, %ab, %b, %c : f64, i64, f32, f64
  }

  // Mixing integer and float accessors on a typed list.
  // CASE: mixed(7, 2.5) -> f32=0, i32=0, i64=0, f64=0
  vm.export @mixed
  vm.func @mixed(%i: i32, %f: f32) -> (f32, i32, i64, f64) {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %li = vm.list.alloc %c1 : (i32) -> !vm.list<i32>
    vm.list.resize %li, %c1 : (!vm.list<i32>, i32)
    vm.list.set.i32 %li, %c0, %i : (!vm.list<i32>, i32, i32)
    %a = vm.list.get.f32 %li, %c0 : (!vm.list<i32>, i32) -> f32
    %lf = vm.list.alloc %c1 : (i32) -> !vm.list<f32>
    vm.list.resize %lf, %c1 : (!vm.list<f32>, i32)
    vm.list.set.f32 %lf, %c0, %f : (!vm.list<f32>, i32, f32)
    %b = vm.list.get.i32 %lf, %c0 : (!vm.list<f32>, i32) -> i32
    %c = vm.list.get.i64 %lf, %c0 : (!vm.list<f32>, i32) -> i64
    %d = vm.list.get.f64 %li, %c0 : (!vm.list<i32>, i32) -> f64
    vm.return %a, %b, %c, %d : f32, i32, i64, f64
  }

  // Variant list (!vm.list<?>): each element remembers its own type.
  // CASE: variant(-3, 81985529216486895, 1.25) -> i64=-3, i32=-1985229329, f64=1.25, i32=1, i32=0, i32=4
  vm.export @variant
  vm.func @variant(%i: i32, %j: i64, %f: f32) -> (i64, i32, f64, i32, i32, i32) {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %c2 = vm.const.i32 2
    %c3 = vm.const.i32 3
    %c4 = vm.const.i32 4
    %l = vm.list.alloc %c4 : (i32) -> !vm.list<?>
    vm.list.resize %l, %c4 : (!vm.list<?>, i32)
    vm.list.set.i32 %l, %c0, %i : (!vm.list<?>, i32, i32)
    vm.list.set.i64 %l, %c1, %j : (!vm.list<?>, i32, i64)
    vm.list.set.f32 %l, %c2, %f : (!vm.list<?>, i32, f32)
    %ro = vm.const.ref.rodata @ro_a : !vm.buffer
    vm.list.set.ref %l, %c3, %ro : (!vm.list<?>, i32, !vm.buffer)
    %a = vm.list.get.i64 %l, %c0 : (!vm.list<?>, i32) -> i64
    %b = vm.list.get.i32 %l, %c1 : (!vm.list<?>, i32) -> i32
    %c = vm.list.get.f64 %l, %c2 : (!vm.list<?>, i32) -> f64
    %buf = vm.list.get.ref %l, %c3 : (!vm.list<?>, i32) -> !vm.buffer
    %same = vm.cmp.eq.ref %buf, %ro : !vm.buffer
    // Reading a ref element as the wrong ref type yields null (no error).
    %wrong = vm.list.get.ref %l, %c3 : (!vm.list<?>, i32) -> !vm.list<i32>
    %wrong_nz = vm.cmp.nz.ref %wrong : !vm.list<i32>
    %s = vm.list.size %l : (!vm.list<?>) -> i32
    vm.return %a, %b, %c, %same, %wrong_nz, %s : i64, i32, f64, i32, i32, i32
  }

  // Reading a primitive element of a variant list as a ref fails (FAILED_PRECONDITION, empty message).
  // ERROR: variant_prim_as_ref() -> FAILED_PRECONDITION
  vm.export @variant_prim_as_ref
  vm.func @variant_prim_as_ref() -> i32 {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %l = vm.list.alloc %c1 : (i32) -> !vm.list<?>
    vm.list.resize %l, %c1 : (!vm.list<?>, i32)
    vm.list.set.i32 %l, %c0, %c1 : (!vm.list<?>, i32, i32)
    %prim = vm.list.get.ref %l, %c0 : (!vm.list<?>, i32) -> !vm.buffer
    %nz = vm.cmp.nz.ref %prim : !vm.buffer
    vm.return %nz : i32
  }

  // Reading a ref element of a variant list with a primitive accessor.
  // ERROR: variant_ref_as_prim() -> FAILED_PRECONDITION; variant at index 0 is not a value type
  vm.export @variant_ref_as_prim
  vm.func @variant_ref_as_prim() -> i32 {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %l = vm.list.alloc %c1 : (i32) -> !vm.list<?>
    vm.list.resize %l, %c1 : (!vm.list<?>, i32)
    %ro = vm.const.ref.rodata @ro_a : !vm.buffer
    vm.list.set.ref %l, %c0, %ro : (!vm.list<?>, i32, !vm.buffer)
    %v = vm.list.get.i32 %l, %c0 : (!vm.list<?>, i32) -> i32
    vm.return %v : i32
  }

  // Typed ref list (a list of lists): elements start null after resize; set/get refs.
  // NOTE: iree-compile 3.13 cannot encode vm.list.alloc of !vm.list<!vm.buffer> ("type '!vm.buffer'
  // cannot be encoded; not registered in type table"), so buffers are kept in a !vm.list<?> here.
  // CASE: ref_list(0) -> i32=0, i32=1, i32=1, i64=3, i32=2
  // CASE: ref_list(1) -> i32=0, i32=0, i32=1, i64=2, i32=2
  vm.export @ref_list
  vm.func @ref_list(%which: i32) -> (i32, i32, i32, i64, i32) {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %c2 = vm.const.i32 2
    %l = vm.list.alloc %c2 : (i32) -> !vm.list<?>
    vm.list.resize %l, %c2 : (!vm.list<?>, i32)
    %e0 = vm.list.get.ref %l, %c0 : (!vm.list<?>, i32) -> !vm.buffer
    %was_nz = vm.cmp.nz.ref %e0 : !vm.buffer
    %a = vm.const.ref.rodata @ro_a : !vm.buffer
    %b = vm.const.ref.rodata @ro_b : !vm.buffer
    %pick = vm.select.ref %which, %b, %a : !vm.buffer
    vm.list.set.ref %l, %c1, %pick : (!vm.list<?>, i32, !vm.buffer)
    %got = vm.list.get.ref %l, %c1 : (!vm.list<?>, i32) -> !vm.buffer
    %is_a = vm.cmp.eq.ref %got, %a : !vm.buffer
    %len = vm.buffer.length %got : !vm.buffer -> i64
    %outer = vm.list.alloc %c1 : (i32) -> !vm.list<!vm.list<?>>
    vm.list.resize %outer, %c1 : (!vm.list<!vm.list<?>>, i32)
    %n0 = vm.list.get.ref %outer, %c0 : (!vm.list<!vm.list<?>>, i32) -> !vm.list<?>
    vm.list.set.ref %outer, %c0, %l : (!vm.list<!vm.list<?>>, i32, !vm.list<?>)
    %inner = vm.list.get.ref %outer, %c0 : (!vm.list<!vm.list<?>>, i32) -> !vm.list<?>
    %same_inner = vm.cmp.eq.ref %inner, %l : !vm.list<?>
    %s = vm.list.size %inner : (!vm.list<?>) -> i32
    %n0_nz = vm.cmp.nz.ref %n0 : !vm.list<?>
    %r = vm.add.i32 %s, %n0_nz : i32
    vm.return %was_nz, %is_a, %same_inner, %len, %r : i32, i32, i32, i64, i32
  }

  // Primitive accessors on a ref list fail (all !vm.list<...> share one runtime type, so the
  // cast succeeds and the element type is checked by list.get).
  // ERROR: prim_on_ref_list() -> FAILED_PRECONDITION; list does not store values
  vm.export @prim_on_ref_list
  vm.func @prim_on_ref_list() -> i32 {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %l = vm.list.alloc %c1 : (i32) -> !vm.list<!vm.list<i32>>
    vm.list.resize %l, %c1 : (!vm.list<!vm.list<i32>>, i32)
    %any = vm.cast.ref.any %l : !vm.list<!vm.list<i32>> -> !vm.ref<?>
    %li = vm.cast.any.ref %any : !vm.ref<?> -> !vm.list<i32>
    %v = vm.list.get.i32 %li, %c0 : (!vm.list<i32>, i32) -> i32
    vm.return %v : i32
  }

  // Storing a ref of the wrong type into a typed ref list fails (the list is reinterpreted through
  // vm.ref<?>, which is unchecked, so the element type check happens in list.set.ref).
  // ERROR: wrong_ref_type() -> INVALID_ARGUMENT; source ref type mismatch
  vm.export @wrong_ref_type
  vm.func @wrong_ref_type() {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %l = vm.list.alloc %c1 : (i32) -> !vm.list<!vm.list<i32>>
    vm.list.resize %l, %c1 : (!vm.list<!vm.list<i32>>, i32)
    %any = vm.cast.ref.any %l : !vm.list<!vm.list<i32>> -> !vm.ref<?>
    %lv = vm.cast.any.ref %any : !vm.ref<?> -> !vm.list<?>
    %ro = vm.const.ref.rodata @ro_a : !vm.buffer
    vm.list.set.ref %lv, %c0, %ro : (!vm.list<?>, i32, !vm.buffer)
    vm.return
  }

  // Operations on a null list.
  // ERROR: null_list_size() -> INVALID_ARGUMENT; list is null
  vm.export @null_list_size
  vm.func @null_list_size() -> i32 {
    %z = vm.const.ref.zero : !vm.list<i32>
    %s = vm.list.size %z : (!vm.list<i32>) -> i32
    vm.return %s : i32
  }
}
