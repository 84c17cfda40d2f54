"""The hal_inline module: where its allocations come from depends on who may touch them."""

import numpy as np
import pytest

from tests.support.modules import DYNAMIC_LLVM, STATIC, compile_mlir
from vmvxjit.api import Module
from vmvxjit.hal_inline.buffer import ALLOCATION_ALIGNMENT
from vmvxjit.hal_inline.memory_pool import MemoryPool
from vmvxjit.hal_inline.module import HalInlineModule
from vmvxjit.runtime import Program

ADD = """
func.func @add(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = arith.addf %a, %b : tensor<4xf32>
  return %0 : tensor<4xf32>
}
"""


@pytest.mark.parametrize("native_code", [True, False])
def test_allocations_are_zeroed_and_exact_either_way(native_code):
    buffer, storage = HalInlineModule(memory=MemoryPool(native_code=native_code)).buffer_allocate(64, 100)
    assert buffer.length == 100 and storage.length == 100 and not buffer.data().any()
    if native_code:   # aligned and guarded for executables' native code
        assert buffer.data().ctypes.data % ALLOCATION_ALIGNMENT == 0
        assert buffer.allocation.base is not None


@pytest.mark.parametrize("flags, native_code", [(STATIC, False), (DYNAMIC_LLVM, True)],
                         ids=["static", "dynamic-llvm"])
def test_programs_with_executables_get_native_code_allocations(flags, native_code):
    program = Program(str(compile_mlir(ADD, flags)))
    hal_inline = next(e for e in program.context.entries if isinstance(e, HalInlineModule))
    assert hal_inline.native_code is native_code
    a = np.arange(4, dtype=np.float32)
    assert np.array_equal(Module(program.module)["add"](a, a), a + a)
