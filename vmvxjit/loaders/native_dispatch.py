"""The inline workgroup loop over a native dispatch function, as LLVM IR (no Numba).

`run` builds dispatch_state_v0 and workgroup_state_v0 exactly as IREE's
hal_loader does (workgroup size 1x1x1, max_concurrency 1, processor 0) and
calls the loop: native code that calls the export once per workgroup of a
box of workgroup ids, z outermost and x innermost, stopping at the first
non-zero return. The loop is LLVM IR text, compiled once per machine for the
architecture's baseline CPU and kept on disk as its bytes under a digest of
the text (native/machine_code.py): a later process maps it without importing
llvmlite. ctypes releases the GIL for the whole loop.

Asked for several parts, `run` splits the workgroups along their outermost
dimension with more than one workgroup into that many boxes, run at once on
worker threads (workers.py), each with its own workgroup state (processor id
= part, max_concurrency = parts) and local memory, as IREE's multi-threaded
task executor runs them. Workgroups write disjoint results by construction,
so the results are those of the serial loop; a failure is reported as the
serial loop would: the first failing workgroup in z, y, x order.

The loop runs under native/trap.py's trap: if the export faults, the part
ends there and `run` raises NativeCodeFault naming the export and workgroup.
"""

from __future__ import annotations

import ctypes
from functools import lru_cache

import numpy as np

from vmvxjit.native import workers
from vmvxjit.loaders.library_abi import DispatchStateV0, WorkgroupStateV0
from vmvxjit.native import machine_code, native_workers, trap

SYMBOL = "vmvxjit_workgroup_loop"
# i32 loop(fn, environment, dispatch_state, workgroup_state, first_x, end_x, first_y, end_y,
#          first_z, end_z, u32 failed_xyz[3], trap record)
_LOOP_TYPE = ctypes.CFUNCTYPE(ctypes.c_int32, *[ctypes.c_void_p] * 4, *[ctypes.c_uint32] * 6,
                              ctypes.c_void_p, ctypes.c_void_p)


def _counted(var: str, enter: str) -> str:
    """The head and latch blocks of `for var in range(first_var, end_var)` (unsigned),
    entered from block `enter`; the body is block `var.body`, the loop leaves to `var.exit`."""
    return f"""{var}.head:
  %{var} = phi i32 [%first_{var}, %{enter}], [%{var}.next, %{var}.latch]
  %{var}.more = icmp ult i32 %{var}, %end_{var}
  br i1 %{var}.more, label %{var}.body, label %{var}.exit
{var}.latch:
  %{var}.next = add i32 %{var}, 1
  br label %{var}.head"""


LOOP_IR = f"""
define i32 @{SYMBOL}(ptr %export, ptr %environment, ptr %dispatch_state, ptr %workgroup,
                     i32 %first_x, i32 %end_x, i32 %first_y, i32 %end_y,
                     i32 %first_z, i32 %end_z, ptr %failed, ptr %trap) {{
entry:
{trap.enter_ir("%trap", "faulted", "entered")}
  %id_x = getelementptr i8, ptr %workgroup, i32 {WorkgroupStateV0.workgroup_id_x.offset}
  %id_y = getelementptr i8, ptr %workgroup, i32 {WorkgroupStateV0.workgroup_id_y.offset}
  %id_z = getelementptr i8, ptr %workgroup, i32 {WorkgroupStateV0.workgroup_id_z.offset}
  br label %z.head
{_counted("z", "entered")}
z.body:
  %z16 = trunc i32 %z to i16
  store i16 %z16, ptr %id_z
  br label %y.head
z.exit:
{trap.leave_ir("%trap")}
  ret i32 0
faulted:
  ret i32 -1
{_counted("y", "z.body")}
y.body:
  store i32 %y, ptr %id_y
  br label %x.head
y.exit:
  br label %z.latch
{_counted("x", "y.body")}
x.body:
  store i32 %x, ptr %id_x
  %result = call i32 %export(ptr %environment, ptr %dispatch_state, ptr %workgroup)
  %failing = icmp ne i32 %result, 0
  br i1 %failing, label %fail, label %x.latch, !prof !0
x.exit:
  br label %y.latch
fail:
  store i32 %x, ptr %failed
  %failed_y = getelementptr i32, ptr %failed, i32 1
  store i32 %y, ptr %failed_y
  %failed_z = getelementptr i32, ptr %failed, i32 2
  store i32 %z, ptr %failed_z
{trap.leave_ir("%trap")}
  ret i32 %result
}}

!0 = !{{!"branch_weights", i32 1, i32 99}}
{trap.IR_TRAILER}"""


