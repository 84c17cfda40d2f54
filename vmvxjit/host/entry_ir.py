"""The native entry of an export compiled whole: LLVM IR that takes the numpy
arrays themselves (PyObject pointers), checks each argument against the
declaration, lays out the buffer table and register files of the function's
region code on its stack and calls it.

    entry(ctx, argument arrays..., allocation arrays...) ->
        0: done; 1: an argument is not an aligned C-contiguous ndarray of the
        declared dtype and shape (the caller takes the interpreter's path, which
        converts or rejects it); 2: the code faulted before writing any argument
        (the caller runs the call again on the interpreter's path, which raises
        the fault's exact error)

`ctx` is an int64 array: numpy.ndarray's type object, each argument's dtype
object, each rodata span's address. The arrays' fields are read at numpy's
PyArrayObject offsets, which `layout_problem` checks once against this process.
"""

from __future__ import annotations

import ctypes

import numpy as np

# PyArrayObject_fields (numpy/ndarraytypes.h) on a 64-bit CPython.
OB_TYPE, DATA, ND, DIMENSIONS, DESCR, FLAGS = 8, 16, 24, 32, 56, 64
C_CONTIGUOUS_ALIGNED = 0x0001 | 0x0100      # NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED

DONE, NOT_AS_DECLARED, FAULTED = 0, 1, 2


def layout_problem() -> str | None:
    """Why numpy's array fields are not where the entry reads them, if they are not."""
    if ctypes.sizeof(ctypes.c_void_p) != 8:
        return "not a 64-bit process"
    array = np.zeros((3, 5), np.float32)[:, 1:]
    base = id(array)
    read = ctypes.c_int64.from_address
    dims = read(base + DIMENSIONS).value
    found = (read(base + OB_TYPE).value, read(base + DATA).value, ctypes.c_int32.from_address(base + ND).value,
             read(dims).value, read(dims + 8).value, read(base + DESCR).value,
             ctypes.c_int32.from_address(base + FLAGS).value)
    expected = (id(np.ndarray), array.ctypes.data, 2, 3, 4, id(array.dtype), array.flags.num)
    return None if found == expected else f"numpy {np.__version__}'s array layout is not the one expected"


class _Text:
    def __init__(self):
        self.lines: list = []
        self.count = 0

    def value(self, expression: str) -> str:
        self.count += 1
        name = f"%v{self.count}"
        self.lines.append(f"  {name} = {expression}")
        return name

    def field(self, base: str, offset: int, type_: str) -> str:
        address = self.value(f"getelementptr i8, ptr {base}, i64 {offset}")
        return self.value(f"load {type_}, ptr {address}")

    def require(self, condition: str, fail: str) -> None:
        """Continues in a new block when `condition` holds, else goes to `fail`."""
        self.count += 1
        label = f"ok{self.count}"
        self.lines += [f"  br i1 {condition}, label %{label}, label %{fail}", f"{label}:"]

    def store(self, array: str, index: int, value: str) -> None:
        address = self.value(f"getelementptr i64, ptr {array}, i64 {index}")
        self.lines.append(f"  store i64 {value}, ptr {address}")


def entry_ir(name: str, region_symbol: str, plan, sizes: dict) -> str:
    """The IR of entry `name` for HostPlan `plan` whose region code is `region_symbol`
    (`sizes`: element counts of its ri, rf, tags, err and counts arrays)."""
    n_args = len(plan.arguments)
    objects = n_args + len(plan.allocations)
    params = ", ".join(["ptr %ctx"] + [f"ptr %o{i}" for i in range(objects)])
    t = _Text()
    t.lines.append("entry:")
    arrays = {}
    for array, element in (("ri", "i64"), ("rf", "double"), ("tags", "i64"), ("err", "i64"), ("counts", "i64")):
        count = max(1, sizes[array])
        arrays[array] = t.value(f"alloca [{count} x {element}], align 8")
        t.lines.append(f"  store [{count} x {element}] zeroinitializer, ptr {arrays[array]}")
    buffers = max(1, len(plan.spans))
    for array in ("addrs", "lens", "mut"):
        arrays[array] = t.value(f"alloca [{buffers} x i64], align 8")
    array_type = t.value("load i64, ptr %ctx")
    data = {}
    for k, (shape, _) in enumerate(plan.arguments):
        obj = f"%o{k}"
        t.require(t.value(f"icmp eq i64 {t.field(obj, OB_TYPE, 'i64')}, {array_type}"), "slow")
        t.require(t.value(f"icmp eq i32 {t.field(obj, ND, 'i32')}, {len(shape)}"), "slow")
        dims = t.field(obj, DIMENSIONS, "ptr")
        for i, dim in enumerate(shape):
            t.require(t.value(f"icmp eq i64 {t.field(dims, 8 * i, 'i64')}, {dim}"), "slow")
        descr_slot = t.value(f"getelementptr i64, ptr %ctx, i64 {1 + k}")
        descr = t.value(f"load i64, ptr {descr_slot}")
        t.require(t.value(f"icmp eq i64 {t.field(obj, DESCR, 'i64')}, {descr}"), "slow")
        flags = t.value(f"and i32 {t.field(obj, FLAGS, 'i32')}, {C_CONTIGUOUS_ALIGNED}")
        t.require(t.value(f"icmp eq i32 {flags}, {C_CONTIGUOUS_ALIGNED}"), "slow")
        data[("argument", k)] = t.field(obj, DATA, "i64")
    for j, memory in enumerate(plan.allocations):
        data[("allocation", memory.index)] = t.field(f"%o{n_args + j}", DATA, "i64")
    rodata = 0
    for b, span in enumerate(plan.spans):
        memory = span.memory
        if memory.kind == "rodata":
            slot = t.value(f"getelementptr i64, ptr %ctx, i64 {1 + n_args + rodata}")
            base = t.value(f"load i64, ptr {slot}")
            rodata += 1
        else:
            base = data[(memory.kind, memory.index)]
        t.store(arrays["addrs"], b, t.value(f"add i64 {base}, {span.offset}"))
        t.store(arrays["lens"], b, str(span.length))
        t.store(arrays["mut"], b, "1" if memory.kind == "allocation" else "0")
    order = ("ri", "rf", "tags", "addrs", "lens", "mut", "err", "counts")
    exit_index = t.value(f"call i64 @\"{region_symbol}\"(i64 0, "
                         + ", ".join(f"ptr {arrays[a]}" for a in order) + ")")
    faulted = t.value(f"icmp slt i64 {exit_index}, 0")
    status = t.value(f"select i1 {faulted}, i64 {FAULTED}, i64 {DONE}")
    t.lines += [f"  ret i64 {status}", "slow:", f"  ret i64 {NOT_AS_DECLARED}"]
    return "\n".join([f"define i64 @\"{name}\"({params}) {{", *t.lines, "}", ""])


def rodata_spans(plan) -> list:
    """The rodata spans in the order their addresses follow the dtypes in `ctx`."""
    return [span for span in plan.spans if span.memory.kind == "rodata"]
