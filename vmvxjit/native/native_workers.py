"""Native threads that run parts of a native dispatch, handed over through a futex.

Handing a part to a Python worker (workers.py) costs tens of microseconds: a
queue, a condition variable and the GIL on both sides. A dispatch of an
llvm-cpu executable needs none of Python: each part is a call of the workgroup
loop (loaders/native_dispatch.py) over a box of workgroup ids. So these workers
are threads made with pthread_create, running a small loop of machine code
(LLVM IR below, kept on disk by machine_code.py) that waits for a job in its
slot, calls the job's loop with it and says it is done. A job names its loop
(the workgroup loop, a chunk of a compiled loop: native_chunks.py, a part of an
entry's memory work: memory_parts.py), so one pool serves them all. `run` (one ctypes
call, the GIL released) posts the parts past the first, runs the first itself
and waits for the rest. Both sides spin a while before sleeping on the slot's
futex, so back-to-back dispatches hand over in about a microsecond and idle
workers cost nothing.

Each worker has its own fault-trap record and alternate signal stack
(native/trap.py), set up on its thread before its first job: a fault in a part
ends that part, and the caller reads the record. The pool is one per process,
used by one dispatch at a time (`try_run` says when it is busy, and the caller
takes the Python workers); a forked child makes its own.
"""

from __future__ import annotations

import ctypes
import os
import threading

from vmvxjit.errors import InternalError
from vmvxjit.native import machine_code, trap
from vmvxjit.native.cpu import HOST_ARCH
from vmvxjit.native.executable_memory import PAGE_SIZE, page_ceil, reserve

_SYSCALL_FUTEX = {"x86_64": 202, "arm_64": 98}
_SYSCALL_YIELD = {"x86_64": 24, "arm_64": 124}     # sched_yield
# A spin-wait hint (x86 pause, arm64 yield) as an intrinsic call and its declaration.
_SPIN_HINT = {"x86_64": ("call void @llvm.x86.sse2.pause()", "declare void @llvm.x86.sse2.pause()"),
              "arm_64": ("call void @llvm.aarch64.hint(i32 1)", "declare void @llvm.aarch64.hint(i32)")}
_HINT_CALL, _HINT_DECLARATION = _SPIN_HINT.get(HOST_ARCH, ("", ""))
FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE = 128, 129
IDLE, POSTED, DONE = 0, 1, 2
SPINS = 1 << 12     # spin iterations (pause) before sleeping: some tens of microseconds
# A native dispatch whose last run took this long runs in parts next time.
PARALLEL_ABOVE_S = 0.00005
YIELD_EVERY = 64    # spins between sched_yield calls: a thread waiting on a core it shares gives it up


class Job(ctypes.Structure):
    """One part: the loop that runs it and that loop's arguments but the trap record
    (the thread's own)."""
    _fields_ = [("loop", ctypes.c_void_p), ("function", ctypes.c_void_p), ("environment", ctypes.c_void_p),
                ("dispatch_state", ctypes.c_void_p), ("workgroup_state", ctypes.c_void_p),
                ("box", ctypes.c_uint32 * 6), ("failed", ctypes.c_uint32 * 3), ("result", ctypes.c_int32)]


class _Slot(ctypes.Structure):
    """A worker's mailbox and what its thread needs, at the start of its own pages."""
    _fields_ = [("state", ctypes.c_int32), ("key", ctypes.c_int32), ("job", ctypes.c_void_p),
                ("record", ctypes.c_void_p), ("stack_sp", ctypes.c_void_p), ("stack_flags", ctypes.c_int64),
                ("stack_size", ctypes.c_uint64),
                ("setspecific", ctypes.c_void_p), ("sigaltstack", ctypes.c_void_p),
                ("syscall", ctypes.c_void_p)]


MAX_WORKERS = 255
GONE = 2            # a pool's first word in a forked child, and its always_busy word: taken for good
_ALWAYS_BUSY_AT = 64
# Each worker's memory: its slot, its trap record, its alternate signal stack.
_RECORD_AT = ctypes.sizeof(_Slot)
_STACK_AT = _RECORD_AT + trap.RECORD_BYTES + (-trap.RECORD_BYTES) % 64
_WORKER_BYTES = page_ceil(_STACK_AT + trap.ALTERNATE_STACK_BYTES)


