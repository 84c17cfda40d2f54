"""llvm_parallel: threads compiling their own modules at once emit exactly what one thread does."""

import os
import signal
import threading

from llvmlite import binding as llvm
from llvmlite.binding import ffi

from vmvxjit.native import llvm_engine, llvm_parallel
from vmvxjit.vm.jit.llvm_lower import ModuleLowering
from vmvxjit.vm.jit.llvm_types import I64

SOURCE = '''
def f(n):
    total = np.float64(0)
    i = 0
    while i < n:
        total = total * np.float64(0.5) + np.float64(i % SCALE)
        i += 1
    return np.int64(total)
'''


def _texts(count: int) -> list:
    texts = []
    for k in range(count):
        lowering = ModuleLowering(SOURCE.replace("SCALE", str(k + 3)), f"partest{k}", {})
        lowering.function("f", [I64], exported=True)
        texts.append(str(lowering.module))
    return texts


def test_the_work_calls_skip_llvmlites_lock_only_inside_private():
    assert llvm_parallel.parallel()
    wrapper = ffi.lib.LLVMPY_TargetMachineEmitToMemory
    assert isinstance(wrapper._lock, llvm_parallel._UnlessPrivate)
    assert not isinstance(ffi.lib.LLVMPY_VerifyModule._lock, llvm_parallel._UnlessPrivate)


def test_concurrent_compiles_emit_the_serial_objects():
    texts = _texts(12)
    serial = [llvm_engine.emit_object(t, level) for t in texts for level in (1, 3)]
    concurrent = [None] * len(serial)

    def work(start: int):
        for i in range(start, len(serial), 4):
            concurrent[i] = llvm_engine.emit_object(texts[i // 2], 1 + 2 * (i % 2))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert concurrent == serial


def test_a_fork_while_another_thread_is_in_llvm_leaves_the_child_a_free_lock():
    """Another thread holds llvmlite's lock (as during an LLVM call) when this one forks:
    the fork waits for it, and the child's LLVM calls do not wait forever."""
    holding, release = threading.Event(), threading.Event()

    def hold():
        with ffi.lib._lock:
            holding.set()
            release.wait(10)
    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(10)
    threading.Timer(0.2, release.set).start()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        signal.alarm(10)    # a hang kills the child: the parent then reads nothing
        os.write(write, llvm.get_process_triple().encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as child:
        assert child.read() == llvm.get_process_triple()
    assert os.waitpid(pid, 0)[1] == 0
    holder.join()
