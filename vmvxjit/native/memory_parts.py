"""An entry's big memory work (argument copies, zeroed arenas) split across the native workers.

An export compiled whole copies the arguments a native library may write and zeroes
its arenas before its dispatches (host/entry_ir.py). For big arrays that is most of a
call: elementwise over three 4 MiB inputs copies 12 MiB and zeroes 4 MiB, ~1.0 ms on
one core against 0.48 ms split over two (each core also takes its half into its own
cache). So the entry hands that work to the native workers (native_workers.py) as
jobs whose loop is `PART_IR`: the job's `function` is a table of operations

    [count, compare, (target, source, length) * count]      source 0: zero the target

its `environment`, `dispatch_state` and `workgroup_state` are libc's memcpy, memset and
memcmp (machine_code.py's code calls nothing by name), and its box's first two words say
which of how many parts it is; part k does bytes [length * k / parts, length * (k + 1) / parts) of each
operation, the cuts rounded down to 64 bytes, so parts of an aligned target (argument
copies are) share no cache line. The entry runs the same loop as one part (0 of 1) when
the workers are busy. With `compare` set, a part copies its cut only where it differs
from the target's bytes: an entry's argument copies live in a scratch arena the next
call reuses, so an argument passed again unchanged (weights a caller passes each call)
is read, not written again, and the copy stays in both cores' caches as it was
(IREE's code may write an argument's copy in place: a changed copy differs, and is
copied again). `run` does the same from Python (the interpreter's path zeroing and
copying big buffers into fresh memory, compare off: hal_inline/memory_pool.py).
"""

from __future__ import annotations

import ctypes

from vmvxjit.native import machine_code, native_workers

PARALLEL_BYTES = 256 << 10    # memory work of an entry that goes to the workers (smaller: the handoff costs more)
CUT_ALIGNMENT = 64
PART_SYMBOL = "vmvxjit_memory_part"
PART_IR = f"""
define i32 @{PART_SYMBOL}(ptr %ops, ptr %memcpy, ptr %memset, ptr %memcmp,
                          i32 %part, i32 %parts, i32 %y0, i32 %y1, i32 %z0, i32 %z1, ptr %failed, ptr %record) {{
entry:
  %count = load i64, ptr %ops
  %compare.slot = getelementptr i64, ptr %ops, i64 1
  %compare = load i64, ptr %compare.slot
  %comparing = icmp ne i64 %compare, 0
  %k = zext i32 %part to i64
  %p = zext i32 %parts to i64
  %k.next = add i64 %k, 1
  %last = icmp eq i64 %k.next, %p
  br label %head
head:
  %i = phi i64 [0, %entry], [%i.next, %next]
  %more = icmp ult i64 %i, %count
  br i1 %more, label %body, label %done
body:
  %row = mul i64 %i, 3
  %target.index = add i64 %row, 2
  %target.slot = getelementptr i64, ptr %ops, i64 %target.index
  %target = load i64, ptr %target.slot
  %source.index = add i64 %row, 3
  %source.slot = getelementptr i64, ptr %ops, i64 %source.index
  %source = load i64, ptr %source.slot
  %length.index = add i64 %row, 4
  %length.slot = getelementptr i64, ptr %ops, i64 %length.index
  %length = load i64, ptr %length.slot
  %low.scaled = mul i64 %length, %k
  %low.cut = udiv i64 %low.scaled, %p
  %low = and i64 %low.cut, {-CUT_ALIGNMENT}
  %high.scaled = mul i64 %length, %k.next
  %high.cut = udiv i64 %high.scaled, %p
  %high.aligned = and i64 %high.cut, {-CUT_ALIGNMENT}
  %high = select i1 %last, i64 %length, i64 %high.aligned
  %size = sub i64 %high, %low
  %to.address = add i64 %target, %low
  %to = inttoptr i64 %to.address to ptr
  %zeroing = icmp eq i64 %source, 0
  br i1 %zeroing, label %zero, label %copy
zero:
  %zeroed = call ptr %memset(ptr %to, i32 0, i64 %size)
  br label %next
copy:
  %from.address = add i64 %source, %low
  %from = inttoptr i64 %from.address to ptr
  br i1 %comparing, label %check, label %write
check:
  %difference = call i32 %memcmp(ptr %to, ptr %from, i64 %size)
  %same = icmp eq i32 %difference, 0
  br i1 %same, label %next, label %write
write:
  %copied = call ptr %memcpy(ptr %to, ptr %from, i64 %size)
  br label %next
next:
  %i.next = add i64 %i, 1
  br label %head
done:
  ret i32 0
}}
"""

def part_address() -> int:
    """PART_IR's address (compiled once per machine, mapped once per process)."""
    return machine_code.compiled(PART_IR, PART_SYMBOL)


_libc = ctypes.CDLL(None)
MEMCPY = ctypes.cast(_libc.memcpy, ctypes.c_void_p).value
MEMSET = ctypes.cast(_libc.memset, ctypes.c_void_p).value
MEMCMP = ctypes.cast(_libc.memcmp, ctypes.c_void_p).value
# libc's functions a part calls, in PART_IR's parameter (and a Job's field) order; an
# entry's ctx holds them in this order after the part loop's address.
LIBC = (MEMCPY, MEMSET, MEMCMP)


def run(operations: list, parts: int) -> bool:
    """Does memory `operations` ((target address, source address or 0 to zero, length))
    in `parts` at once, the first on this thread (the GIL released); False, with
    nothing done, when other work has the workers."""
    table = (ctypes.c_int64 * (2 + 3 * len(operations)))(len(operations), 0, *(v for op in operations for v in op))
    jobs = (native_workers.Job * parts)()
    for k, job in enumerate(jobs):
        job.loop, job.function = part_address(), ctypes.addressof(table)
        job.environment, job.dispatch_state, job.workgroup_state = LIBC
        job.box[0], job.box[1] = k, parts
    return native_workers.try_run(jobs, parts) is not None
