"""Compiled regions on bytecode that reads an i64 register as an i32.

Fuzz finding (tools/fuzz, seed 5 mutant 269): a loop counter's `vm.add.i64 %i2:3` became
`vm.add.i32 %i2`. Region code kept one typed local per (register, bank), so the loop test kept
reading the i64 local the i32 add never updated and the compiled loop never ended, while the
interpreter (one value per register) and IREE returned. i32 and i64 values of a register now
share one int64 local (codegen.local_bank), so compiled code reads what the add wrote. The
load-time register check (vm/register_banks.py) cannot reject such bytecode: iree-compile 3.13
itself emits reads of an i64's low half as an i32 (a remap list that overwrites a register
before copying it: tests/vm/opcodes/control_flow.mlir, @table).
"""

import os
import subprocess
import sys

import numpy as np
import pytest

from tests.support.corrupt import instruction_offset
from tests.support.modules import STATIC, compile_mlir
from tools.fuzz.programs import SCALAR_LOOP as SUM_SQUARES
from vmvxjit.vm import isa
from vmvxjit.vm.decoder import decode_function
from vmvxjit.vm.module_def import load_module_def


def _counter_added_as_i32(tmp_path):
    """The module with its loop counter's i64 increment turned into an i32 add (the opcode
    byte alone: the register operands are encoded alike)."""
    data = np.frombuffer(compile_mlir(SUM_SQUARES, STATIC).read_bytes(), np.uint8).copy()
    md = load_module_def(data)
    ordinal = next(i for i, s in enumerate(md.signatures) if s.cconv.args == ("I",) and
                   any(e.internal_ordinal == i and e.name == "sum_squares" for e in md.exports))
    descriptor = md.functions[ordinal]
    code = bytes(md.bytecode[descriptor.bytecode_offset:][:descriptor.bytecode_length])
    adds = [i for i in decode_function(code) if i.op.mnemonic == "vm.add.i64"]
    data[instruction_offset(data, md, ordinal, adds[-1].pc)] = isa.BY_MNEMONIC["vm.add.i32"].opcode
    path = tmp_path / "mutant.vmfb"
    path.write_bytes(data.tobytes())
    return path


def _run(path, tier, cache):
    command = [sys.executable, "-m", "vmvxjit", "run", str(path), "--input=3", f"--tier={tier}"]
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=15,
                              env={**os.environ, "VMVXJIT_CACHE_DIR": str(cache)}).stdout
    except subprocess.TimeoutExpired:
        return "timed out"


@pytest.mark.slow
def test_jit_agrees_with_the_interpreter_on_a_register_read_in_another_bank(tmp_path):
    path = _counter_added_as_i32(tmp_path)
    expected = _run(path, "interp", tmp_path)
    assert expected.endswith("i64=5\n")
    assert _run(path, "jit", tmp_path) == expected
