"""A trap around calls into a module's native code: a fault there becomes an error.

Native code in a module is trusted as in IREE, but a damaged executable (a
relocation or symbol moved by a byte, which no loader check can tell from a
valid one) may jump into the middle of an instruction or write where nothing
is mapped. Such a fault inside a trapped call returns from that call instead
of killing the process, as wasm runtimes and JVMs do it:

- A signal handler for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGTRAP, installed once per
  process with sigaction (SA_ONSTACK, SA_NODEFER, nothing more blocked). It
  looks up the faulting thread's record (pthread_getspecific); if that thread
  is inside a trapped call, it notes the signal, the faulting address and the
  program counter there and siglongjmps back to the call. Any other fault goes
  to the handler that was installed before (Python's faulthandler, ...) or, if
  that was the default (or ignore), reinstalls it and raises the signal again.
- Each thread that makes trapped calls has a record: an "in trapped call" word,
  the fault's details and a jump buffer, and an alternate signal stack (unless
  the thread has one), so that a stack overflow in module code is trapped too.
- The trapped call sets the jump buffer with glibc's `__sigsetjmp(buffer, 0)`
  (`sigsetjmp` is a macro for it; it returns twice), marks the record, calls
  and unmarks. The mask is not saved: with SA_NODEFER the handler blocks
  nothing, so jumping out of it leaves the thread's mask as it was.
  `enter_ir`/`leave_ir` give the workgroup loop (loaders/native_dispatch.py)
  the same steps; `call` traps any other call (queries, initializers).

Code and data come without LLVM at run time, like the workgroup loop
(machine_code.py): the handler finds its table (libc addresses, the key, the
previous handlers) mapped read-only at its own address + machine_code.TAIL.

A fault leaves the module's memory, and whatever its code was writing,
possibly damaged: the error says so, and the VM context refuses further calls
(vm/context.py). Faults in code that holds a lock of the C library (module
code calling into libc) may leave that lock held; vmvxjit's modules call none.
"""

from __future__ import annotations

import ctypes
import signal
import threading
from contextlib import contextmanager
from functools import lru_cache

from vmvxjit.errors import InternalError, NativeCodeFault
from vmvxjit.native import machine_code
from vmvxjit.native.cpu import HOST_ARCH

# SIGTRAP too: LLVM pads between functions with int3, where a moved export pointer may land.
SIGNALS = (signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE, signal.SIGTRAP)

# A thread's record, in 64-bit words: the "in trapped call" flag, the fault's
# signal, address and program counter, __sigsetjmp's address, then the jump buffer.
ACTIVE, SIGNAL, ADDRESS, PC, SETJMP = range(5)
JUMP_BUFFER = 64                  # byte offset; glibc's sigjmp_buf: 200 bytes on x86-64, 312 on arm64
_RECORD_WORDS = (JUMP_BUFFER + 512) // 8

# The handler's table, in 64-bit words: the record key, pthread_getspecific, siglongjmp,
# sigaction, raise, then each signal's previous struct sigaction (indexed by signal number).
_KEY, _GETSPECIFIC, _LONGJMP, _SIGACTION, _RAISE = range(5)
_PREVIOUS = 64                    # byte offset of previous[0]
_MAX_SIGNAL = 32

# siginfo_t.si_addr and the program counter in ucontext_t (glibc, Linux).
_SI_ADDR = 16
_PC_OFFSET = {"x86_64": 168, "arm_64": 440}
SA_NODEFER, SA_ONSTACK, SA_SIGINFO = 0x40000000, 0x08000000, 4
_SS_DISABLE = 2
_ALTERNATE_STACK = 64 * 1024      # faulthandler's chained handler needs a few KiB of it
_MIN_ALTERNATE_STACK = 16 * 1024  # a thread's own alternate stack at least this big is kept


class _Sigaction(ctypes.Structure):
    _fields_ = [("handler", ctypes.c_void_p), ("mask", ctypes.c_uint64 * 16),
                ("flags", ctypes.c_int), ("restorer", ctypes.c_void_p)]


