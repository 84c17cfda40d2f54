"""llvm_lower.py keeps Numba's meaning for the constructs region code uses beyond single ops."""

import ctypes
import hashlib
import re

import pytest
from hypothesis import given, settings, strategies as st

from vmvxjit.native import llvm_engine
from vmvxjit.vm.jit import helpers
from vmvxjit.vm.jit.llvm_lower import ModuleLowering
from vmvxjit.vm.jit.llvm_types import I64, Unsupported

BLOCKS = '''
def blocks(entry, n):
    total = 0
    i = 0
    bb = entry
    while True:
        if bb == 0:
            i = 0
            bb = 1
            continue
        elif bb == 1:
            if i < n:
                bb = 2
                continue
            bb = 3
            continue
        elif bb == 2:
            total += i
            i += 1
            bb = 1 if i % 5 else 4
            continue
        elif bb == 4:
            total += 1000
            bb = 1
            continue
        elif bb == 3:
            break
        else:
            return -1
    return total
'''

ENTERED = BLOCKS.replace("def blocks", "def entered").replace(
    "bb = entry\n", "bb = entry_block(entry, (0, 3, 4))\n").replace("bb = 1 if i % 5 else 4", "bb = 1")

SOURCE = BLOCKS + ENTERED + '''
def floor_div(a, b):
    return a // b

def modulo(a, b):
    return a % b

def chained(a, b, c):
    return b2i(a < b <= c)

def short_circuit(a, b):
    return b2i(b != 0 and a // b > 1 or a == -1)

def safe_conditions(a, b, c):
    return b2i((a < b < c and -b != c) or not (a * b > c or a & 1 == 0))

def loops(n, step_stop):
    total = 0
    for i in range(0, n, 3):
        if i == step_stop:
            break
        if i % 2 == 1:
            continue
        total += i
    k = 0
    while True:
        k += 1
        if k >= n:
            break
    return total * 1000 + k

def stack(n):
    row = stack_array(8, np.int64)
    row[0:8] = n
    row[3] = row[2] + 1
    return row[3] + row[7]

def pair(a):
    return (np.int64(a), np.float32(a) / np.float32(4))

def vectors(n):
    row = stack_array(16, np.int64)
    for t in vector_range(16):
        row[t] = n * t
    total = 0
    for t in vector_range(16):
        total += row[t]
    return total

def calls(a):
    c = pair(a)
    return c[0] + np.int64(c[1] * np.float32(8))

def heap(n, grow):
    a = np.zeros(0, np.uint8)
    total = 0
    for r in range(3):
        if a.shape[0] < n:
            a = np.zeros(n, np.uint8)
            if a.shape[0] < n:
                return -1
        else:
            a[:n] = 0
        for i in range(n):
            total += a[i]
            a[i] = 7
        n += grow
    return total * 1000 + a.shape[0] + b2i(a.ctypes.data % 16 == 0)
'''


def _compile(names_and_types: dict):
    lowering = ModuleLowering(SOURCE, "lowertest", {})
    fns = {name: lowering.function(name, types, exported=True)[0] for name, types in names_and_types.items()}
    text = str(lowering.module)
    llvm_engine.compile_ir(text, "lowertest-" + hashlib.sha256(text.encode()).hexdigest()[:24])
    return {name: ctypes.CFUNCTYPE(ctypes.c_int64, *[ctypes.c_int64] * len(types))(llvm_engine.address(fn.name))
            for (name, types), fn in zip(names_and_types.items(), fns.values())}


@pytest.fixture(scope="module")
def fns():
    return _compile({"floor_div": [I64, I64], "modulo": [I64, I64], "chained": [I64, I64, I64],
                     "short_circuit": [I64, I64], "loops": [I64, I64], "calls": [I64],
                     "blocks": [I64, I64], "vectors": [I64], "entered": [I64, I64],
                     "safe_conditions": [I64, I64, I64]})


def _wrap(x):
    return (x + 2**63) % 2**64 - 2**63


