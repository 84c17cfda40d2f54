// Imports: import.resolved for optional imports, calling an unresolved optional import, calls to
// the hal_inline native module (which iree-run-module registers because this module depends on it),
// and a variadic import call (vm.call.variadic: buffer_view.create takes its shape as i64...).
vm.module @imports {
  vm.import private optional @missing_module.fn(%a : i32) -> i32
  vm.import private optional @hal_inline.no_such_function(%a : i32) -> i32
  vm.import private @hal_inline.device.query.i64(%category : !vm.buffer, %key : !vm.buffer) -> (i32, i64)
  vm.import private @hal_inline.buffer.allocate(%minimum_alignment : i32, %allocation_size : i64) -> (!vm.ref<!hal.buffer>, !vm.buffer)
  vm.import private @hal_inline.buffer_view.create(%buffer : !vm.ref<!hal.buffer>, %source_offset : i64, %source_length : i64, %element_type : i32, %encoding_type : i32, %shape : i64 ...) -> !vm.ref<!hal.buffer_view>
  vm.import private @hal_inline.buffer_view.rank(%buffer_view : !vm.ref<!hal.buffer_view>) -> i32
  vm.import private @hal_inline.buffer_view.dim(%buffer_view : !vm.ref<!hal.buffer_view>, %index : i32) -> i64

  vm.rodata private @cat dense<[104, 97, 108, 46, 99, 112, 117]> : tensor<7xi8>  // "hal.cpu"
  vm.rodata private @key dense<[110, 111, 112, 101]> : tensor<4xi8>              // "nope"

  // Optional imports that cannot be resolved report 0; resolved ones 1.
  // CASE: resolved() -> i32=0, i32=0, i32=1
  vm.export @resolved
  vm.func @resolved() -> (i32, i32, i32) {
    %a = vm.import.resolved @missing_module.fn : i32
    %b = vm.import.resolved @hal_inline.no_such_function : i32
    %c = vm.import.resolved @hal_inline.device.query.i64 : i32
    vm.return %a, %b, %c : i32, i32, i32
  }

  // Calling an unresolved optional import fails with NOT_FOUND.
  // ERROR: call_missing(1) -> NOT_FOUND; optional import `missing_module.fn` (ordinal 0) not resolved
  vm.export @call_missing
  vm.func @call_missing(%x: i32) -> i32 {
    %r = vm.call @missing_module.fn(%x) : (i32) -> i32
    vm.return %r : i32
  }

  // An import returning (i32, i64): an unknown CPU feature key gives (0, 0).
  // CASE: query() -> i32=0, i64=0
  vm.export @query
  vm.func @query() -> (i32, i64) {
    %c = vm.const.ref.rodata @cat : !vm.buffer
    %k = vm.const.ref.rodata @key : !vm.buffer
    %r:2 = vm.call @hal_inline.device.query.i64(%c, %k) : (!vm.buffer, !vm.buffer) -> (i32, i64)
    vm.return %r#0, %r#1 : i32, i64
  }

  // Variadic import call: a 3-D buffer view with shape [d0, d1, d0], then its rank and one dim.
  // CASE: view(2, 3, 0) -> i32=3, i64=2
  // CASE: view(2, 3, 1) -> i32=3, i64=3
  // A negative dimension is rejected by buffer_view.create.
  // ERROR: view(7, -1, 2) -> OUT_OF_RANGE; shape element count overflows device size at dimension 1
  // The shape must fit in the buffer (64 bytes here): 5*1000000*5 f32 elements do not.
  // ERROR: view(5, 1000000, 2) -> OUT_OF_RANGE; buffer view byte length 100000000 exceeds backing buffer byte length 64
  vm.export @view
  vm.func @view(%d0: i64, %d1: i64, %i: i32) -> (i32, i64) {
    %align = vm.const.i32 64
    %size = vm.const.i64 64
    %buf:2 = vm.call @hal_inline.buffer.allocate(%align, %size) : (i32, i64) -> (!vm.ref<!hal.buffer>, !vm.buffer)
    %z = vm.const.i64 0
    %f32 = vm.const.i32 553648160
    %dense = vm.const.i32 1
    %v = vm.call.variadic @hal_inline.buffer_view.create(%buf#0, %z, %size, %f32, %dense, [%d0, %d1, %d0]) : (!vm.ref<!hal.buffer>, i64, i64, i32, i32, i64 ...) -> !vm.ref<!hal.buffer_view>
    %rank = vm.call @hal_inline.buffer_view.rank(%v) : (!vm.ref<!hal.buffer_view>) -> i32
    %dim = vm.call @hal_inline.buffer_view.dim(%v, %i) : (!vm.ref<!hal.buffer_view>, i32) -> i64
    vm.return %rank, %dim : i32, i64
  }

  // Errors raised inside an import propagate.
  // ERROR: view_bad_range(65) -> OUT_OF_RANGE; attempted to access an address outside of the valid buffer range (offset=0, adjusted_length=65, end=64, buffer byte_length=64)
  vm.export @view_bad_range
  vm.func @view_bad_range(%len: i64) -> i32 {
    %align = vm.const.i32 64
    %size = vm.const.i64 64
    %buf:2 = vm.call @hal_inline.buffer.allocate(%align, %size) : (i32, i64) -> (!vm.ref<!hal.buffer>, !vm.buffer)
    %z = vm.const.i64 0
    %f32 = vm.const.i32 553648160
    %dense = vm.const.i32 1
    %v = vm.call.variadic @hal_inline.buffer_view.create(%buf#0, %z, %len, %f32, %dense, []) : (!vm.ref<!hal.buffer>, i64, i64, i32, i32, i64 ...) -> !vm.ref<!hal.buffer_view>
    %rank = vm.call @hal_inline.buffer_view.rank(%v) : (!vm.ref<!hal.buffer_view>) -> i32
    vm.return %rank : i32
  }
}
