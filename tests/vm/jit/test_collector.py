"""collector.paused: the cyclic collector is off inside, back on after the last pause ends,
and left off when the program had turned it off."""

import gc
import threading

from vmvxjit.vm.jit import collector


def test_the_collector_is_paused_until_the_last_thread_leaves():
    inside, leave = threading.Event(), threading.Event()

    def other():
        with collector.paused():
            inside.set()
            leave.wait()

    assert gc.isenabled()
    thread = threading.Thread(target=other)
    thread.start()
    inside.wait()
    with collector.paused():
        assert not gc.isenabled()
    assert not gc.isenabled()          # the other thread still lowers
    leave.set()
    thread.join()
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_program_stays_off():
    gc.disable()
    try:
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