@settings(max_examples=300, deadline=None)
@given(st.integers(-2**63, 2**63 - 1), st.integers(-2**63, 2**63 - 1) | st.sampled_from([0, -1, 1, 7, -7]))
def test_floor_division_and_modulo_are_pythons(fns, a, b):
    """Python's floor semantics; Numba's (numpy error model) 0 for a zero divisor, wrapping MIN // -1."""
    assert fns["floor_div"](a, b) == (0 if b == 0 else _wrap(a // b))
    assert fns["modulo"](a, b) == (0 if b == 0 else a % b)


@pytest.mark.parametrize("a,b,c", [(1, 2, 2), (2, 2, 3), (1, 3, 2), (-5, -4, 10)])
def test_chained_comparison(fns, a, b, c):
    assert fns["chained"](a, b, c) == int(a < b <= c)


@pytest.mark.parametrize("a,b", [(10, 0), (10, 3), (3, 3), (-1, 0), (-1, 5)])
def test_short_circuit(fns, a, b):
    """`a // b` is not evaluated when b == 0 (it would be 0 anyway; the order is what counts)."""
    assert fns["short_circuit"](a, b) == int((b != 0 and a // b > 1) or a == -1)


@pytest.mark.parametrize("n,stop", [(0, -1), (1, -1), (20, -1), (20, 9), (20, 0)])
def test_loops(fns, n, stop):
    total = 0
    for i in range(0, n, 3):
        if i == stop:
            break
        if i % 2 == 1:
            continue
        total += i
    assert fns["loops"](n, stop) == total * 1000 + max(n, 1)


@pytest.mark.parametrize("entry,n", [(0, 0), (0, 12), (1, 7), (2, 3), (3, 9), (4, 2), (7, 1)])
def test_block_switch_loop(fns, entry, n):
    """codegen's block-switch loop (`while True: if bb == 0: ... elif ...`), lowered to direct
    branches (`bb = N; continue`) and a switch (any other `bb`, the entry): same result as Python."""
    python = {}
    exec(BLOCKS, python)
    assert fns["blocks"](entry, n) == python["blocks"](entry, n)


def test_callee_returning_a_tuple(fns):
    assert fns["calls"](10) == 10 + 20


def test_vector_range_is_range_vectorized_and_not_unrolled(fns):
    """`vector_range(n)` runs as `range(n)`; its latch carries loop metadata asking LLVM for
    vectors of n lanes, predicated (no scalar iterations after them), and no unrolling."""
    assert fns["vectors"](3) == 3 * sum(range(16))
    lowering = ModuleLowering(SOURCE, "vectortest", {})
    lowering.function("vectors", [I64], exported=True)
    text = str(lowering.module)
    assert len(re.findall(r"br label %\S+, !llvm.loop !\d+", text)) == 2
    for key in ('"llvm.loop.unroll.disable"', '"llvm.loop.vectorize.width", i32 16',
                '"llvm.loop.vectorize.predicate.enable", i1 true'):
        assert text.count(key) == 2


def test_stack_array_and_fill():
    fn = _compile({"stack": [I64]})["stack"]
    assert fn(5) == 11


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def test_np_zeros_arrays_come_from_the_heap_and_go_back_to_it():
    """`name = np.zeros(n, dtype)` gives zeros (a reused array zeroed by slice), a
    pointer through `.ctypes.data`, and an empty array when calloc fails; the site's
    earlier array is freed when it allocates again, the last one at the return: calls
    that allocate 24 MiB each leave the process no bigger."""
    fn = _compile({"heap": [I64, I64]})["heap"]
    assert fn(10, 5) == 21 and fn(10, 0) == 11 and fn(10, -5) == 11
    assert fn(1 << 62, 0) == -1
    fn(4 << 20, 4 << 20)
    before = _resident_bytes()
    for _ in range(50):
        assert fn(4 << 20, 4 << 20) == (12 << 20) + 1
    assert _resident_bytes() - before < 64 << 20


def test_unknown_construct_is_unsupported():
    lowering = ModuleLowering("def f(a):\n    return print(a)\n", "bad", {})
    with pytest.raises(Unsupported, match="print"):
        lowering.function("f", [I64])


def test_block_switch_loop_is_one_llvm_switch_and_direct_branches():
    lowering = ModuleLowering(BLOCKS, "blockswitchtest", {})
    lowering.function("blocks", [I64, I64], exported=True)
    text = str(lowering.module)
    assert text.count("switch i64") == 1 and re.search(r"br label %block1\.\d+\n", text)


@pytest.mark.parametrize("entry,n", [(0, 0), (0, 12), (3, 7), (4, 3), (1, 5), (2, 3), (7, 1), (-1, 2)])
def test_block_loop_entered_by_entry_block_switches_on_those_blocks_only(fns, entry, n):
    """`bb = entry_block(entry, ids)` before a block loop: the switch has a case for each of
    `ids` only, the other blocks are reached by direct branches, and any other entry takes
    the loop's `else` as in Python (helpers.entry_block gives -1)."""
    python = {"entry_block": helpers.entry_block.py_func}
    exec(ENTERED, python)
    assert fns["entered"](entry, n) == python["entered"](entry, n)
    lowering = ModuleLowering(ENTERED, "enteredtest", {})
    lowering.function("entered", [I64, I64], exported=True)
    switch = re.search(r"switch i64 [^\[]*\[([^\]]*)\]", str(lowering.module))[1]
    assert sorted(int(k) for k in re.findall(r"i64 (-?\d+), label", switch)) == [0, 3, 4]


@settings(max_examples=200, deadline=None)
@given(st.integers(-2**63, 2**63 - 1), st.integers(-2**63, 2**63 - 1), st.integers(-2**63, 2**63 - 1))
def test_conditions_that_cannot_fault_are_combined_without_branches(fns, a, b, c):
    """`and`/`or`/chained comparisons of names, literals and +, -, * are evaluated whole
    (no basic block per operand) and give Python's truth; one with a division keeps its
    short circuit (test_short_circuit)."""
    assert fns["safe_conditions"](a, b, c) == int((a < b < c and _wrap(-b) != c)
                                                  or not (_wrap(a * b) > c or a & 1 == 0))
    lowering = ModuleLowering(SOURCE, "safetest", {})
    safe = lowering.function("safe_conditions", [I64, I64, I64], exported=True)[0].name
    unsafe = lowering.function("short_circuit", [I64, I64], exported=True)[0].name
    text = str(lowering.module)
    bodies = {name: text.split(name)[1].split("define ")[0] for name in (safe, unsafe)}
    assert "bool_more" not in bodies[safe] and "cmp_more" not in bodies[safe]
    assert "bool_more" in bodies[unsafe]


def test_helper_calls_in_for_loops_are_inlined_whatever_llvm_estimates():
    """A helper called in a `for` loop (the optimizers' loops, meant to be vectorized) is
    inlined at that call site; elsewhere LLVM's inliner decides (the helper's hint)."""
    source = ("def exps(n):\n    total = np.float32(0.0)\n    for i in range(n):\n"
              "        total += inline_expf_fma(np.float32(i))\n"
              "    return total + inline_expf_fma(np.float32(n))\n")
    lowering = ModuleLowering(source, "inlinetest", {})
    lowering.function("exps", [I64], exported=True)
    calls = re.findall(r"call float @\S*inline_expf_fma\S*\(.*\)(.*)", str(lowering.module))
    assert sorted(calls) == ["", " alwaysinline"]
