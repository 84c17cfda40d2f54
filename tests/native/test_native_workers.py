"""Native workers: parts of a dispatch on pthreads, handed over through a futex; each
part's workgroups run, a fault on a worker is that part's error, the workers live on."""

from __future__ import annotations

import ctypes
import os
import threading

import numpy as np
import pytest

from vmvxjit.errors import NativeCodeFault
from vmvxjit.loaders import native_dispatch
from vmvxjit.loaders.library_abi import DispatchStateV0, WorkgroupStateV0
from vmvxjit.native import machine_code, native_workers

pytestmark = pytest.mark.skipif(not native_workers.supported(), reason="no futex call known here")

# An export writing x + 1 to element x of its binding 0 (i32), faulting (a load from
# address 8) at the workgroup x its constant 0 names, returning 9 at the one constant 1 names.
_EXPORT = f"""
define i32 @vmvxjit_test_export(ptr %environment, ptr %dispatch, ptr %workgroup) {{
entry:
  %x.slot = getelementptr i8, ptr %workgroup, i64 {WorkgroupStateV0.workgroup_id_x.offset}
  %x = load i32, ptr %x.slot
  %constants.slot = getelementptr i8, ptr %dispatch, i64 {DispatchStateV0.constants.offset}
  %constants = load ptr, ptr %constants.slot
  %faulting = load i32, ptr %constants
  %fault = icmp eq i32 %x, %faulting
  br i1 %fault, label %wild, label %fails
fails:
  %failing.slot = getelementptr i32, ptr %constants, i64 1
  %failing = load i32, ptr %failing.slot
  %fail = icmp eq i32 %x, %failing
  br i1 %fail, label %failed, label %write
failed:
  ret i32 9
wild:
  %wild.value = load volatile i32, ptr inttoptr (i64 8 to ptr)
  ret i32 %wild.value
write:
  %bindings.slot = getelementptr i8, ptr %dispatch, i64 {DispatchStateV0.binding_ptrs.offset}
  %bindings = load ptr, ptr %bindings.slot
  %binding = load ptr, ptr %bindings
  %element = getelementptr i32, ptr %binding, i32 %x
  %value = add i32 %x, 1
  store i32 %value, ptr %element
  ret i32 0
}}
"""


@pytest.fixture(scope="module")
def export() -> int:
    return machine_code.compiled(_EXPORT, "vmvxjit_test_export")


def _dispatch(export: int, count: int, parts: int, faulting: int = -1, failing: int = -1,
              outcome: tuple = (0, 0, 0, 0)) -> np.ndarray:
    out = np.zeros(count * 4, np.uint8)
    constants = np.array([faulting & 0xFFFFFFFF, failing & 0xFFFFFFFF], np.uint32)
    assert native_dispatch.run(export, 0, (count, 1, 1), constants, [out], [0] * parts, 0, "test") == outcome
    return out.view(np.int32)


@pytest.mark.parametrize("parts", [2, 3, 8])
def test_every_workgroup_runs_once_in_parts(export, parts):
    for _ in range(3):
        assert _dispatch(export, 64, parts).tolist() == list(range(1, 65))


def test_a_fault_on_a_worker_names_its_workgroup_and_the_workers_live_on(export):
    for _ in range(2):
        with pytest.raises(NativeCodeFault, match=r"SIGSEGV at pc 0x\w+ accessing 0x8 in export 'test' "
                                                  r"\(0x\w+\), workgroup \(6, 0, 0\)"):
            _dispatch(export, 8, 2, faulting=6)       # part 1 (workgroups 4..7) runs on a worker
    _dispatch(export, 8, 2, failing=6, outcome=(9, 6, 0, 0))   # a failure there now: no old fault
    assert _dispatch(export, 8, 2).tolist() == list(range(1, 9))


def test_the_first_faulting_part_is_reported(export):
    with pytest.raises(NativeCodeFault, match=r"workgroup \(1, 0, 0\)"):
        _dispatch(export, 8, 4, faulting=1)


def test_dispatches_from_several_threads_share_the_workers_or_take_the_python_ones(export):
    errors = []

    def work():
        for _ in range(50):
            if _dispatch(export, 32, 2).tolist() != list(range(1, 33)):
                errors.append("wrong")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors


def test_the_always_busy_word_runs_nothing(export):
    _dispatch(export, 4, 2)
    pool = native_workers.pool()
    jobs = (native_workers.Job * 2)()
    assert pool.run(pool.always_busy, 2, ctypes.addressof(jobs), 0, pool.syscall) == 0
    assert ctypes.c_int32.from_address(pool.always_busy).value == native_workers.GONE


def test_a_busy_pool_runs_nothing(export):
    _dispatch(export, 4, 2)
    pool = native_workers.pool()
    busy = ctypes.c_int32.from_address(pool.memory)
    busy.value = 1           # as while another dispatch runs
    try:
        jobs = (native_workers.Job * 2)()
        assert native_workers.try_run(jobs, 2) is None
    finally:
        busy.value = 0


def test_a_forked_child_makes_its_own_workers_and_never_waits_for_its_parents(export):
    _dispatch(export, 8, 2)
    parent = native_workers.pool()
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:     # the child: the parent's pool says busy; a dispatch makes a new one
        try:
            ok = (ctypes.c_int32.from_address(parent.memory).value == 2
                  and _dispatch(export, 8, 2).tolist() == list(range(1, 9))
                  and native_workers.pool() is not parent)
            os.write(writer, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(writer)
    assert os.read(reader, 1) == b"1"
    os.waitpid(child, 0)
