"""Allocations and discards inside loop regions (allocations.py): a static workgroup loop that
allocates its tile's scratch runs in one region entry per call, bit-identical to the interpreter
and to iree-run-module on one thread and two; entries that take the interpreter's buffers (under
an allocation cap), loops that leave for optimized code, and allocations that must stay with the
interpreter, on hand-made blocks."""

from pathlib import Path

import numpy as np
import pytest

import vmvxjit
from tests.support.modules import STATIC, compile_mlir
from tests.support.oracle import have_iree, iree_call
from vmvxjit.errors import Error, ResourceExhaustedError
from vmvxjit.vm import isa
from vmvxjit.vm.bytecode_module import BytecodeModule
from vmvxjit.vm.decoder import Instr
from vmvxjit.native import workers
from vmvxjit.vm.jit import codegen, native_chunks, switches, tiering
from vmvxjit.vm.jit.allocations import Allocations
from vmvxjit.vm.jit.regions import Block, find_regions

# IREE's inline-static code for a matmul with a fused bias and relu allocates a 64x64 tile
# of scratch (16384 bytes) at the top of each iteration of its workgroup loop and discards
# it at the loop's latch.
MM_BIAS = """
func.func @mm_bias(%a: tensor<128x96xf32>, %b: tensor<96x160xf32>, %bias: tensor<160xf32>) -> tensor<128x160xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<128x160xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<128x160xf32>) -> tensor<128x160xf32>
  %c = linalg.matmul ins(%a, %b : tensor<128x96xf32>, tensor<96x160xf32>) outs(%acc : tensor<128x160xf32>) -> tensor<128x160xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%c, %bias : tensor<128x160xf32>, tensor<160xf32>) outs(%empty : tensor<128x160xf32>) {
    ^bb0(%in: f32, %bv: f32, %out: f32):
      %s = arith.addf %in, %bv : f32
      %m = arith.maximumf %s, %zero : f32
      linalg.yield %m : f32
  } -> tensor<128x160xf32>
  return %r : tensor<128x160xf32>
}
"""
# Live bytes before the workgroup loop (arguments, result), and its scratch.
BEFORE_LOOP, SCRATCH = 49152 + 61440 + 640 + 81920, 64 * 64 * 4


def _path():
    return compile_mlir(MM_BIAS, STATIC)


def _arguments():
    rng = np.random.default_rng(7)
    return (rng.standard_normal((128, 96), dtype=np.float32), rng.standard_normal((96, 160), dtype=np.float32),
            rng.standard_normal(160, dtype=np.float32))


needs_iree = pytest.mark.skipif(not have_iree(), reason="needs iree-compile and iree-run-module")


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    """iree-run-module's result, checked against the interpreter's."""
    args = _arguments()
    result = iree_call(_path(), "mm_bias", args, tmp_path_factory.mktemp("mm_bias"))
    assert np.array_equal(result, vmvxjit.load(_path(), tier="interp").mm_bias(*args))
    return result


@needs_iree
def test_the_workgroup_loop_is_one_region_with_its_allocation():
    (function,) = BytecodeModule.load(_path()).functions
    regions = [r for r in find_regions(function.instrs, {}) if r.placed.allocations]
    assert len(regions) == 1
    (region,) = regions
    (site,) = region.placed.allocations
    ops = {i.op.mnemonic for b in region.blocks for i in b.instrs}
    assert {"vm.buffer.alloc", "vm.discard.refs"} <= ops
    # Its reads name the site's buffer, and the loop around it may leave for optimized code.
    assert site.buffer in region.buffer_registers and site.ref not in region.buffer_registers
    header = max(h for h in region.placed.swaps)
    assert region.blocks[0].pc <= header < site.pc


@needs_iree
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("tier", ["jit", "auto"])
def test_results_are_iree_s_with_one_region_entry_per_call(expected, tier, threads):
    module = vmvxjit.load(_path(), tier=tier, threads=threads)
    for _ in range(3):
        assert np.array_equal(module.mm_bias(*_arguments()), expected)
    if tier == "jit":
        assert module.jit_stats()["compiled_code_entries"] == 3