def loop_address() -> int:
    """The workgroup loop's machine code (native code calling it: vmvxjit/host)."""
    return machine_code.compiled(LOOP_IR, SYMBOL)


@lru_cache(maxsize=None)
def _loop():
    return _LOOP_TYPE(loop_address())


def _address(array, dtype, what: str) -> int:
    if not (isinstance(array, np.ndarray) and array.dtype == dtype and array.ndim == 1
            and array.flags.c_contiguous):
        raise TypeError(f"{what} is not a contiguous 1-D {np.dtype(dtype)} array")
    return array.ctypes.data


def run(function: int, environment: int, workgroup_count: tuple[int, int, int],
        constants: np.ndarray, bindings, local_memories: list, local_memory_size: int,
        export: str):
    """Runs every workgroup of the export at address `function`, in as many parts
    as `local_memories` has addresses (one part's local memory each; fewer parts
    when the workgroups do not split that far).

    `constants` is a uint32 array and `bindings` a sequence of uint8 arrays,
    all contiguous and 1-D (else TypeError, before anything runs). Returns
    (0, 0, 0, 0) or (result, x, y, z) of the first failing workgroup; a fault in
    the export (named `export` in the error) raises NativeCodeFault.
    """
    constants_address = _address(constants, np.uint32, "constants")
    count = len(bindings)
    pointers = (ctypes.c_uint64 * count)(
        *(_address(binding, np.uint8, f"binding {i}") for i, binding in enumerate(bindings)))
    lengths = (ctypes.c_uint64 * count)(*(binding.size for binding in bindings))
    boxes = workers.split(workgroup_count, len(local_memories))
    count_x, count_y, count_z = workgroup_count
    state = DispatchStateV0(
        workgroup_size_x=1, workgroup_size_y=1, workgroup_size_z=1,
        constant_count=constants.size,
        workgroup_count_x=count_x, workgroup_count_y=count_y, workgroup_count_z=count_z,
        max_concurrency=len(boxes), binding_count=count,
        constants=constants_address,
        binding_ptrs=ctypes.addressof(pointers), binding_lengths=ctypes.addressof(lengths))
    loop, state_address = _loop(), ctypes.addressof(state)
    if 1 < len(boxes) <= native_workers.MAX_WORKERS + 1 and native_workers.supported():
        outcome = _run_native(boxes, function, environment, state_address, local_memories,
                              local_memory_size, export)
        if outcome is not None:
            return outcome

    def part(k: int, box: tuple):
        workgroup = WorkgroupStateV0(processor_id=k, local_memory=local_memories[k],
                                     local_memory_size=local_memory_size)
        failed, record = (ctypes.c_uint32 * 3)(), trap.record()
        result = loop(function, environment, state_address, ctypes.addressof(workgroup),
                      *box, failed, record)
        if not result:
            return workers.SUCCEEDED
        fault = trap.take_fault(record)
        if fault:
            raise _fault_error(fault, export, function, workgroup)
        return (result, *failed)

    return workers.run_boxes(boxes, part)


def _run_native(boxes: list, function: int, environment: int, state_address: int,
                local_memories: list, local_memory_size: int, export: str) -> tuple | None:
    """`run`'s parts on the native workers (native_workers.py); None, with nothing run,
    when another dispatch is using them. Faults and failures are reported as the Python
    workers' parts report them: the first faulting part's error, else the failure the
    serial loop would meet first."""
    jobs = (native_workers.Job * len(boxes))()
    states = [WorkgroupStateV0(processor_id=k, local_memory=local_memories[k],
                               local_memory_size=local_memory_size) for k in range(len(boxes))]
    for job, box, workgroup in zip(jobs, boxes, states):
        job.loop, job.function, job.environment = loop_address(), function, environment
        job.dispatch_state = state_address
        job.workgroup_state = ctypes.addressof(workgroup)
        job.box[:] = box
    records = native_workers.try_run(jobs, len(boxes))
    if records is None:
        return None
    for job, workgroup, record in zip(jobs, states, records):
        fault = trap.take_fault(record) if job.result else None
        if fault:
            raise _fault_error(fault, export, function, workgroup)
    return workers.first_failure([(job.result, *job.failed) for job in jobs])


def _fault_error(fault: tuple, export: str, function: int, workgroup: WorkgroupStateV0):
    return trap.fault_error(fault, f"export '{export}' (0x{function:X}), workgroup "
                                   f"({workgroup.workgroup_id_x}, {workgroup.workgroup_id_y}, "
                                   f"{workgroup.workgroup_id_z})")
