"""Internal calls from compiled loops (jit/callees.py): native where the callee compiles,
the interpreter's path where it does not, and the same results and errors in every tier
as in the interpreter and IREE."""

from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.support.modules import compile_mlir
from tests.support.oracle import (assert_second_process_compiles_nothing, have_iree, run_iree,
                                  run_vmvxjit)
from vmvxjit.errors import Error
from vmvxjit.runtime import Program
from vmvxjit.tooling.inputs import parse_inputs
from vmvxjit.vm.jit import callees, tiering

PROGRAMS = Path(__file__).parent / "programs"
VM_FLAGS = ["--compile-mode=vm", "--iree-vm-target-extension-f64"]
TIERS = ("interp", "jit", "auto")

pytestmark = pytest.mark.skipif(not have_iree(), reason="needs iree-compile and iree-run-module")


@pytest.fixture(autouse=True)
def auto_compiles_soon(monkeypatch):
    """`auto` compiles after 64 loop visits, so a few hundred iterations switch mid-run."""
    monkeypatch.setattr(tiering, "AUTO_THRESHOLD", 64)


@pytest.fixture(scope="module")
def calls_module():
    return compile_mlir((PROGRAMS / "calls.mlir").read_text(), VM_FLAGS)


def _run(path, function: str, inputs: list, tier: str):
    """(results or the error's text, the run's JitStats)."""
    program = Program(str(path), tier=tier)
    values = parse_inputs(inputs, program.signature(function).cconv.args)
    try:
        outcome = program.call(function, values)
    except Error as error:
        outcome = str(error)
    return outcome, program.context.jit_stats


RESULTS = [("hot", ["1000"]), ("hot", ["0"]), ("buffers", ["40", "0", "3"]),
           ("buffers", ["40", "1", "15"]), ("nested", ["300", "500"]), ("nested", ["300", "-7"]),
           ("pairs", ["300", "7"]), ("read_only", ["300", "0"])]


@pytest.mark.parametrize("function,inputs", RESULTS, ids=[f"{f}({','.join(i)})" for f, i in RESULTS])
@pytest.mark.parametrize("tier", TIERS)
def test_results_equal_iree(calls_module, function, inputs, tier):
    iree = run_iree(calls_module, function, inputs)
    ours = run_vmvxjit(calls_module, function, inputs, tier=tier)
    assert iree[0] == 0 and ours[:2] == iree[:2], ours[2]


FAULTS = [("buffers", ["40", "0", "16"], "out-of-bounds access detected (offset=64, length=4"),
          ("pairs", ["300", "8"], "out-of-bounds access detected (offset=64, length=8"),
          ("read_only", ["300", "1"], "buffer is read-only and cannot be mapped for mutation"),
          ("nested", ["300", "150"], None)]   # IREE dies of SIGFPE on a division by zero


@pytest.mark.parametrize("function,inputs,iree_text", FAULTS, ids=[f[0] for f in FAULTS])
def test_a_fault_inside_a_compiled_call_is_the_interpreters_error(calls_module, function, inputs,
                                                                  iree_text):
    expected, _ = _run(calls_module, function, inputs, "interp")
    assert isinstance(expected, str) and expected.count("\n    at ") >= 2, expected
    for tier in ("jit", "auto"):
        actual, stats = _run(calls_module, function, inputs, tier)
        assert actual == expected
        assert any("call at" in note and "native call" in note
                   for name, _, _, notes, *_ in stats.compiled if name == function for note in notes)
    if iree_text is not None:
        code, _, stderr = run_iree(calls_module, function, inputs)
        assert code == 1 and iree_text in stderr and iree_text in expected


def test_a_division_fault_in_a_compiled_loop_is_the_interpreters_error(calls_module):
    """The fault's text carries the operands, as the interpreter's does (`auto` compiles
    the call-free loop when its Python version hands back, after 4096 iterations)."""
    expected, _ = _run(calls_module, "quotients", ["10000", "6000"], "interp")
    assert expected.startswith("OUT_OF_RANGE; integer division overflow or division by zero "
                               "(1000 / 0)"), expected
    for tier in ("jit", "auto"):
        actual, stats = _run(calls_module, "quotients", ["10000", "6000"], tier)
        assert actual == expected and stats.compiled