@needs_iree
@pytest.mark.parametrize("native", [True, False], ids=["native-workers", "python-workers"])
def test_the_workgroup_loop_runs_in_chunks_each_with_its_own_scratch(expected, native, monkeypatch):
    monkeypatch.setattr(switches, "PARALLEL_MIN_WORK", 0)
    monkeypatch.setattr(workers, "PARALLEL_ABOVE_S", 0.0)
    monkeypatch.setattr(native_chunks, "PARALLEL_ABOVE_S", 0.0)
    if not native:
        monkeypatch.setattr(native_chunks, "available", lambda function: False)
    (function,) = BytecodeModule.load(_path()).functions
    (region,) = [r for r in find_regions(function.instrs, {}) if r.placed.allocations]
    (loop,) = region.parallel
    assert loop.header in region.placed.swaps and loop.private == {region.placed.allocations[0].buffer}
    module = vmvxjit.load(_path(), tier="jit", threads=2)
    for _ in range(3):
        assert np.array_equal(module.mm_bias(*_arguments()), expected)
    (runs,) = module.jit_stats()["parallel_loops"].values()
    assert runs["runs"] == 3 and runs["threads"] == 2 and runs["native_runs"] == (3 if native else 0)


@needs_iree
def test_under_a_cap_entries_take_the_interpreter_s_buffers(expected):
    """Under an allocation cap the interpreter makes each allocation: the region leaves at
    the allocating block and is entered again inside the loop, where the register is live."""
    module = vmvxjit.load(_path(), tier="jit", max_allocation=10 ** 8)
    assert np.array_equal(module.mm_bias(*_arguments()), expected)
    assert module.jit_stats()["compiled_code_entries"] > 3


@needs_iree
def test_a_discard_in_the_region_frees_the_scratch_as_the_interpreter_does(expected):
    """Room for one scratch at a time: each iteration's discard must have freed the last one."""
    for tier in ("interp", "jit"):
        module = vmvxjit.load(_path(), tier=tier, max_allocation=BEFORE_LOOP + SCRATCH)
        assert np.array_equal(module.mm_bias(*_arguments()), expected)
    messages = set()
    for tier in ("interp", "jit"):
        module = vmvxjit.load(_path(), tier=tier, max_allocation=BEFORE_LOOP + SCRATCH - 1)
        with pytest.raises(ResourceExhaustedError) as raised:
            module.mm_bias(*_arguments())
        messages.add(str(raised.value))
    assert len(messages) == 1


@needs_iree
def test_loops_that_leave_for_optimized_code_give_the_same_result(expected, monkeypatch):
    """Every entry finds the optimized code ready: each allocating loop leaves at its header
    after one iteration, and the interpreter enters the region there again."""
    run = tiering._Frame.run

    def ready(frame, fn, entry_id):
        frame.err[codegen.ERR_SWAP] = 0
        return run(frame, fn, entry_id)

    monkeypatch.setattr(tiering._Frame, "run", ready)
    module = vmvxjit.load(_path(), tier="jit", threads=1)
    assert np.array_equal(module.mm_bias(*_arguments()), expected)
    assert module.jit_stats()["compiled_code_entries"] > 1


SCRATCH_PROGRAM = Path(__file__).parent / "programs" / "scratch.mlir"


@pytest.mark.parametrize("args", [(50, 64, 16, 2), (0, 64, 16, 2), (50, 64, 3, 2), (50, -4, 16, 2),
                                  (50, 8, 16, 2), (3, 1 << 62, 16, 2)],
                         ids=["tiles", "no-tile", "bad-alignment", "negative-length", "read-past-tile",
                              "too-big"])
