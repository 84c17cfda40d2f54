"""Lets threads optimize and emit their own LLVM modules at once, despite llvmlite's lock.

llvmlite runs every LLVM call under one process-wide lock, because its
modules live in LLVM's global context by default. So two threads compiling
regions took turns: on a 2-core machine a cold ShuffleNet spent 1.2 s of its
main thread waiting for the lock while a worker compiled. LLVM itself is
thread-safe for work on separate LLVMContexts (its ThinLTO backends and ORC
compile this way). A compile inside `private()` parses its IR into its own
context, and the three calls that do the work — parsing, the pass pipeline,
code generation — skip llvmlite's lock for that thread only; every other call
(creating and disposing objects, the shared JIT engine) still takes it.

This reaches into llvmlite's binding layer (`ffi.lib`'s per-function wrappers
and their lock); if that layer is not as expected, nothing is changed and
compiles stay serialized: slower, never wrong.

The same lock is held across `os.fork`: a child inherits it locked when another
thread is in an LLVM call at that moment, and then waits forever at its first
LLVM call, even the disposal of an LLVM object the other threads' thread-locals
held, which Python frees right after the fork.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

from llvmlite import binding as llvm
from llvmlite.binding import ffi

# The calls that do a compile's work, each on objects of one private context.
_WORK_CALLS = ("LLVMPY_ParseAssembly", "LLVMPY_RunNewModulePassManager",
               "LLVMPY_TargetMachineEmitToMemory")
_THREAD = threading.local()
_INSTALLED: list = []
_INSTALL_LOCK = threading.Lock()


class _UnlessPrivate:
    """llvmlite's lock for one wrapped function, skipped by a thread inside `private()`."""

    def __init__(self, lock):
        self.lock = lock

    def __enter__(self):
        if not getattr(_THREAD, "private", False):
            self.lock.__enter__()

    def __exit__(self, *exc):
        if not getattr(_THREAD, "private", False):
            self.lock.__exit__(*exc)


def _install() -> bool:
    """Wraps the work calls' lock once; False when llvmlite's layer is not as expected."""
    with _INSTALL_LOCK:
        if not _INSTALLED:
            wrappers = [getattr(ffi.lib, name, None) for name in _WORK_CALLS]
            ok = all(hasattr(w, "_lock") and hasattr(w, "_cfn") for w in wrappers)
            if ok:
                for w in wrappers:
                    if not isinstance(w._lock, _UnlessPrivate):
                        w._lock = _UnlessPrivate(w._lock)
            _INSTALLED.append(ok)
        return _INSTALLED[0]


def parallel() -> bool:
    """Whether compiles in `private()` run concurrently."""
    return _install()


def _hold_lock_across_fork() -> None:
    lock = getattr(getattr(ffi.lib, "_lock", None), "_lock", None)
    if lock is not None:
        os.register_at_fork(before=lock.acquire, after_in_parent=lock.release, after_in_child=lock.release)


_hold_lock_across_fork()


@contextmanager
def private():
    """A new LLVMContext for one compile in this thread; inside, the work calls on
    modules of that context do not wait for other threads. Everything made in it
    must be closed before it ends (the context is disposed last)."""
    context = llvm.create_context()
    _THREAD.private = _install()
    try:
        yield context
    finally:
        _THREAD.private = False
        context.close()
