"""Function-wide liveness and constants (dataflow.py) on a decoded VM function."""

from pathlib import Path

from tests.support.modules import compile_mlir
from vmvxjit.vm.bytecode_module import BytecodeModule
from vmvxjit.vm.jit import dataflow
from vmvxjit.vm.jit.regions import split_blocks

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