def test_trace_names_native_calls_and_why_others_stay_interpreted(calls_module):
    _, stats = _run(calls_module, "buffers", ["2", "0", "3"], "jit")
    report = stats.report()
    assert report.count("native call") == 2, report
    assert "buffers: call at" in report and "stays interpreted (not inside a loop region)" in report


def test_recursive_functions_and_their_callers_do_not_compile():
    """The call-graph verdicts on a synthetic graph (iree-compile 3.13 hangs in
    iree-util-verify-initialization-order on a recursive module, so no real one exists):
    0 calls itself; 1 and 2 call each other; 3 is a leaf; 4 calls 3 and 0; 5 does not
    compile on its own; 6 calls 5."""
    functions = [SimpleNamespace(name=f"f{k}") for k in range(7)]
    local = {0: (0,), 1: (2,), 2: (1,), 3: (), 4: (3, 0), 5: "vm.fail at 0000001C", 6: (5,)}
    found = {}
    for ordinal in local:
        callees._resolve(ordinal, functions, local, found, [])
    assert found[0] == "recursive (@f0 -> @f0)"
    assert found[1] == found[2] == "recursive (@f1 -> @f2 -> @f1)"
    assert isinstance(found[3], callees.Callee) and found[3].depth == 1
    assert found[4] == "calls @f0, which does not compile: recursive (@f0 -> @f0)"
    assert found[5] == "vm.fail at 0000001C"
    assert found[6] == "calls @f5, which does not compile: vm.fail at 0000001C"


def test_calls_nest_at_most_max_depth_deep():
    """A chain of ten calls: @f2..@f9 (eight levels) compile, @f0 and @f1 do not; the loop
    calling @f0 on one path and @f2 on the other compiles without the @f0 block."""
    chain = "\n".join(
        f"  vm.func private @f{k}(%x: i64) -> i64 attributes {{inlining_policy = #util.inline.never}} {{\n"
        f"    %c = vm.const.i64 {k}\n    %y = vm.add.i64 %x, %c : i64\n"
        + (f"    %z = vm.call @f{k + 1}(%y) : (i64) -> i64\n    vm.return %z : i64\n  }}"
           if k < 9 else "    vm.return %y : i64\n  }")
        for k in range(10))
    loop = """
  vm.export @run
  vm.func @run(%n: i64, %first: i32) -> i64 {
    %c0 = vm.const.i64 0
    %c1 = vm.const.i64 1
    vm.br ^head(%c0, %c0 : i64, i64)
  ^head(%i: i64, %acc: i64):
    %more = vm.cmp.lt.i64.s %i, %n : i64
    vm.cond_br %more, ^body, ^done
  ^body:
    vm.cond_br %first, ^top, ^low
  ^top:
    %a = vm.call @f0(%i) : (i64) -> i64
    vm.br ^next(%a : i64)
  ^low:
    %b = vm.call @f2(%i) : (i64) -> i64
    vm.br ^next(%b : i64)
  ^next(%r: i64):
    %acc2 = vm.add.i64 %acc, %r : i64
    %i2 = vm.add.i64 %i, %c1 : i64
    vm.br ^head(%i2, %acc2 : i64, i64)
  ^done:
    vm.return %acc : i64
  }"""
    path = compile_mlir("vm.module @deep {\n" + chain + loop + "\n}\n", VM_FLAGS)
    for first in ("0", "1"):
        iree = run_iree(path, "run", ["50", first])
        assert run_vmvxjit(path, "run", ["50", first], tier="jit")[:2] == iree[:2]
    _, stats = _run(path, "run", ["50", "0"], "jit")
    report = stats.report()
    assert ("stays interpreted (the callee does not compile: calls @__func_1, which does not "
            "compile: calls nest more than 8 deep)") in report
    assert report.count("native call") == 1, report


def test_a_second_process_loads_region_and_callees_from_the_disk_cache(calls_module, tmp_path):
    assert_second_process_compiles_nothing([str(calls_module), "--function=hot", "--input=100"], tmp_path)


def test_results_are_bit_identical_in_every_tier(calls_module):
    """The float sums, compared exactly (the CLI prints them with %G)."""
    results = {tier: tuple(map(repr, _run(calls_module, "hot", ["5000"], tier)[0])) for tier in TIERS}
    assert results["interp"] == results["jit"] == results["auto"]