def _field(name: str, struct=_Slot) -> int:
    return getattr(struct, name).offset


def _load(name: str, base: str, offset: int, type_: str = "ptr") -> str:
    """IR loading `%{name}`, a `type_` at byte `offset` of `base`."""
    return (f"  %{name}.slot = getelementptr i8, ptr {base}, i64 {offset}\n"
            f"  %{name} = load {type_}, ptr %{name}.slot")


def _spin_wait(prefix: str, state: str, until: str, syscall: str) -> str:
    """IR that waits until the i32 at `state` equals `until`: SPINS spins, then futex
    waits on the value it saw (entered from a `br label %{prefix}.check`)."""
    return f"""{prefix}.check:
  %{prefix}.spins = phi i32 [0, %{prefix}.enter], [%{prefix}.spins.next, %{prefix}.spin],
                          [%{prefix}.spins.next, %{prefix}.yield], [0, %{prefix}.slept]
  %{prefix}.seen = load atomic i32, ptr {state} acquire, align 4
  %{prefix}.ready = icmp eq i32 %{prefix}.seen, {until}
  br i1 %{prefix}.ready, label %{prefix}.done, label %{prefix}.more
{prefix}.more:
  %{prefix}.patient = icmp ult i32 %{prefix}.spins, {SPINS}
  br i1 %{prefix}.patient, label %{prefix}.spin, label %{prefix}.sleep
{prefix}.spin:
  {_HINT_CALL}
  %{prefix}.spins.next = add i32 %{prefix}.spins, 1
  %{prefix}.phase = and i32 %{prefix}.spins.next, {YIELD_EVERY - 1}
  %{prefix}.yielding = icmp eq i32 %{prefix}.phase, 0
  br i1 %{prefix}.yielding, label %{prefix}.yield, label %{prefix}.check
{prefix}.yield:
  %{prefix}.yielded = call i64 (i64, ...) {syscall}(i64 {_SYSCALL_YIELD.get(HOST_ARCH, -1)})
  br label %{prefix}.check
{prefix}.sleep:
  %{prefix}.expected = sext i32 %{prefix}.seen to i64
  %{prefix}.waited = call i64 (i64, ...) {syscall}(i64 {_SYSCALL_FUTEX.get(HOST_ARCH, -1)}, ptr {state}, i64 {FUTEX_WAIT_PRIVATE}, i64 %{prefix}.expected, ptr null)
  br label %{prefix}.slept
{prefix}.slept:
  br label %{prefix}.check"""


def _wake(name: str, state: str, syscall: str) -> str:
    return (f"  %{name} = call i64 (i64, ...) {syscall}(i64 {_SYSCALL_FUTEX.get(HOST_ARCH, -1)}, "
            f"ptr {state}, i64 {FUTEX_WAKE_PRIVATE}, i64 1)")


def _call_loop(name: str, job: str, record: str) -> str:
    """IR calling Job `job`'s loop with its other fields, storing its result;
    `record`'s fault is cleared first, so what it holds after is this job's."""
    lines = [f"  %{name}.signal = getelementptr i64, ptr {record}, i64 {trap.SIGNAL}",
             f"  store i64 0, ptr %{name}.signal", _load(f"{name}.loop", job, _field("loop", Job))]
    args = []
    for field in ("function", "environment", "dispatch_state", "workgroup_state"):
        lines.append(_load(f"{name}.{field}", job, _field(field, Job)))
        args.append(f"ptr %{name}.{field}")
    for k in range(6):
        lines.append(_load(f"{name}.box{k}", job, _field("box", Job) + 4 * k, "i32"))
        args.append(f"i32 %{name}.box{k}")
    lines.append(f"  %{name}.failed = getelementptr i8, ptr {job}, i64 {_field('failed', Job)}")
    args += [f"ptr %{name}.failed", f"ptr {record}"]
    lines.append(f"  %{name}.result = call i32 %{name}.loop({', '.join(args)})")
    lines.append(f"  %{name}.result.slot = getelementptr i8, ptr {job}, i64 {_field('result', Job)}")
    lines.append(f"  store i32 %{name}.result, ptr %{name}.result.slot")
    return "\n".join(lines)


