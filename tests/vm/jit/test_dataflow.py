"""Function-wide liveness and constants (dataflow.py) on a decoded VM function; constants where
control reaches a block, on hand-made blocks that reuse a register; the liveness of refs."""

from pathlib import Path

from tests.support.modules import compile_mlir
from vmvxjit.vm import isa
from vmvxjit.vm.bytecode_module import BytecodeModule
from vmvxjit.vm.decoder import Instr
from vmvxjit.vm.jit import dataflow
from vmvxjit.vm.jit.regions import Block, split_blocks

PROGRAMS = Path(__file__).parent / "programs"


def _accumulate_blocks():
    path = compile_mlir((PROGRAMS / "nest.mlir").read_text(), ["--compile-mode=vm"])
    module = BytecodeModule.load(path.read_bytes())
    function = next(f for f in module.functions if f.name != "run")  # @accumulate (private: unnamed)
    return split_blocks(function.instrs)


def test_loop_constants_are_found_and_loop_counters_are_not():
    blocks = _accumulate_blocks()
    consts = dataflow.constants(blocks)
    assert ("i64", 0) in consts.values() and ("i64", 1) in consts.values()
    counters = {i.args[0] for b in blocks for i in b.instrs if i.op.mnemonic == "vm.cmp.lt.i64.s"}
    assert counters and not counters & set(consts)


def test_loop_temporaries_are_dead_where_the_nest_exits():
    blocks = _accumulate_blocks()
    live = dataflow.live_in(blocks)
    loads = [i for b in blocks for i in b.instrs if i.op.mnemonic == "vm.buffer.load.f32"]
    exit_block = blocks[-1]
    assert exit_block.terminator.op.mnemonic == "vm.return"
    assert not {i.args[2] for i in loads} & live[exit_block.pc]
    # Every loop counter is live at its own loop header.
    for block in blocks:
        if block.instrs[0].op.mnemonic == "vm.cmp.lt.i64.s":
            assert block.instrs[0].args[0] in live[block.pc]


def _block(pc: int, *instrs) -> Block:
    code = [Instr(pc + n + 1, pc + n + 2, isa.BY_MNEMONIC[m], args) for n, (m, args) in enumerate(instrs)]
    block = Block(pc, code, [])
    block.successors = [a for f, a in zip(code[-1].op.fields, code[-1].args) if f.kind == "pc:u32"]
    return block


def _reused_register():
    """%i10 is 25 for the first loop, whose body also writes %i12, then 7 for the second; the
    second loop's start %i14 comes through a branch from %i10."""
    return [
        _block(0, ("vm.const.i64", (25, 10)), ("vm.const.i64", (0, 12)), ("vm.br", (10, []))),
        _block(10, ("vm.cmp.lt.i64.s", (12, 10, 2)), ("vm.cond_br", (2, 20, [], 30, []))),
        _block(20, ("vm.add.i64", (12, 4, 12)), ("vm.br", (10, []))),
        _block(30, ("vm.const.i64", (7, 10)), ("vm.br", (40, [(10, 14)]))),
        _block(40, ("vm.cmp.lt.i64.s", (14, 10, 2)), ("vm.cond_br", (2, 50, [], 60, []))),
        _block(50, ("vm.add.i64", (14, 4, 14)), ("vm.br", (40, []))),
        _block(60, ("vm.return", ([],))),
    ]


def test_a_reused_register_is_a_constant_where_one_constant_reaches():
    blocks = _reused_register()
    at_entry = dataflow.entry_constants(blocks)
    assert at_entry[10] == {10: ("i64", 25)}             # %i12 changes in the loop
    assert at_entry[40] == {10: ("i64", 7)}              # %i14 too: only its first value is 7
    assert at_entry[60] == {10: ("i64", 7)}
    assert dataflow.region_constants(blocks[1:3], [10], at_entry) == {10: ("i64", 25)}
    assert dataflow.region_constants(blocks[4:6], [40], at_entry) == {10: ("i64", 7)}
    assert dataflow.region_constants(blocks[3:6], [30], at_entry) == {}   # the region writes %i10
    assert dataflow.constants(blocks) == {}              # not one constant function-wide


def test_function_wide_constants_are_skipped():
    blocks = _reused_register()
    assert dataflow.entry_constants(blocks, {10: ("i64", 25)})[10] == {}


def test_a_ref_is_live_from_its_alloc_to_its_last_read_and_dead_after_a_discard():
    ref = isa.REF_BIT
    blocks = [
        _block(0, ("vm.br", (10, []))),
        _block(10, ("vm.buffer.alloc", (4, 6, ref | 1)), ("vm.br", (20, []))),
        _block(20, ("vm.buffer.store.f32", (ref | 1, 8, 3)), ("vm.br", (30, []))),
        _block(30, ("vm.discard.refs", ([ref | 1],)), ("vm.br", (40, []))),
        _block(40, ("vm.buffer.store.f32", (ref | 2, 8, 3)), ("vm.return", ([],))),
    ]
    live = dataflow.ref_live_in(blocks)
    assert 1 not in live[10] and 1 in live[20] and 1 not in live[30]
    assert 2 in live[0] and 2 in live[40]
