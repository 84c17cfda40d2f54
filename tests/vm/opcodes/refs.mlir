// Ref operations: const.ref.zero, cmp.eq/ne/nz.ref, select.ref, switch.ref, cast.any.ref /
// cast.ref.any, assign.ref, discard.refs, and rodata identity.
vm.module @refs {
  vm.rodata private @ro_a dense<[1, 2, 3]> : tensor<3xi8>
  vm.rodata private @ro_b dense<[4, 5, 6, 7]> : tensor<4xi8>
  vm.rodata private @ro_c dense<[8, 9, 10, 11, 12]> : tensor<5xi8>

  // The same rodata segment yields the same buffer object every time (also across calls).
  // CASE: identity() -> i32=1, i32=1, i32=1, i32=1, i32=0
  vm.export @identity
  vm.func @identity() -> (i32, i32, i32, i32, i32) {
    %a1 = vm.const.ref.rodata @ro_a : !vm.buffer
    %a2 = vm.call @get_a() : () -> !vm.buffer
    %b = vm.const.ref.rodata @ro_b : !vm.buffer
    %z = vm.const.ref.zero : !vm.buffer
    %eq = vm.cmp.eq.ref %a1, %a2 : !vm.buffer
    %ne = vm.cmp.ne.ref %a1, %b : !vm.buffer
    %eqz = vm.cmp.eq.ref %z, %z : !vm.buffer
    %nz_a = vm.cmp.nz.ref %a1 : !vm.buffer
    %nz_z = vm.cmp.nz.ref %z : !vm.buffer
    vm.return %eq, %ne, %eqz, %nz_a, %nz_z : i32, i32, i32, i32, i32
  }
  vm.func private @get_a() -> !vm.buffer attributes {inlining_policy = #util.inline.never} {
    %a = vm.const.ref.rodata @ro_a : !vm.buffer
    vm.return %a : !vm.buffer
  }

  // select.ref, identified by the selected buffer's length (null -> -1).
  // CASE: select(0, 1) -> i64=-1
  // CASE: select(5, 1) -> i64=3
  // CASE: select(1, 0) -> i64=3
  // CASE: select(0, 0) -> i64=4
  vm.export @select
  vm.func @select(%c: i32, %null_false: i32) -> i64 {
    %a = vm.const.ref.rodata @ro_a : !vm.buffer
    %b = vm.const.ref.rodata @ro_b : !vm.buffer
    %z = vm.const.ref.zero : !vm.buffer
    %f = vm.select.ref %null_false, %z, %b : !vm.buffer
    %r = vm.select.ref %c, %a, %f : !vm.buffer
    %len = vm.call @len_or_minus1(%r) : (!vm.buffer) -> i64
    vm.return %len : i64
  }

  // switch.ref: index in range picks a value, otherwise the default.
  // CASE: switch(0) -> i64=3
  // CASE: switch(1) -> i64=-1
  // CASE: switch(2) -> i64=4
  // CASE: switch(3) -> i64=5
  // CASE: switch(-1) -> i64=5
  vm.export @switch
  vm.func @switch(%i: i32) -> i64 {
    %a = vm.const.ref.rodata @ro_a : !vm.buffer
    %b = vm.const.ref.rodata @ro_b : !vm.buffer
    %c = vm.const.ref.rodata @ro_c : !vm.buffer
    %z = vm.const.ref.zero : !vm.buffer
    %r = vm.switch.ref %i[%a, %z, %b] else %c : !vm.buffer
    %len = vm.call @len_or_minus1(%r) : (!vm.buffer) -> i64
    vm.return %len : i64
  }

  vm.func private @len_or_minus1(%b: !vm.buffer) -> i64 attributes {inlining_policy = #util.inline.never} {
    %nz = vm.cmp.nz.ref %b : !vm.buffer
    vm.cond_br %nz, ^len, ^null
  ^len:
    %l = vm.buffer.length %b : !vm.buffer -> i64
    vm.return %l : i64
  ^null:
    %m = vm.const.i64 -1
    vm.return %m : i64
  }

  // cast.ref.any (to !vm.ref<?>) then cast.any.ref back: the runtime type is checked; null passes.
  // (The opaque refs travel through block arguments: see select_opaque for why not select.ref.)
  // CASE: cast(0) -> i32=1, i32=1
  // CASE: cast(1) -> i32=0, i32=0
  // ERROR: cast(2) -> INVALID_ARGUMENT; source ref type mismatch
  vm.export @cast
  vm.func @cast(%which: i32) -> (i32, i32) {
    %a = vm.const.ref.rodata @ro_a : !vm.buffer
    %c1 = vm.const.i32 1
    %l = vm.list.alloc %c1 : (i32) -> !vm.list<i32>
    %z = vm.const.ref.zero : !vm.ref<?>
    %any_a = vm.cast.ref.any %a : !vm.buffer -> !vm.ref<?>
    %any_l = vm.cast.ref.any %l : !vm.list<i32> -> !vm.ref<?>
    vm.br_table %which {
      default: ^cast(%any_l : !vm.ref<?>),
      0: ^cast(%any_a : !vm.ref<?>),
      1: ^cast(%z : !vm.ref<?>)
    }
  ^cast(%pick: !vm.ref<?>):
    // A buffer (or null) casts back to !vm.buffer; a list does not.
    %buf = vm.cast.any.ref %pick : !vm.ref<?> -> !vm.buffer
    %nz = vm.cmp.nz.ref %buf : !vm.buffer
    %same = vm.cmp.eq.ref %buf, %a : !vm.buffer
    vm.return %nz, %same : i32, i32
  }

  // 3.13 QUIRK: vm.select.ref on !vm.ref<?> values encodes the type !vm.opaque, and the runtime's
  // checked retain rejects every non-null value ("source ref type mismatch"); nulls pass.
  // ERROR: select_opaque(1, 0) -> INVALID_ARGUMENT; source ref type mismatch
  // ERROR: select_opaque(0, 0) -> INVALID_ARGUMENT; source ref type mismatch
  // CASE: select_opaque(0, 1) -> i32=0
  vm.export @select_opaque
  vm.func @select_opaque(%c: i32, %use_null: i32) -> i32 {
    %a = vm.const.ref.rodata @ro_a : !vm.buffer
    %any_a = vm.cast.ref.any %a : !vm.buffer -> !vm.ref<?>
    %z = vm.const.ref.zero : !vm.ref<?>
    %f = vm.call @pick_opaque(%use_null, %z, %any_a) : (i32, !vm.ref<?>, !vm.ref<?>) -> !vm.ref<?>
    %r = vm.select.ref %c, %any_a, %f : !vm.ref<?>
    %nz = vm.cmp.nz.ref %r : !vm.ref<?>
    vm.return %nz : i32
  }
  vm.func private @pick_opaque(%c: i32, %x: !vm.ref<?>, %y: !vm.ref<?>) -> !vm.ref<?> attributes {inlining_policy = #util.inline.never} {
    vm.cond_br %c, ^x, ^y
  ^x:
    vm.return %x : !vm.ref<?>
  ^y:
    vm.return %y : !vm.ref<?>
  }

  // assign.ref copies a ref between registers; discard.refs releases refs early.
  // CASE: assign_discard(0) -> i32=1, i32=1, i64=4
  // CASE: assign_discard(1) -> i32=1, i32=1, i64=3
  vm.export @assign_discard
  vm.func @assign_discard(%c: i32) -> (i32, i32, i64) {
    %a = vm.const.ref.rodata @ro_a : !vm.buffer
    %b = vm.const.ref.rodata @ro_b : !vm.buffer
    %x = vm.assign.ref %a : !vm.buffer -> !vm.buffer
    %y = vm.assign.ref %b : !vm.buffer -> !vm.buffer
    %eq = vm.cmp.eq.ref %x, %a : !vm.buffer
    vm.discard.refs %a : !vm.buffer
    %p = vm.select.ref %c, %x, %y : !vm.buffer
    vm.discard.refs %x, %y : !vm.buffer, !vm.buffer
    %nz = vm.cmp.nz.ref %p : !vm.buffer
    %len = vm.buffer.length %p : !vm.buffer -> i64
    vm.return %eq, %nz, %len : i32, i32, i64
  }

  // Refs survive being passed to and returned from calls, including through loops.
  // CASE: loop_refs(3) -> i64=4, i32=0
  // CASE: loop_refs(0) -> i64=3, i32=1
  vm.export @loop_refs
  vm.func @loop_refs(%n: i32) -> (i64, i32) {
    %a = vm.const.ref.rodata @ro_a : !vm.buffer
    %b = vm.const.ref.rodata @ro_b : !vm.buffer
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    vm.br ^loop(%c0, %a, %b : i32, !vm.buffer, !vm.buffer)
  ^loop(%i: i32, %p: !vm.buffer, %q: !vm.buffer):
    %more = vm.cmp.lt.i32.s %i, %n : i32
    %next = vm.add.i32 %i, %c1 : i32
    // swap the two refs each iteration
    vm.cond_br %more, ^loop(%next, %q, %p : i32, !vm.buffer, !vm.buffer), ^done(%p : !vm.buffer)
  ^done(%r: !vm.buffer):
    %len = vm.buffer.length %r : !vm.buffer -> i64
    %is_a = vm.cmp.eq.ref %r, %a : !vm.buffer
    vm.return %len, %is_a : i64, i32
  }
}
