"""native/fastcall.py: a native entry called as a Python builtin."""

import ctypes
import threading

import numpy as np

from vmvxjit.native import fastcall, llvm_engine

ENTRY = """
define i64 @fastcall_test_entry(ptr %ctx, ptr %record, ptr %a, ptr %b) {
  %word = load i64, ptr %ctx
  %r = ptrtoint ptr %record to i64
  %x = ptrtoint ptr %a to i64
  %y = ptrtoint ptr %b to i64
  %s1 = add i64 %word, %r
  %s2 = sub i64 %x, %y
  %s = add i64 %s1, %s2
  ret i64 %s
}
"""


def _builtin(ctx):
    text = ENTRY + fastcall.wrapper_ir("fastcall_test_call", "fastcall_test_entry", 2, True, -7)
    llvm_engine.compile_ir(text, "fastcall-test-1")
    return fastcall.builtin(llvm_engine.address("fastcall_test_call"), ctypes.addressof(ctx))


def test_the_builtin_passes_ctx_the_record_and_the_objects_and_returns_the_status():
    ctx = (ctypes.c_int64 * 1)(1000)
    call = _builtin(ctx)
    a, b = np.zeros(1), np.ones(1)
    assert call(5, a, b) == 1000 + 5 + id(a) - id(b)
    ctx[0] = -3
    assert call(0, b, b) == -3


def test_a_call_with_another_number_of_arguments_returns_the_refusal():
    call = _builtin((ctypes.c_int64 * 1)(0))
    assert call(1, 2) == -7 and call(1, 2, 3, 4) == -7 and call() == -7


def test_the_gil_is_released_around_the_entry():
    """Another Python thread runs while a builtin whose entry waits on it is inside."""
    wait = """
define i64 @fastcall_wait_entry(ptr %ctx, ptr %flag) {
entry:
  br label %loop
loop:
  %v = load atomic i64, ptr %ctx seq_cst, align 8
  %done = icmp ne i64 %v, 0
  br i1 %done, label %out, label %loop
out:
  ret i64 %v
}
"""
    llvm_engine.compile_ir(wait + fastcall.wrapper_ir("fastcall_wait_call", "fastcall_wait_entry", 1, False, -1),
                           "fastcall-test-wait-1")
    ctx = (ctypes.c_int64 * 1)(0)
    call = fastcall.builtin(llvm_engine.address("fastcall_wait_call"), ctypes.addressof(ctx))
    setter = threading.Timer(0.05, lambda: ctx.__setitem__(0, 42))
    setter.start()
    assert call(None) == 42
    setter.join()


def test_a_table_caller_calls_its_function_with_the_first_int_and_the_tables_pointers():
    """One trampoline for every `i64 f(i64, ptr x N)`: the region functions' calls."""
    text = """
define i64 @fastcall_table_test(i64 %first, ptr %a, ptr %b) {
  %x = load i64, ptr %a
  %y = load i64, ptr %b
  %s = add i64 %x, %y
  %r = mul i64 %s, %first
  ret i64 %r
}
"""
    llvm_engine.compile_ir(text, "fastcall-table-test-1")
    call = fastcall.table_caller(llvm_engine.address("fastcall_table_test"), 2)
    x, y = (ctypes.c_int64 * 1)(5), (ctypes.c_int64 * 1)(7)
    table = (ctypes.c_int64 * 2)(ctypes.addressof(x), ctypes.addressof(y))
    assert call(3, ctypes.addressof(table)) == 36
    assert call(0, ctypes.addressof(table)) == 0
