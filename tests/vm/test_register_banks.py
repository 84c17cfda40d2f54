"""Registers read as integers while they may hold floats, or read before anything writes
them, are rejected at load (vm/register_banks.py).

Fuzz findings (tools/fuzz): a remap whose destination moved left an f32 in a register an
i64 op then read (an INTERNAL TypeError, `float & int`); a loop counter incremented by a
register nothing wrote (zero here, so the loop never ended; stack garbage in IREE, whose run
ended). Compilers emit neither; every real module cached here (the test corpus, the nine
models in three configurations) passes the check, including iree-compile 3.13's remap lists
that read the low half of an i64 as an i32 (tests/vm/opcodes/control_flow.mlir, @table).
"""

import struct

import numpy as np
import pytest

import vmvxjit
from tests.support.corrupt import instruction_offset
from tests.support.modules import CONFIGS, STATIC, compile_mlir
from tools.fuzz.programs import MATMUL, SCALAR_LOOP as SUM_SQUARES
from vmvxjit.vm.decoder import decode_function
from vmvxjit.vm.module_def import load_module_def


def _instructions(md, ordinal: int) -> list:
    descriptor = md.functions[ordinal]
    return decode_function(bytes(md.bytecode[descriptor.bytecode_offset:][:descriptor.bytecode_length]))


def _replace_u16(data: np.ndarray, at: int, instr, old: tuple, new: tuple) -> None:
    """Overwrites the u16 register list `old` inside `instr` (at file offset `at`) with `new`."""
    found = bytes(data[at:at + instr.next_pc - instr.pc]).rindex(struct.pack(f"<{len(old)}H", *old))
    data[at + found:at + found + 2 * len(new)] = np.frombuffer(struct.pack(f"<{len(new)}H", *new),
                                                               np.uint8)


def test_the_intact_modules_load_and_run():
    assert vmvxjit.load(compile_mlir(SUM_SQUARES, STATIC)).sum_squares(3) == 5
    ones = np.ones((4, 8), np.float32)
    assert vmvxjit.load(compile_mlir(MATMUL, CONFIGS["dynamic_vmvx"])).mm(ones, ones.T).sum() == 128


def test_a_counter_incremented_by_a_register_nothing_wrote_is_rejected():
    data = np.frombuffer(compile_mlir(SUM_SQUARES, STATIC).read_bytes(), np.uint8).copy()
    md = load_module_def(data)
    ordinal = next(e.internal_ordinal for e in md.exports if e.name == "sum_squares")
    increment = [i for i in _instructions(md, ordinal) if i.op.mnemonic == "vm.add.i64"][-1]
    left, right, result = increment.args
    unused = (md.functions[ordinal].i32_register_count + 2) & ~1   # an even register, in range
    _replace_u16(data, instruction_offset(data, md, ordinal, increment.pc), increment,
                 (left, right, result), (left, unused, result))
    with pytest.raises(vmvxjit.VerificationError,
                       match=rf"register %i{unused} is read as i64 at pc {increment.pc:08X} but may "
                             r"hold nothing \(never written\)"):
        vmvxjit.load(data)


def test_a_remap_that_leaves_an_f32_where_an_i64_is_read_is_rejected():
    """The dynamic-vmvx matmul's executable: the remap `%i0->%i2, %i1->%i3` of the branch into
    its reduction loop turned into `%i0->%i0`, leaving in %i2 the f32 an earlier op wrote."""
    data = np.frombuffer(compile_mlir(MATMUL, CONFIGS["dynamic_vmvx"]).read_bytes(), np.uint8).copy()
    inner = max(load_module_def(data).rodata, key=len)
    md = load_module_def(inner)
    branch = next(i for i in _instructions(md, 0)
                  if i.op.mnemonic == "vm.br" and i.arg("operands") == ((0, 2), (1, 3)))
    at = inner.ctypes.data - data.ctypes.data + instruction_offset(inner, md, 0, branch.pc)
    _replace_u16(data, at, branch, (0, 2), (0, 0))
    with pytest.raises(vmvxjit.VerificationError, match=r"register %i2 is read as i64 .* may hold f32"):
        vmvxjit.load(data)
