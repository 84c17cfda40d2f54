"""compile_clock: Numba's compile time, outermost compiles only."""

import time

import numba

from vmvxjit.compile_clock import compile_seconds


def test_a_compile_with_a_nested_compile_is_timed_once():
    compile_seconds()                      # listening from here (Numba is imported)

    @numba.njit
    def inner(x):
        return x + 1

    @numba.njit
    def outer(x):
        return inner(x) * 2

    before = compile_seconds()
    start = time.perf_counter()
    assert outer(3) == 8
    elapsed = time.perf_counter() - start
    spent = compile_seconds() - before
    assert 0 < spent <= elapsed
    outer(4)
    assert compile_seconds() - before == spent    # a compiled call compiles nothing