class _Stack(ctypes.Structure):
    _fields_ = [("sp", ctypes.c_void_p), ("flags", ctypes.c_int), ("size", ctypes.c_size_t)]


assert ctypes.sizeof(_Sigaction) == 152 and ctypes.sizeof(_Stack) == 24

_libc = ctypes.CDLL(None, use_errno=True)
_libc.sigaction.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
_libc.sigaltstack.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
_libc.pthread_key_create.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
_libc.pthread_setspecific.argtypes = [ctypes.c_uint, ctypes.c_void_p]
_SETJMP = getattr(_libc, "__sigsetjmp", None) or _libc.sigsetjmp   # musl has the function itself


def _address(function) -> int:
    return ctypes.cast(function, ctypes.c_void_p).value


def enter_ir(record: str, fault_label: str, entered_label: str) -> str:
    """IR that sets `record`'s jump buffer, then in block `entered_label` marks it in a
    trapped call; a fault lands in block `fault_label` (which must use no value made
    after this)."""
    return f"""  %trap.setjmp.slot = getelementptr i64, ptr {record}, i32 {SETJMP}
  %trap.setjmp = load ptr, ptr %trap.setjmp.slot
  %trap.buffer = getelementptr i8, ptr {record}, i32 {JUMP_BUFFER}
  %trap.jumped = call i32 %trap.setjmp(ptr %trap.buffer, i32 0) #0
  %trap.faulted = icmp ne i32 %trap.jumped, 0
  br i1 %trap.faulted, label %{fault_label}, label %{entered_label}, !prof !1
{entered_label}:
  store volatile i64 1, ptr {record}"""


def leave_ir(record: str) -> str:
    """IR that marks `record` out of the trapped call (before each return)."""
    return f"  store volatile i64 0, ptr {record}"


# Metadata and attributes enter_ir refers to.
IR_TRAILER = """!1 = !{!"branch_weights", i32 1, i32 99999}
attributes #0 = { returns_twice }
"""

_CALL_SYMBOL = "vmvxjit_trapped_call"
_CALL_IR = f"""
define i64 @{_CALL_SYMBOL}(ptr %record, ptr %function, i64 %a, i64 %b) {{
entry:
{enter_ir("%record", "fault", "call")}
  %result = call i64 %function(i64 %a, i64 %b)
{leave_ir("%record")}
  ret i64 %result
fault:
  ret i64 0
}}
{IR_TRAILER}"""

