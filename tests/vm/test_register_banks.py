"""Registers read in another bank than they were written in are rejected at load.

Fuzz findings (tools/fuzz): a loop counter's `vm.add.i64 %i2:3` turned into `vm.add.i32 %i2`
made the `jit` tier loop forever (its region code keeps one typed local per register and
bank, and the loop test kept reading the i64 one) while the interpreter and IREE returned; a
remap whose destination moved left an f32 in a register an i64 op then read, an INTERNAL
TypeError (`float & int`). Compilers never emit either; every real module (the test corpus,
the nine models in three configurations) passes the check.
"""

import numpy as np
import pytest

import vmvxjit
from tests.support.corrupt import instruction_offset
from tests.support.modules import CONFIGS, STATIC, compile_mlir
from vmvxjit.vm import isa
from vmvxjit.vm.decoder import decode_function
from vmvxjit.vm.module_def import load_module_def

SUM_SQUARES = """
func.func private @square(%a: i64) -> i64 attributes {noinline} {
  %r = arith.muli %a, %a : i64
  return %r : i64
}
func.func @sum_squares(%n: i64) -> i64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0 : i64
  %ni = arith.index_cast %n : i64 to index
  %r = scf.for %i = %c0 to %ni step %c1 iter_args(%acc = %z) -> i64 {
    %ii = arith.index_cast %i : index to i64
    %s = func.call @square(%ii) : (i64) -> i64
    %next = arith.addi %acc, %s : i64
    scf.yield %next : i64
  }
  return %r : i64
}
"""


def _with_opcode(old: str, new: str, which: int = -1) -> np.ndarray:
    """SUM_SQUARES with one `old` op of @sum_squares turned into `new` (same operand layout:
    only the opcode byte changes)."""
    data = np.frombuffer(compile_mlir(SUM_SQUARES, STATIC).read_bytes(), np.uint8).copy()
    md = load_module_def(data)
    ordinal = next(e.internal_ordinal for e in md.exports if e.name == "sum_squares")
    descriptor = md.functions[ordinal]
    code = bytes(md.bytecode[descriptor.bytecode_offset:][:descriptor.bytecode_length])
    instr = [i for i in decode_function(code) if i.op.mnemonic == old][which]
    data[instruction_offset(data, md, ordinal, instr.pc)] = isa.BY_MNEMONIC[new].opcode
    return data


def test_the_intact_module_loads_and_runs():
    assert vmvxjit.load(compile_mlir(SUM_SQUARES, STATIC)).sum_squares(3) == 5


@pytest.mark.parametrize("tier", ["interp", "jit"])
def test_an_i64_counter_incremented_as_i32_is_rejected(tier):
    with pytest.raises(vmvxjit.VerificationError,
                       match=r"register %i2 is read as i32 at pc 0000004B but may hold i64"):
        vmvxjit.load(_with_opcode("vm.add.i64", "vm.add.i32"), tier=tier)


def test_an_i64_compared_as_i32_is_rejected():
    with pytest.raises(vmvxjit.VerificationError, match=r"is read as i32 .* but may hold i64"):
        vmvxjit.load(_with_opcode("vm.cmp.lt.i64.s", "vm.cmp.lt.i32.s"))


def test_a_remap_that_leaves_another_bank_where_an_i64_is_read_is_rejected():
    """The dynamic-vmvx matmul's executable: a branch remap's destination turned into its
    source leaves the old destination holding what an earlier op wrote in another bank (an
    i32 here, an f32 in the fuzzer's mutant), which the loop then reads as an i64."""
    data = np.frombuffer(compile_mlir(MATMUL, CONFIGS["dynamic_vmvx"]).read_bytes(), np.uint8).copy()
    inner = max(load_module_def(data).rodata, key=len)
    start = inner.ctypes.data - data.ctypes.data
    md = load_module_def(inner)
    descriptor = md.functions[0]
    code = bytes(md.bytecode[descriptor.bytecode_offset:][:descriptor.bytecode_length])
    branch = next(i for i in decode_function(code)
                  if i.op.mnemonic == "vm.br" and len(i.arg("operands")) == 2)
    (source, destination), _ = branch.arg("operands")
    at = start + instruction_offset(inner, md, 0, branch.pc)
    pair = bytes(np.array([source, destination], "<u2").view(np.uint8))
    found = bytes(data[at:at + branch.next_pc - branch.pc]).index(pair)
    data[at + found + 2:at + found + 4] = np.array([source], "<u2").view(np.uint8)  # s -> s
    with pytest.raises(vmvxjit.VerificationError, match=r"is read as i64 at pc \w+ but may hold i32"):
        vmvxjit.load(data)


MATMUL = """
func.func @mm(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  %r = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x4xf32>)
                     outs(%z : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}
"""
