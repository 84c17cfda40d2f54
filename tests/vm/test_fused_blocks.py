"""Fused blocks (the `auto`/`jit` tiers' straight-line Python) against the reference interpreter.

Every per-opcode case (tests/vm/opcodes) runs in the `interp` tier (one step at a time) and in
`auto` (fused blocks): results and exit codes must be identical, and so must every error text,
including the VM frames with their bytecode offsets (`at module.fn+0x...`): a fused block has to
name the op that failed, not the block it is in. Each runs twice: with a segment's first run
calling its steps (the default) and with segments compiled at once (INTERPRETED_RUNS = 0).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.support import modules
from tests.support.oracle import run_vmvxjit
from tests.vm.test_opcodes import ALL_CASES, compiled

import vmvxjit

RUNNABLE = [c for c in ALL_CASES if c.kind in ("CASE", "ERROR", "CRASH")]


@pytest.fixture(params=[1, 0], ids=["first-run", "compiled"], autouse=True)
def interpreted_runs(request, monkeypatch):
    """Every test here runs with the default and with fused segments compiled on their first run."""
    from vmvxjit.vm import fused_blocks
    monkeypatch.setattr(fused_blocks, "INTERPRETED_RUNS", request.param)
    return request.param


@pytest.mark.slow
@pytest.mark.parametrize("case", RUNNABLE, ids=lambda c: c.id)
def test_fused_blocks_match_the_interpreter(case):
    reference = run_vmvxjit(compiled(case.file), case.function, case.inputs, tier="interp")
    fused = run_vmvxjit(compiled(case.file), case.function, case.inputs, tier="auto")
    assert fused == reference


def test_every_error_kind_keeps_its_location():
    """The ERROR/CRASH cases (never sampled away): exact error text and frames."""
    failing = [c for c in RUNNABLE if c.kind != "CASE"]
    assert len(failing) > 50
    for case in failing:
        reference = run_vmvxjit(compiled(case.file), case.function, case.inputs, tier="interp")
        fused = run_vmvxjit(compiled(case.file), case.function, case.inputs, tier="auto")
        assert reference[0] == 1 and "+0x" in reference[2], case.id
        assert fused == reference, case.id


_CALLS = """
func.func @scaled(%a: tensor<4xf32>, %s: f32) -> tensor<4xf32> {
  %0 = tensor.empty() : tensor<4xf32>
  %1 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}
      ins(%a : tensor<4xf32>) outs(%0 : tensor<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %m = arith.mulf %x, %s : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  return %1 : tensor<4xf32>
}
"""


def test_a_failing_import_in_a_fused_block_names_the_call_site():
    vmfb = modules.compile_mlir(_CALLS, modules.STATIC)
    messages = {}
    for tier in ("interp", "auto"):
        scaled = vmvxjit.load(str(vmfb), tier=tier)["scaled"]
        np.testing.assert_array_equal(scaled(np.arange(4, dtype=np.float32), 2.0),
                                      np.arange(4, dtype=np.float32) * 2)
        with pytest.raises(vmvxjit.Error) as info:
            scaled(vmvxjit.buffer_view(np.zeros(5, np.float32)), 2.0)
        messages[tier] = str(info.value)
    assert "shape dimension 0 mismatch" in messages["auto"]
    assert "at module.scaled+0x" in messages["auto"]
    assert messages["auto"] == messages["interp"]


# A loop over a fresh buffer: stores i*3 at element i for i < n, then sums elements [0, m), so a
# large m faults in the middle of the second loop. Two loop regions, both with buffer accesses.
_LOOPS = """
vm.module @loops {
  vm.export @fill_and_sum
  vm.func @fill_and_sum(%n: i32, %m: i32) -> i64 {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %c3 = vm.const.i32 3
    %z = vm.const.i64 0
    %n64 = vm.ext.i32.i64.s %n : i32 -> i64
    %bytes = vm.mul.i64 %n64, %n64 : i64
    %c4 = vm.const.i64 4
    %size = vm.mul.i64 %n64, %c4 : i64
    %align = vm.const.i32 16
    %buf = vm.buffer.alloc %size, %align : !vm.buffer
    vm.br ^fill(%c0 : i32)
  ^fill(%i: i32):
    %more = vm.cmp.lt.i32.s %i, %n : i32
    vm.cond_br %more, ^store, ^sum(%c0, %z : i32, i64)
  ^store:
    %v = vm.mul.i32 %i, %c3 : i32
    %i64 = vm.ext.i32.i64.s %i : i32 -> i64
    vm.buffer.store.i32 %v, %buf[%i64] : i32 -> !vm.buffer
    %next = vm.add.i32 %i, %c1 : i32
    vm.br ^fill(%next : i32)
  ^sum(%j: i32, %s: i64):
    %again = vm.cmp.lt.i32.s %j, %m : i32
    vm.cond_br %again, ^add, ^done(%s : i64)
  ^add:
    %j64 = vm.ext.i32.i64.s %j : i32 -> i64
    %x = vm.buffer.load.i32 %buf[%j64] : !vm.buffer -> i32
    %x64 = vm.ext.i32.i64.s %x : i32 -> i64
    %t = vm.add.i64 %s, %x64 : i64
    %jn = vm.add.i32 %j, %c1 : i32
    vm.br ^sum(%jn, %t : i32, i64)
  ^done(%r: i64):
    vm.return %r : i64
  }

  // A loop whose body has an op without an inline form (vm.switch): its Python loop keeps
  // registers in the frame's lists, where the op's step closure reads and writes them.
  vm.export @switch_sum
  vm.func @switch_sum(%n: i32) -> i32 {
    %c0 = vm.const.i32 0
    %c1 = vm.const.i32 1
    %c3 = vm.const.i32 3
    %c10 = vm.const.i32 10
    %c20 = vm.const.i32 20
    %c30 = vm.const.i32 30
    vm.br ^head(%c0, %c0 : i32, i32)
  ^head(%i: i32, %s: i32):
    %more = vm.cmp.lt.i32.s %i, %n : i32
    vm.cond_br %more, ^body, ^exit(%s : i32)
  ^body:
    %k = vm.rem.i32.u %i, %c3 : i32
    %v = vm.switch.i32 %k[%c10, %c20] else %c30 : i32
    %t = vm.add.i32 %s, %v : i32
    %in = vm.add.i32 %i, %c1 : i32
    vm.br ^head(%in, %t : i32, i32)
  ^exit(%r: i32):
    vm.return %r : i32
  }
}
"""


@pytest.fixture(scope="module")
def loops_module():
    return modules.compile_mlir(_LOOPS, ["--compile-mode=vm"])


@pytest.mark.parametrize("n, m", [(0, 0), (5, 5), (10_000, 10_000), (10_000, 7_000)])
def test_loop_regions_run_as_python_loops(loops_module, monkeypatch, n, m):
    """Loops below the compile threshold run as one generated Python loop each; the
    budget hands control back to the entry hook every REGION_BUDGET back-edges."""
    from vmvxjit.vm.jit import tiering
    monkeypatch.setattr(tiering, "AUTO_THRESHOLD", 10**9)
    results = [vmvxjit.load(str(loops_module), tier=tier)["fill_and_sum"](n, m)
               for tier in ("interp", "auto")]
    assert results[0] == results[1] == 3 * (m - 1) * m // 2


@pytest.mark.parametrize("n", [0, 7, 10_000])
def test_a_python_loop_with_a_step_closure_inside(loops_module, monkeypatch, n):
    from vmvxjit.vm.jit import tiering
    monkeypatch.setattr(tiering, "AUTO_THRESHOLD", 10**9)
    expected = sum((10, 20, 30)[i % 3] for i in range(n))
    for tier in ("interp", "auto"):
        assert vmvxjit.load(str(loops_module), tier=tier)["switch_sum"](n) == expected


def test_a_fault_inside_a_python_loop_names_the_op(loops_module, monkeypatch):
    from vmvxjit.vm.jit import tiering
    monkeypatch.setattr(tiering, "AUTO_THRESHOLD", 10**9)
    messages = []
    for tier in ("interp", "auto"):
        with pytest.raises(vmvxjit.Error) as info:
            vmvxjit.load(str(loops_module), tier=tier)["fill_and_sum"](6_000, 6_001)
        messages.append(str(info.value))
    assert "out-of-bounds access detected (offset=24000, length=4" in messages[1]
    assert "at loops.fill_and_sum+0x" in messages[1]
    assert messages[0] == messages[1]


def test_the_python_loop_runs_and_yields_to_its_hook_by_budget(loops_module, monkeypatch):
    from vmvxjit.vm.fused_blocks import REGION_BUDGET, fuse_region
    from vmvxjit.vm.jit import tiering
    monkeypatch.setattr(tiering, "AUTO_THRESHOLD", 10**9)
    entries = []

    def counting_fuse_region(*args):
        run = fuse_region(*args)

        def counted(regs, refs, ip):
            entries.append(ip)
            return run(regs, refs, ip)
        return counted
    monkeypatch.setattr(tiering, "fuse_region", counting_fuse_region)
    n = 3 * REGION_BUDGET
    assert vmvxjit.load(str(loops_module), tier="auto")["fill_and_sum"](n, n) == 3 * (n - 1) * n // 2
    # one entry from outside, then one more per REGION_BUDGET back-edges (2n of them)
    assert len(entries) == 1 + 2 * n // REGION_BUDGET


def test_a_function_named_with_a_nul_runs_fused():
    """Fuzz finding (tools/fuzz): the debug database's function name became the fused
    block's compile() file name, and a NUL in it made every call an INTERNAL ValueError."""
    from tests.support.corrupt import patched, string_start
    from vmvxjit.vm.module_def import DEBUG_DATABASE_DEF, FUNCTION_SOURCE_MAP_DEF

    def first_name_char(root):
        functions = root.table("debug_database", DEBUG_DATABASE_DEF).tables(
            "functions", FUNCTION_SOURCE_MAP_DEF)
        return string_start(functions[0], "local_name")
    source = modules.compile_mlir(modules.ADD_F32, modules.STATIC).read_bytes()
    module = vmvxjit.load(patched(source, first_name_char, "<B", 0), tier="auto")
    ones = np.ones(4, np.float32)
    assert module.add(ones, ones).tolist() == [2.0] * 4