_HANDLER_SYMBOL = "vmvxjit_trap_handler"
_HANDLER_IR = f"""
define dso_local void @{_HANDLER_SYMBOL}(i32 %signal, ptr %info, ptr %context) {{
entry:
  %self = ptrtoint ptr @{_HANDLER_SYMBOL} to i64
  %table.address = add i64 %self, {machine_code.TAIL}
  %table = inttoptr i64 %table.address to ptr
  %key.word = load i64, ptr %table
  %key = trunc i64 %key.word to i32
  %getspecific.slot = getelementptr i64, ptr %table, i32 {_GETSPECIFIC}
  %getspecific = load ptr, ptr %getspecific.slot
  %record = call ptr %getspecific(i32 %key)
  %has.record = icmp ne ptr %record, null
  br i1 %has.record, label %check, label %chain
check:
  %active = load volatile i64, ptr %record
  %trapped = icmp ne i64 %active, 0
  br i1 %trapped, label %trap, label %chain
trap:
  store volatile i64 0, ptr %record
  %signal.word = zext i32 %signal to i64
  %signal.slot = getelementptr i64, ptr %record, i32 {SIGNAL}
  store volatile i64 %signal.word, ptr %signal.slot
  %si_addr.slot = getelementptr i8, ptr %info, i32 {_SI_ADDR}
  %si_addr = load i64, ptr %si_addr.slot
  %address.slot = getelementptr i64, ptr %record, i32 {ADDRESS}
  store volatile i64 %si_addr, ptr %address.slot
  %pc.slot = getelementptr i8, ptr %context, i32 {_PC_OFFSET.get(HOST_ARCH, 0)}
  %pc = load i64, ptr %pc.slot
  %record.pc = getelementptr i64, ptr %record, i32 {PC}
  store volatile i64 %pc, ptr %record.pc
  %longjmp.slot = getelementptr i64, ptr %table, i32 {_LONGJMP}
  %longjmp = load ptr, ptr %longjmp.slot
  %buffer = getelementptr i8, ptr %record, i32 {JUMP_BUFFER}
  call void %longjmp(ptr %buffer, i32 1) noreturn
  unreachable
chain:
  %index = zext i32 %signal to i64
  %offset = mul i64 %index, {ctypes.sizeof(_Sigaction)}
  %previous.offset = add i64 %offset, {_PREVIOUS}
  %previous = getelementptr i8, ptr %table, i64 %previous.offset
  %handler = load ptr, ptr %previous
  %handler.word = ptrtoint ptr %handler to i64
  %is.default = icmp ule i64 %handler.word, 1
  br i1 %is.default, label %restore, label %call
restore:
  %sigaction.slot = getelementptr i64, ptr %table, i32 {_SIGACTION}
  %sigaction = load ptr, ptr %sigaction.slot
  %restored = call i32 %sigaction(i32 %signal, ptr %previous, ptr null)
  %raise.slot = getelementptr i64, ptr %table, i32 {_RAISE}
  %raise = load ptr, ptr %raise.slot
  %raised = call i32 %raise(i32 %signal)
  ret void
call:
  call void %handler(i32 %signal, ptr %info, ptr %context)
  ret void
}}
"""


_INSTALL_LOCK = threading.Lock()
# Each installed copy of the handler (its address) -> the previous actions it chains to.
_INSTALLED: dict[int, dict[int, _Sigaction]] = {}


@lru_cache(maxsize=None)
def key() -> int:
    """The thread-specific key under which the handler finds a thread's record (made
    once per process)."""
    if HOST_ARCH not in _PC_OFFSET:
        raise InternalError(f"native fault trap: unsupported architecture {HOST_ARCH}")
    key = ctypes.c_uint()
    if _libc.pthread_key_create(ctypes.byref(key), None) != 0:
        raise InternalError("native fault trap: no thread-specific key left")
    return key.value


def install() -> None:
    """Puts the handler on top of the current ones. The first trapped call does it;
    code that installs fault handlers of its own afterwards (faulthandler.enable(),
    a crash reporter) calls it again, or those handlers would see the faults first."""
    with _INSTALL_LOCK:
        previous = {}
        for number in SIGNALS:
            current = _Sigaction()
            _libc.sigaction(number, None, ctypes.byref(current))
            chained = _INSTALLED.get(current.handler or 0)   # already ours: keep what it chains to
            previous[number] = chained[number] if chained else current
        table = (ctypes.c_uint8 * (_PREVIOUS + _MAX_SIGNAL * ctypes.sizeof(_Sigaction)))()
        words = ctypes.cast(table, ctypes.POINTER(ctypes.c_uint64))
        words[_KEY], words[_GETSPECIFIC] = key(), _address(_libc.pthread_getspecific)
        words[_LONGJMP], words[_SIGACTION] = _address(_libc.siglongjmp), _address(_libc.sigaction)
        words[_RAISE] = _address(getattr(_libc, "raise"))
        for number, action in previous.items():
            ctypes.memmove(ctypes.addressof(table) + _PREVIOUS + number * ctypes.sizeof(_Sigaction),
                           ctypes.addressof(action), ctypes.sizeof(_Sigaction))
        handler = machine_code.compiled(_HANDLER_IR, _HANDLER_SYMBOL, bytes(table))
        _INSTALLED[handler] = previous
        action = _Sigaction(handler=handler, flags=SA_SIGINFO | SA_ONSTACK | SA_NODEFER)
        for number in SIGNALS:
            _libc.sigaction(number, ctypes.byref(action), None)


