"""trap: a fault inside a trapped call is an error; any other fault is left to the
handler that was there before (Python's faulthandler here)."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from vmvxjit.errors import NativeCodeFault
from vmvxjit.native import llvm_engine, trap

_libc = ctypes.CDLL(None)
ROOT = Path(__file__).resolve().parents[2]

# Recurses without end, 4 KiB of stack a level: overflows any thread's stack.
_RECURSE = """
define i64 @vmvxjit_test_recurse(i64 %depth, i64 %unused) noinline {
  %frame = alloca [4096 x i8]
  call void @llvm.memset.p0.i64(ptr %frame, i8 1, i64 4096, i1 true)
  %next = add i64 %depth, 1
  %deeper = call i64 @vmvxjit_test_recurse(i64 %next, i64 %unused)
  %byte = load volatile i8, ptr %frame
  %wide = zext i8 %byte to i64
  %sum = add i64 %deeper, %wide
  ret i64 %sum
}
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
"""


def _address(function) -> int:
    return ctypes.cast(function, ctypes.c_void_p).value


def test_a_call_that_does_not_fault_returns_its_result():
    assert trap.call(_address(_libc.labs), (1 << 64) - 5, 0, "labs") == 5


def test_a_fault_is_an_error_naming_signal_address_and_call():
    for _ in range(3):   # the trap is set again for every call
        with pytest.raises(NativeCodeFault, match=r"^ABORTED; executable native code faulted: "
                           r"SIGSEGV at pc 0x\w+ accessing 0x10 in strlen of 0x10; the module's "
                           r"memory may be damaged"):
            trap.call(_address(_libc.strlen), 0x10, 0, "strlen of 0x10")
    assert trap.call(_address(_libc.labs), 7, 0, "labs") == 7


def test_a_jump_to_nowhere_is_trapped():
    with pytest.raises(NativeCodeFault, match=r"SIGSEGV at pc 0x0 accessing 0x0 in null"):
        trap.call(0, 0, 0, "null")


def test_faults_on_other_threads_are_trapped():
    errors = []

    def fault():
        try:
            trap.call(_address(_libc.strlen), 8, 0, "strlen on a thread")
        except NativeCodeFault as error:
            errors.append(error)

    threads = [threading.Thread(target=fault) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 4
    assert all("SIGSEGV at pc 0x" in str(e) and "accessing 0x8 in" in str(e) for e in errors)


def test_a_stack_overflow_is_trapped_on_the_alternate_stack():
    llvm_engine.compile_ir(_RECURSE, "vmvxjit-test-recurse")
    recurse = llvm_engine.address("vmvxjit_test_recurse")
    outcome = []

    def overflow():
        try:
            trap.call(recurse, 0, 0, "endless recursion")
        except NativeCodeFault as error:
            outcome.append(str(error))

    thread = threading.Thread(target=overflow)
    thread.start()
    thread.join()
    overflow()
    assert len(outcome) == 2 and all("SIGSEGV" in text for text in outcome)


def _crash(code: str) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh Python with faulthandler, after a trapped call installed
    the handler."""
    prologue = textwrap.dedent("""\
        import ctypes
        from vmvxjit.native import trap
        from vmvxjit.errors import NativeCodeFault
        try:
            trap.call(0, 0, 0, "null")
        except NativeCodeFault:
            print("trapped", flush=True)
        """)
    return subprocess.run([sys.executable, "-X", "faulthandler", "-c", prologue + textwrap.dedent(code)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_a_fault_outside_trapped_calls_still_reaches_faulthandler():
    result = _crash("ctypes.string_at(0)")
    assert result.stdout == "trapped\n"
    assert result.returncode == -11
    assert "Fatal Python error: Segmentation fault" in result.stderr
    assert "in string_at" in result.stderr


def test_python_called_back_from_trapped_code_is_not_trapped():
    """A jump back to the trapped call would skip the callback's Python frames: a
    fault in them is the process's, as without the trap."""
    result = _crash("""\
        def callback(a, b):
            with trap.suspended():
                ctypes.string_at(0)
            return 0
        function = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_uint64, ctypes.c_uint64)(callback)
        trap.call(ctypes.cast(function, ctypes.c_void_p).value, 0, 0, "a callback")
        """)
    assert result.returncode == -11
    assert "Fatal Python error: Segmentation fault" in result.stderr and "in callback" in result.stderr


def test_install_again_puts_the_trap_above_handlers_installed_later():
    result = subprocess.run([sys.executable, "-c", textwrap.dedent("""\
        import ctypes, faulthandler
        from vmvxjit.native import trap
        from vmvxjit.errors import NativeCodeFault
        trap.record()                   # the trap is installed first ...
        faulthandler.enable()           # ... then a handler of the program's own
        trap.install()
        trap.install()                  # (twice: still chained to faulthandler, not to itself)
        try:
            trap.call(0, 0, 0, "null")
        except NativeCodeFault:
            print("trapped", flush=True)
        ctypes.string_at(0)
        """)], capture_output=True, text=True, cwd=ROOT, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.stdout == "trapped\n"
    assert result.returncode == -11
    assert result.stderr.count("Fatal Python error: Segmentation fault") == 1
    assert "in string_at" in result.stderr
