"""Compiles VMVX entry functions whole (see vmvx_entry_code.py) and runs them on bindings."""

from __future__ import annotations

import ctypes
import time

import numpy as np

from vmvxjit.vm.jit import codegen, switches, vmvx_entry_code
from vmvxjit.vm.jit.cache import load_source
from vmvxjit.vm.jit.stats import Compiled
from vmvxjit.vm.jit.tiering import compile_function

_NAME = "entry"


_TABLE = ctypes.c_void_p
# The entry as llvm_lower.py makes it: nine int64s, taddr, tlen, tmut, nbind, err, counts.
_LLVM_TYPE = ctypes.CFUNCTYPE(ctypes.c_int64, *[ctypes.c_int64] * 9, *[_TABLE] * 3, ctypes.c_int64,
                              *[_TABLE] * 2)


class CompiledEntry:
    """One entry function compiled with its workgroup loop: by llvm_lower.py (`native`:
    a plain C function, called through ctypes), or by Numba when its text holds what
    only Numba translates (the vmvx kernels' calls)."""

    def __init__(self, fn, alloc_rows: int, rodata: list, sites: list, deadline, native: int | None = None):
        self.fn = _LLVM_TYPE(native) if native is not None else fn
        self.native = native
        self.deadline = deadline
        self.alloc_rows = alloc_rows
        self.rodata = rodata        # the VmBuffers of the table's last rows, read-only
        # Shared by every run, as statistics: runs on several threads at once may lose a count.
        self.counts = np.zeros(2 * len(sites), dtype=np.int64)

    def run(self, box: tuple, workgroup_count, constants, bindings, local_memory_size: int):
        """Runs the workgroups of `box` (first_x, end_x, first_y, end_y, first_z, end_z) of
        a dispatch of `workgroup_count`; returns None, or the (x, y, z) of a workgroup that
        faulted. Everything it writes but the counts is its own (tables, local memory,
        `err`), and it runs without the GIL: runs of several boxes may go at once."""
        err = np.zeros(vmvx_entry_code.ENTRY_ERR_SIZE, dtype=np.int64)
        err[vmvx_entry_code.ENTRY_FUEL:] = self.deadline.fuel(), self.deadline.expires_ns()
        local_memory = np.zeros(local_memory_size, dtype=np.uint8)
        constants = np.ascontiguousarray(constants, dtype=np.uint32)
        rows = 2 + len(bindings) + self.alloc_rows + len(self.rodata)
        taddr = np.zeros(rows, dtype=np.int64)
        tlen = np.zeros(rows, dtype=np.int64)
        tmut = np.zeros(rows, dtype=np.int64)
        for row, (array, mutable) in enumerate(
                [(local_memory, 1), (constants.view(np.uint8), 0)] + [(b, 1) for b in bindings]):
            taddr[row], tlen[row], tmut[row] = array.ctypes.data, array.shape[0], mutable
        for row, buffer in enumerate(self.rodata, 2 + len(bindings) + self.alloc_rows):
            taddr[row], tlen[row] = buffer.address, buffer.length
        tables = (taddr, tlen, tmut, len(bindings), err, self.counts)
        if self.native is not None:
            tables = tuple(t if isinstance(t, int) else t.ctypes.data for t in tables)
        status = self.fn(*box, *workgroup_count, *tables)
        if status < 0:
            return tuple(err[1:4].tolist())
        return None

    def address(self) -> int | None:
        """The address of the compiled function itself, which native code calls: the
        llvm_lower one (`native`) as _LLVM_TYPE, else Numba's with its calling
        convention NATIVE_TYPE (vmvxjit/host/entry_ir.py: a status, 0 or an exception
        such as a failed allocation, and the result through a pointer); None if this
        Numba's convention is another."""
        if self.native is not None:
            return self.native
        signature, = self.fn.signatures
        compiled = self.fn.overloads[signature]
        fndesc = compiled.fndesc
        if str(compiled.target_context.call_conv.get_function_type(fndesc.restype, fndesc.argtypes)) \
                != NATIVE_TYPE:
            return None
        return compiled.library.get_pointer_to_function(fndesc.llvm_func_name)


# A box of a dispatch's workgroups run by an llvm_lower entry on the native workers
# (native_workers.py: this is the Job's loop; host/entry_ir.py posts the jobs). The Job's
# `function` is the entry, its `environment` the part's own tables [taddr, tlen, tmut, err]
# (the entry writes their allocation rows and err), its `dispatch_state` what the parts
# share [X, Y, Z, nbind, counts], its box the workgroups (first_x, end_x, ..., end_z);
# it returns 1 when the entry did not return 0.
PART_SYMBOL = "vmvxjit_vmvx_entry_part"