WORKER_SYMBOL = "vmvxjit_native_worker"
WORKER_IR = f"""
define ptr @{WORKER_SYMBOL}(ptr %slot) {{
entry:
{_load("key", "%slot", _field("key"), "i32")}
{_load("record", "%slot", _field("record"))}
{_load("setspecific", "%slot", _field("setspecific"))}
{_load("sigaltstack", "%slot", _field("sigaltstack"))}
{_load("syscall", "%slot", _field("syscall"))}
  %set = call i32 %setspecific(i32 %key, ptr %record)
  %stack = getelementptr i8, ptr %slot, i64 {_field("stack_sp")}
  %stacked = call i32 %sigaltstack(ptr %stack, ptr null)
  %state = getelementptr i8, ptr %slot, i64 {_field("state")}
  %job.slot = getelementptr i8, ptr %slot, i64 {_field("job")}
  br label %wait.enter
wait.enter:
  br label %wait.check
{_spin_wait("wait", "%state", POSTED, "%syscall")}
wait.done:
  %job = load ptr, ptr %job.slot
{_call_loop("part", "%job", "%record")}
  store atomic i32 {DONE}, ptr %state release, align 4
{_wake("woken", "%state", "%syscall")}
  br label %wait.enter
}}
{_HINT_DECLARATION}
"""

def _parts_loop(part: str, name: str, enter: str, latch: str, body: str, leave: str) -> str:
    """IR for block `{name}.head` of `for part in range(1, parts)`: entered from block
    `enter`, back from block `latch` with `%{part}.next`, into `body`, out to `leave`."""
    return f"""{name}.head:
  %{part} = phi i64 [1, %{enter}], [%{part}.next, %{latch}]
  %{name}.more = icmp ult i64 %{part}, %parts
  br i1 %{name}.more, label %{body}, label %{leave}"""


def _worker_slot(part: str) -> str:
    """IR for `%{part}.slot`: the slot of the worker that runs part `%{part}` (1, 2, ...)."""
    return f"""  %{part}.slot.index = sub i64 %{part}, 1
  %{part}.slot.offset = mul i64 %{part}.slot.index, {_WORKER_BYTES}
  %{part}.slot = getelementptr i8, ptr %slots, i64 %{part}.slot.offset"""


RUN_SYMBOL = "vmvxjit_native_parts"
RUN_IR = f"""
define i32 @{RUN_SYMBOL}(ptr %pool, i64 %parts, ptr %jobs, ptr %record, ptr %syscall) {{
entry:
  %taken = cmpxchg ptr %pool, i32 0, i32 1 acquire monotonic
  %free = extractvalue {{ i32, i1 }} %taken, 1
  br i1 %free, label %locked, label %busy
busy:
  ret i32 0
locked:
  %slots = getelementptr i8, ptr %pool, i64 {PAGE_SIZE}
  br label %post.head
{_parts_loop("k", "post", "locked", "post.body", "post.body", "first")}
post.body:
{_worker_slot("k")}
  %k.job.offset = mul i64 %k, {ctypes.sizeof(Job)}
  %k.job = getelementptr i8, ptr %jobs, i64 %k.job.offset
  %k.job.slot = getelementptr i8, ptr %k.slot, i64 {_field("job")}
  store ptr %k.job, ptr %k.job.slot
  %k.state = getelementptr i8, ptr %k.slot, i64 {_field("state")}
  store atomic i32 {POSTED}, ptr %k.state release, align 4
{_wake("k.woken", "%k.state", "%syscall")}
  %k.next = add i64 %k, 1
  br label %post.head
first:
{_call_loop("first", "%jobs", "%record")}
  br label %join.head
{_parts_loop("j", "join", "first", "wait.done", "wait.enter", "end")}
wait.enter:
{_worker_slot("j")}
  %j.state = getelementptr i8, ptr %j.slot, i64 {_field("state")}
  br label %wait.check
{_spin_wait("wait", "%j.state", DONE, "%syscall")}
wait.done:
  store atomic i32 {IDLE}, ptr %j.state release, align 4
  %j.next = add i64 %j, 1
  br label %join.head
end:
  store atomic i32 0, ptr %pool release, align 4
  ret i32 1
}}
{_HINT_DECLARATION}
"""