def test_bad_operands_of_an_allocation_in_a_region_are_the_interpreter_s_errors(args):
    """The region makes the tile at entry from the caller's length and alignment; where
    that cannot be (an alignment not a power of two, a negative or huge length) the
    interpreter runs the alloc and raises there; a read past the tile faults in the code."""
    path = compile_mlir(SCRATCH_PROGRAM.read_text(), ["--compile-mode=vm"])
    outcomes = []
    for tier in ("interp", "jit"):
        module = vmvxjit.load(path, tier=tier)
        try:
            outcomes.append(module.tiles(*args))
        except Error as error:
            outcomes.append((type(error), str(error)))
    assert outcomes[0] == outcomes[1]
    if args[0] and args[1] == 64 and args[2] == 16:
        assert outcomes[1] == sum(j + 2 for j in range(50))
        assert module.jit_stats()["compiled_code_entries"] == 1


R = isa.REF_BIT


def _block(pc: int, successors: list, *instrs) -> Block:
    code = [Instr(pc + n + 1, pc + n + 2, isa.BY_MNEMONIC[m], args) for n, (m, args) in enumerate(instrs)]
    return Block(pc, code, successors)


def _loop(*body) -> list:
    """A counted loop over %i20 whose body is `body` (ops), allocating %r1 first."""
    return [
        _block(0, [10], ("vm.const.i64", (64, 4)), ("vm.const.i32.zero", (6,)), ("vm.br", (10, []))),
        _block(10, [20, 40], ("vm.cmp.lt.i64.s", (20, 22, 2)), ("vm.cond_br", (2, 20, [], 40, []))),
        _block(20, [10], ("vm.buffer.alloc", (4, 6, R | 1)), *body, ("vm.add.i64", (20, 24, 20)),
               ("vm.br", (10, []))),
        _block(40, [], ("vm.return", ([],))),
    ]


def _placed(blocks):
    members = blocks[1:3]
    return Allocations(blocks).place(members, [10])[1:]


def test_an_allocation_read_within_its_iteration_stays():
    blocks = _loop(("vm.buffer.store.f32", (R | 1, 8, 3)), ("vm.discard.refs", ([R | 1],)))
    placed, left_out = _placed(blocks)
    assert not left_out and len(placed.allocations) == 1 and placed.swaps == {10}
    assert placed.private == {10: {placed.allocations[0].buffer}}


def test_an_allocation_read_in_the_next_iteration_is_not_the_iteration_s_own():
    """The loop reads %r1 before allocating it: the last iteration's buffer."""
    blocks = _loop(("vm.buffer.store.f32", (R | 1, 8, 3)))
    blocks[2] = _block(20, [10], ("vm.buffer.store.f32", (R | 1, 8, 3)), ("vm.buffer.alloc", (4, 6, R | 1)),
                       ("vm.add.i64", (20, 24, 20)), ("vm.br", (10, [])))
    blocks[3] = _block(40, [], ("vm.discard.refs", ([R | 1],)), ("vm.return", ([],)))
    _, placed, left_out = Allocations(blocks).place(blocks[1:3], [10])
    assert not left_out and placed.private == {}


def test_an_allocation_whose_length_changes_in_the_region_stays_with_the_interpreter():
    blocks = _loop(("vm.buffer.store.f32", (R | 1, 8, 3)), ("vm.add.i64", (4, 24, 4)))
    assert _placed(blocks)[1] == {20}


def test_a_read_after_a_discard_stays_with_the_interpreter():
    blocks = _loop(("vm.discard.refs", ([R | 1],)), ("vm.buffer.store.f32", (R | 1, 8, 3)))
    assert _placed(blocks)[1] == {20}


def test_a_value_read_after_the_loop_is_the_interpreter_s_where_it_was_live_at_entry():
    """%r1 is read after the loop, so it is live at the header: entered there, the region
    takes the interpreter's buffer (and its alloc leaves); an exit where only a site's value
    can reach hands that site's buffer back."""
    blocks = _loop(("vm.buffer.store.f32", (R | 1, 8, 3)))
    blocks[3] = _block(40, [], ("vm.buffer.store.f32", (R | 1, 8, 3)), ("vm.return", ([],)))
    placed, left_out = _placed(blocks)
    (site,) = placed.allocations
    assert not left_out and placed.held == {10: {site.buffer}}
    assert placed.given == {40: [(1, site)], 10: [(1, site)]}     # 10: the loop leaving at its header
