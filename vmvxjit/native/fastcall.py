"""Native entries called as Python builtins (METH_FASTCALL) rather than through ctypes.

A ctypes call converts each argument and result on every call: with seven arguments
it cost ~0.85 us here, most of an export's per-call time when the native work takes
nanoseconds (add4). A builtin function is called by CPython directly with its
arguments as an array of objects. `wrapper_ir` writes such a function around an entry
`i64 entry(ptr ctx, [ptr record,] ptr object...)`: its `self` is a Python int holding
the ctx address, a first int argument the trap record when the entry takes one, the
other arguments go to the entry as the object pointers they are; it releases the GIL
around the entry, as ctypes does, and returns the status as a Python int. The CPython
functions it calls are registered with LLVM's symbol table under aliases, as
native/clock.py registers the clock. `table_caller` does the same for any function
`i64 f(i64, ptr x N)` whose pointers a table holds: one trampoline, bound to each
function's address (the JIT's region functions: 0.16 against 1.24 us per entry).
"""

from __future__ import annotations

import ctypes
import hashlib
from functools import lru_cache

METH_FASTCALL = 0x80
_API = {"vmvxjit_py_as_pointer": "PyLong_AsVoidPtr", "vmvxjit_py_from_int": "PyLong_FromLongLong",
        "vmvxjit_py_save_thread": "PyEval_SaveThread", "vmvxjit_py_restore_thread": "PyEval_RestoreThread"}
_DECLARATIONS = """declare ptr @vmvxjit_py_as_pointer(ptr)
declare ptr @vmvxjit_py_from_int(i64)
declare ptr @vmvxjit_py_save_thread()
declare void @vmvxjit_py_restore_thread(ptr)
"""


class _MethodDef(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("method", ctypes.c_void_p), ("flags", ctypes.c_int),
                ("doc", ctypes.c_char_p)]


_DEFINITIONS: dict = {}     # address -> the PyMethodDef of its builtins, which must outlive them


@lru_cache(maxsize=None)
def register() -> None:
    """Adds the aliases to LLVM's symbol table (once per process)."""
    from llvmlite import binding

    for alias, name in _API.items():
        binding.add_symbol(alias, ctypes.cast(getattr(ctypes.pythonapi, name), ctypes.c_void_p).value)


def wrapper_ir(symbol: str, entry: str, objects: int, record: bool, wrong_count: int) -> str:
    """IR of builtin `symbol` around `entry`, which takes ctx, the record if `record`,
    and `objects` object pointers; the builtin takes the record (an int) first if so. A
    call with another number of arguments returns `wrong_count` without calling it."""
    lines = [f'define ptr @"{symbol}"(ptr %self, ptr %args, i64 %nargs) {{', "entry:",
             f"  %counted = icmp eq i64 %nargs, {objects + record}",
             "  br i1 %counted, label %call, label %miscounted", "miscounted:",
             f"  %refused = call ptr @vmvxjit_py_from_int(i64 {wrong_count})", "  ret ptr %refused", "call:",
             "  %ctx = call ptr @vmvxjit_py_as_pointer(ptr %self)"]
    operands = ["ptr %ctx"]
    for k in range(objects + record):
        lines += [f"  %slot{k} = getelementptr ptr, ptr %args, i64 {k}", f"  %arg{k} = load ptr, ptr %slot{k}"]
        if record and k == 0:
            lines.append("  %record = call ptr @vmvxjit_py_as_pointer(ptr %arg0)")
            operands.append("ptr %record")
        else:
            operands.append(f"ptr %arg{k}")
    return _finished(lines, f'@"{entry}"', operands)


def _finished(lines: list, callee: str, operands: list) -> str:
    """`lines` of a builtin, then the call of `callee` with `operands`, the GIL released
    around it, and the return of its status as a Python int."""
    lines += ["  %thread = call ptr @vmvxjit_py_save_thread()",
              f"  %status = call i64 {callee}({', '.join(operands)})",
              "  call void @vmvxjit_py_restore_thread(ptr %thread)",
              "  %result = call ptr @vmvxjit_py_from_int(i64 %status)",
              "  ret ptr %result", "}"]
    return "\n".join(lines) + "\n" + _DECLARATIONS


_TRAMPOLINE = "vmvxjit_table_trampoline_{}"


def _trampoline_ir(pointers: int) -> str:
    """A builtin whose `self` is the address of `i64 f(i64, ptr x pointers)`, called with
    an int and the address of a table of `pointers` pointers: f(int, table...)."""
    symbol = _TRAMPOLINE.format(pointers)
    lines = [f'define ptr @"{symbol}"(ptr %self, ptr %args, i64 %nargs) {{', "entry:",
             "  %counted = icmp eq i64 %nargs, 2",
             "  br i1 %counted, label %call, label %miscounted", "miscounted:",
             "  ret ptr null", "call:",
             "  %function = call ptr @vmvxjit_py_as_pointer(ptr %self)",
             "  %first.obj = load ptr, ptr %args",
             "  %first.ptr = call ptr @vmvxjit_py_as_pointer(ptr %first.obj)",
             "  %first = ptrtoint ptr %first.ptr to i64",
             "  %table.slot = getelementptr ptr, ptr %args, i64 1",
             "  %table.obj = load ptr, ptr %table.slot",
             "  %table = call ptr @vmvxjit_py_as_pointer(ptr %table.obj)"]
    operands = ["i64 %first"]
    for k in range(pointers):
        lines += [f"  %p{k}.slot = getelementptr ptr, ptr %table, i64 {k}", f"  %p{k} = load ptr, ptr %p{k}.slot"]
        operands.append(f"ptr %p{k}")
    return _finished(lines, "%function", operands)


@lru_cache(maxsize=None)
def _trampoline(pointers: int) -> int:
    from vmvxjit.native import llvm_engine

    text = _trampoline_ir(pointers)
    llvm_engine.compile_ir(text, "fastcall-" + hashlib.sha256(text.encode()).hexdigest()[:24], 1)
    return llvm_engine.address(_TRAMPOLINE.format(pointers))


def table_caller(address: int, pointers: int):
    """`call(first, table_address)`: `i64 f(i64, ptr x pointers)` at `address` called with
    `first` and the `pointers` pointers at `table_address`, the GIL released (a call
    with another number of arguments raises SystemError)."""
    return builtin(_trampoline(pointers), address, "region")


def builtin(address: int, ctx_address: int, name: str = "entry"):
    """The builtin function at `address` (wrapper_ir's), bound to `ctx_address`."""
    definition = _DEFINITIONS.get(address)
    if definition is None:
        definition = _DEFINITIONS[address] = _MethodDef(name.encode(), address, METH_FASTCALL, None)
    return _new_function()(ctypes.addressof(definition), ctx_address, None)


@lru_cache(maxsize=None)
def _new_function():
    """CPython's PyCFunction_NewEx(definition, self, module), typed once."""
    new = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_void_p, ctypes.py_object, ctypes.py_object)
    return new(("PyCFunction_NewEx", ctypes.pythonapi))