class _Thread:
    """One thread's record and alternate signal stack, released with the thread's state."""

    def __init__(self, key: int):
        self.key, self.owner = key, threading.get_ident()
        self.record = (ctypes.c_uint64 * _RECORD_WORDS)()
        self.record[SETJMP] = _address(_SETJMP)
        self.address = ctypes.addressof(self.record)
        self.stack = None
        current = _Stack()
        _libc.sigaltstack(None, ctypes.byref(current))
        if current.flags & _SS_DISABLE or current.size < _MIN_ALTERNATE_STACK:
            self.stack = ctypes.create_string_buffer(_ALTERNATE_STACK)
            _libc.sigaltstack(ctypes.byref(_Stack(ctypes.addressof(self.stack), 0, _ALTERNATE_STACK)),
                              None)
        _libc.pthread_setspecific(key, self.address)

    def __del__(self, libc=_libc, get_ident=threading.get_ident,
                disable=ctypes.byref(_Stack(None, _SS_DISABLE, 0))):   # (globals may be gone)
        if get_ident() != self.owner:   # only the thread itself may undo its settings
            return
        libc.pthread_setspecific(self.key, None)
        if self.stack is not None:
            libc.sigaltstack(disable, None)


_threads = threading.local()


RECORD_BYTES = _RECORD_WORDS * 8
ALTERNATE_STACK_BYTES = _ALTERNATE_STACK


def prepare_foreign_record(address: int) -> None:
    """Makes the RECORD_BYTES of zeros at `address` a record for a thread made outside
    Python, which sets it on itself (pthread_setspecific with `key()`) and an alternate
    signal stack of ALTERNATE_STACK_BYTES before its first trapped call:
    native/native_workers.py's threads. The handler is installed first."""
    if not _INSTALLED:
        install()
    ctypes.c_uint64.from_address(address + 8 * SETJMP).value = _address(_SETJMP)


def record() -> int:
    """The address of the calling thread's record (the handler installed and the
    thread prepared on first use)."""
    try:
        return _threads.state.address
    except AttributeError:
        if not _INSTALLED:
            install()
        _threads.state = _Thread(key())
        return _threads.state.address


def take_fault(record_address: int) -> tuple[int, int, int] | None:
    """(signal, address, pc) of the fault that ended the last trapped call on this
    record, cleared; None if that call was not ended by a fault."""
    words = (ctypes.c_uint64 * 4).from_address(record_address)
    if not words[SIGNAL]:
        return None
    fault = (words[SIGNAL], words[ADDRESS], words[PC])
    words[SIGNAL] = 0
    return fault


def fault_error(fault: tuple[int, int, int], where: str) -> NativeCodeFault:
    """The error for a fault (take_fault) in the call described by `where`."""
    number, address, pc = fault
    name = signal.Signals(number).name   # one of SIGNALS: the handler traps no other
    access = f" accessing 0x{address:X}" if number in (signal.SIGSEGV, signal.SIGBUS) else ""
    return NativeCodeFault(
        f"executable native code faulted: {name} at pc 0x{pc:X}{access} in {where}; "
        f"the module's memory may be damaged, so it refuses further calls (load it again)")


@lru_cache(maxsize=None)
def _trapped_call():
    return ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint64,
                            ctypes.c_uint64)(machine_code.compiled(_CALL_IR, _CALL_SYMBOL))


@contextmanager
def suspended():
    """Untraps the calling thread for the block: Python called back from trapped code
    (an import thunk), whose frames a jump back to the trapped call would skip."""
    words = (ctypes.c_uint64 * 1).from_address(record())
    active, words[ACTIVE] = words[ACTIVE], 0
    try:
        yield
    finally:
        words[ACTIVE] = active


def call(function: int, a: int, b: int, where: str) -> int:
    """`function(a, b)` (integer or pointer arguments and result; fewer arguments are
    fine) under the trap: its result, or NativeCodeFault naming `where`."""
    address = record()
    result = _trapped_call()(address, function, a, b)
    fault = take_fault(address)
    if fault:
        raise fault_error(fault, where)
    return result
