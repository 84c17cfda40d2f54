"""Runs the chunks of a parallel loop (parallel_run.py) on the native workers.

A chunk handed to a Python worker costs tens of microseconds (a queue, a condition
variable and the GIL on both sides), so only loops of 0.5 ms and more ran in
chunks there. A chunk of LLVM region code needs no Python: it is one call of the
region's function on the chunk's frame. The native workers (native/native_workers.py)
call their pool's loop with each Job; here that loop is CHUNK_IR, which calls the
Job's `function` (the region's) from block `box[0]` with the eight array addresses
at `environment` (the frame's `table`) and stores the exit status at `dispatch_state`.
Region code checks every access itself, so nothing of the workers' fault trap is used.
"""

from __future__ import annotations

import ctypes

from vmvxjit.native import machine_code, native_workers

# A loop whose last run took this long runs in chunks next time, when the native workers
# take them (else workers.PARALLEL_ABOVE_S). Besides the handoff, a run in chunks costs
# ~25 us of Python (chunk frames, the entry check's lookup, the jobs): conv2d
# 1x32x32x16's 75 us loop ran no faster on two threads, matmul 256^3's 0.3 ms one 1.35x.
PARALLEL_ABOVE_S = 0.0002
FRAME_ARRAYS = 8        # ri, rf, tags, addrs, lens, mut, err, counts: codegen.generate's signature

CHUNK_SYMBOL = "vmvxjit_region_chunk"
_LOADS = "\n".join(f"  %a{k}.slot = getelementptr i64, ptr %frame, i64 {k}\n  %a{k} = load ptr, ptr %a{k}.slot"
                   for k in range(FRAME_ARRAYS))
CHUNK_IR = f"""
define i32 @{CHUNK_SYMBOL}(ptr %function, ptr %frame, ptr %status, ptr %unused, i32 %entry, i32 %x1,
                            i32 %y0, i32 %y1, i32 %z0, i32 %z1, ptr %failed, ptr %record) {{
{_LOADS}
  %entry64 = zext i32 %entry to i64
  %exit = call i64 %function(i64 %entry64, {", ".join(f"ptr %a{k}" for k in range(FRAME_ARRAYS))})
  store i64 %exit, ptr %status
  ret i32 0
}}
"""


def available(function) -> bool:
    """Whether chunks of region function `function` can run on the native workers: LLVM
    code (llvm_backend.RegionFunction, which has an address) on an architecture they
    support."""
    return getattr(function, "address", None) is not None and native_workers.supported()


def run(function, frames: list, entry: int) -> list | None:
    """The exit status of region function `function` run from block `entry` on each of
    `frames` at once, the first on this thread (the GIL released); None, with nothing
    run, when another dispatch or loop has the workers."""
    parts = len(frames)
    jobs = (native_workers.Job * parts)()
    statuses = (ctypes.c_int64 * parts)()
    for k, frame in enumerate(frames):
        job = jobs[k]
        job.loop, job.function, job.environment = loop_address(), function.address, ctypes.addressof(frame.table)
        job.dispatch_state = ctypes.addressof(statuses) + k * ctypes.sizeof(ctypes.c_int64)
        job.box[0] = entry
    if native_workers.try_run(jobs, parts) is None:
        return None
    return list(statuses)


def loop_address() -> int:
    """CHUNK_IR's address (compiled once per machine, mapped once per process)."""
    return machine_code.compiled(CHUNK_IR, CHUNK_SYMBOL)
