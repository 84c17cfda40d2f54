"""llvm_text: the IR it writes parses in LLVM and its constants keep their exact bits."""

import ctypes
import math
import struct

import pytest

from vmvxjit.native import llvm_engine
from vmvxjit.vm.jit import llvm_text as ir

_F32, _F64, _I64 = ir.FloatType(), ir.DoubleType(), ir.IntType(64)


def _returning(t, value, name: str) -> str:
    module = ir.Module(name)
    fn = ir.Function(module, ir.FunctionType(t, []), name)
    ir.IRBuilder(fn.append_basic_block("entry")).ret(ir.Constant(t, value))
    return str(module)


@pytest.mark.parametrize("value", [0.1, -0.0, 1e-45, 3.4028234663852886e38, math.inf, -math.inf, 16777217.0])
def test_float_constants_are_the_float32_value(value):
    name = f"f32const{struct.pack('<d', value).hex()}"
    llvm_engine.compile_ir(_returning(_F32, value, name), name, 1)
    got = ctypes.CFUNCTYPE(ctypes.c_float)(llvm_engine.address(name))()
    want = struct.unpack("<f", struct.pack("<f", value))[0]
    assert struct.pack("<f", got) == struct.pack("<f", want)


@pytest.mark.parametrize("value", [0.1, -0.0, 5e-324, math.nan, -math.inf, 2.0 ** 63])
def test_double_constants_keep_their_bits(value):
    name = f"f64const{struct.pack('<d', value).hex()}"
    llvm_engine.compile_ir(_returning(_F64, value, name), name, 1)
    got = ctypes.CFUNCTYPE(ctypes.c_double)(llvm_engine.address(name))()
    assert struct.pack("<d", got) == struct.pack("<d", value)


def test_phis_and_switch_cases_added_after_their_blocks_are_written():
    """llvm_lower fills a phi's incoming values and a switch's cases after emitting
    the blocks that follow them; the text is assembled only when printed."""
    module = ir.Module("late")
    fn = ir.Function(module, ir.FunctionType(_I64, [_I64]), "late_cases")
    entry, one, two, other, end = (fn.append_basic_block(n) for n in ("entry", "one", "two", "other", "end"))
    b = ir.IRBuilder(entry)
    switch = b.switch(fn.args[0], other)
    results = []
    for block, value in ((one, 10), (two, 20), (other, 30)):
        b.position_at_end(block)
        results.append((ir.Constant(_I64, value), block))
        b.branch(end)
    b.position_at_end(end)
    phi = b.phi(_I64)
    b.ret(b.add(phi, ir.Constant(_I64, 1)))
    switch.add_case(ir.Constant(_I64, 1), one)
    switch.add_case(ir.Constant(_I64, 2), two)
    for value, block in results:
        phi.add_incoming(value, block)
    llvm_engine.compile_ir(str(module), "late_cases_test", 1)
    late = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64)(llvm_engine.address("late_cases"))
    assert [late(k) for k in (1, 2, 3, -1)] == [11, 21, 31, 31]