def _loads(table: str, fields: tuple) -> str:
    """IR loading each (name, type) of `fields` from the i64 slots of `table`, in order."""
    return "\n".join(f"  %{name}.slot = getelementptr i64, ptr {table}, i64 {k}\n"
                     f"  %{name} = load {kind}, ptr %{name}.slot" for k, (name, kind) in enumerate(fields))


_BOX = ("x0", "x1", "y0", "y1", "z0", "z1")
PART_IR = f"""
define i32 @{PART_SYMBOL}(ptr %function, ptr %own, ptr %shared, ptr %workgroup_state,
                          {", ".join(f"i32 %{v}" for v in _BOX)},
                          ptr %failed, ptr %record) {{
entry:
{_loads("%own", (("taddr", "ptr"), ("tlen", "ptr"), ("tmut", "ptr"), ("err", "ptr")))}
{_loads("%shared", (("X", "i64"), ("Y", "i64"), ("Z", "i64"), ("nbind", "i64"), ("counts", "ptr")))}
{chr(10).join(f"  %{v}.wide = zext i32 %{v} to i64" for v in _BOX)}
  %status = call i64 %function({", ".join(f"i64 %{v}.wide" for v in _BOX)}, i64 %X, i64 %Y, i64 %Z,
                            ptr %taddr, ptr %tlen, ptr %tmut, i64 %nbind, ptr %err, ptr %counts)
  %stopped = icmp ne i64 %status, 0
  %result = zext i1 %stopped to i32
  ret i32 %result
}}
"""


def part_address() -> int:
    """PART_IR's address (compiled once per machine, mapped once per process)."""
    from vmvxjit.native import machine_code

    return machine_code.compiled(PART_IR, PART_SYMBOL)


# An int64 array argument: meminfo, parent, item count, item size, data, shape, stride.
NATIVE_ARRAY = "i8*, i8*, i64, i64, i64*, i64, i64"
NATIVE_TYPE = ("i32 (i64*, {i8*, i32, i8*, i8*, i32}**, "
               + ", ".join(["i64"] * 9 + [NATIVE_ARRAY] * 3 + ["i64"] + [NATIVE_ARRAY] * 2) + ")")


def compile_entry(state, function) -> CompiledEntry | None:
    """The compiled entry function, or None when it has ops the JIT cannot take: lowered
    by llvm_lower.py at the optimized level (0.17 s for a 64^3 matmul's from empty caches,
    where Numba took 6.7 s) unless switched to Numba (switches.CODEGEN) or its text
    holds what only Numba translates; then by Numba."""
    from vmvxjit.kernels.compiled_calls import CALLS

    imports = state.module.imports
    stats = state.jit_stats
    if vmvx_entry_code.compilable_entry(function, imports, CALLS) is None:
        stats.failed.append((function.name, "entry function has ops the JIT cannot compile"))
        return None
    start = time.thread_time()
    try:
        source, alloc_rows, rodata, notes, sites = vmvx_entry_code.generate_entry(function, imports, CALLS, _NAME)
        text = vmvx_entry_code.HEADER + codegen.NJIT + source
        native = _lowered(text, function.name, stats)
        fn = _numba_entry(text, stats) if native is None else None
    except Exception as exc:  # a compiler failure: keep interpreting, report it in the trace
        stats.failed.append((function.name, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"))
        return None
    compiled = CompiledEntry(fn, alloc_rows, [state.module.rodata[i] for i in rodata], sites, state.deadline,
                             native)
    how = "whole entry function with its workgroup loop" + (" (Numba)" if native is None else "")
    stats.compiled.append(Compiled(function.name, [0], time.thread_time() - start, [how, *notes], sites,
                                   compiled.counts))
    return compiled


def _lowered(text: str, function_name: str, stats) -> int | None:
    """The address of entry `text` compiled by llvm_lower.py, or None (noted in the
    trace's fallbacks when the lowering refused it)."""
    if switches.CODEGEN != "llvm":
        return None
    from vmvxjit.vm.jit.llvm_backend import OPTIMIZED, compiled_address
    from vmvxjit.vm.jit.llvm_types import Unsupported

    try:
        address, hit = compiled_address(text, _NAME, vmvx_entry_code.ENTRY_ERR_SIZE, OPTIMIZED)
    except Unsupported as why:
        stats.fallbacks.append((function_name, str(why)))
        return None
    stats.cache_hits += hit
    return address


def _numba_entry(text: str, stats):
    from numba import types

    fn = getattr(load_source(text, "entry"), _NAME)
    array = types.Array(types.int64, 1, "C")
    return compile_function(fn, (*[types.int64] * 9, array, array, array, types.int64, array, array), stats)