_RUN_TYPE = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p,
                             ctypes.c_void_p)
_libc = ctypes.CDLL(None, use_errno=True)


class _Pool:
    """The process's native workers: threads started as parts need them, up to
    MAX_WORKERS. Their memory (a page whose first word is taken by the dispatch using
    them, then each worker's pages) is mapped once and never freed: a worker still
    spinning while Python shuts down reads only that. `always_busy`, a word of the
    first page, is a pool address the runner always finds taken: code that holds the
    pool's address runs its work in one part while it holds that one instead (it
    outlives whoever pointed there)."""

    def __init__(self):
        self.lock = threading.Lock()     # held while starting threads
        self.memory = reserve(PAGE_SIZE + MAX_WORKERS * _WORKER_BYTES, PAGE_SIZE, "native workers")
        self.always_busy = self.memory + _ALWAYS_BUSY_AT
        ctypes.c_int32.from_address(self.always_busy).value = GONE
        self.records = []          # each started worker's trap record address
        self.runner = machine_code.compiled(RUN_IR, RUN_SYMBOL)
        self.run = _RUN_TYPE(self.runner)
        self.syscall = ctypes.cast(_libc.syscall, ctypes.c_void_p).value

    def start(self, workers: int) -> None:
        """Makes sure `workers` threads run."""
        if len(self.records) >= workers:
            return
        with self.lock:
            self._start(workers)

    def _start(self, workers: int) -> None:
        entry = machine_code.compiled(WORKER_IR, WORKER_SYMBOL)
        while len(self.records) < workers:
            base = self.memory + PAGE_SIZE + len(self.records) * _WORKER_BYTES
            slot = _Slot.from_address(base)
            trap.prepare_foreign_record(base + _RECORD_AT)
            slot.key, slot.record = trap.key(), base + _RECORD_AT
            slot.stack_sp, slot.stack_flags, slot.stack_size = base + _STACK_AT, 0, trap.ALTERNATE_STACK_BYTES
            slot.syscall = self.syscall
            slot.setspecific = ctypes.cast(_libc.pthread_setspecific, ctypes.c_void_p).value
            slot.sigaltstack = ctypes.cast(_libc.sigaltstack, ctypes.c_void_p).value
            thread = ctypes.c_ulong()
            if _libc.pthread_create(ctypes.byref(thread), None, ctypes.c_void_p(entry), ctypes.c_void_p(base)) != 0:
                raise InternalError(f"native workers: pthread_create failed ({os.strerror(ctypes.get_errno())})")
            self.records.append(base + _RECORD_AT)


def supported() -> bool:
    """Whether this architecture has the futex call the workers wait on."""
    return HOST_ARCH in _SYSCALL_FUTEX


def parts(threads: int) -> int:
    """In how many parts work allowed `threads` threads runs on the workers: one where
    they are not supported, at most MAX_WORKERS + 1 (this thread runs the first)."""
    return min(threads, MAX_WORKERS + 1) if supported() else 1


_POOL: list = []                  # the process's _Pool, once made
_POOL_LOCK = threading.Lock()


def _forget_pool() -> None:
    """In a forked child, which has none of its parent's threads: the parent's pool
    says busy for good (entries compiled whole hold its address, and run their work in
    one part), and a new pool is made on demand."""
    for found in _POOL:
        ctypes.c_int32.from_address(found.memory).value = GONE
    _POOL.clear()


os.register_at_fork(after_in_child=_forget_pool)


def pool() -> _Pool:
    """The process's workers (made on first use; none started yet)."""
    if not _POOL:
        with _POOL_LOCK:
            if not _POOL:
                _POOL.append(_Pool())
    return _POOL[0]


def try_run(jobs, parts: int) -> list | None:
    """Runs the first `parts` (at most MAX_WORKERS + 1) Jobs of array `jobs` at once,
    the first on this thread, and returns the trap record address each ran with; None,
    with nothing run, when other work is using the workers."""
    workers = pool()
    workers.start(parts - 1)
    record = trap.record()
    if not workers.run(workers.memory, parts, ctypes.addressof(jobs), record, workers.syscall):
        return None
    return [record] + workers.records[:parts - 1]
