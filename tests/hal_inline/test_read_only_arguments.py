"""Which arguments a function can neither write nor let out of the call, on
programs iree-compile makes."""

import pytest

from tests.support.modules import DYNAMIC_LLVM, STATIC, compile_mlir
from vmvxjit.hal_inline.read_only_arguments import read_only_arguments
from vmvxjit.vm.bytecode_module import BytecodeModule

ADD = """
func.func @f(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = arith.addf %a, %b : tensor<4xf32>
  return %0 : tensor<4xf32>
}
"""
# %a is a result: it must not alias the caller's array.
RETURNED = """
func.func @f(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = arith.addf %a, %b : tensor<4xf32>
  return %a, %0 : tensor<4xf32>, tensor<4xf32>
}
"""
# %b is where the result is stored.
TIED = """
func.func @f(%a: tensor<4xf32>, %b: tensor<4xf32> {iree.abi.output = 0 : index}) -> tensor<4xf32> {
  %0 = arith.addf %a, %a : tensor<4xf32>
  return %0 : tensor<4xf32>
}
"""
# The global gets a copy of %a (vm.buffer.copy from it): %a is only read.
STORED = """
util.global private mutable @state = dense<0.0> : tensor<4xf32>
func.func @f(%a: tensor<4xf32>) {
  util.global.store %a, @state : tensor<4xf32>
  return
}
func.func @get() -> tensor<4xf32> {
  %s = util.global.load @state : tensor<4xf32>
  return %s : tensor<4xf32>
}
"""
# A dynamic shape: the loop bounds come from buffer_view.dim.
DYNAMIC = """
func.func @f(%a: tensor<?xf32>, %n: i32) -> tensor<?xf32> {
  %0 = arith.addf %a, %a : tensor<?xf32>
  return %0 : tensor<?xf32>
}
"""


@pytest.mark.parametrize("source, read_only", [(ADD, {0, 1}), (RETURNED, {1}), (TIED, {0}),
                                               (STORED, {0}), (DYNAMIC, {0})],
                         ids=["add", "returned", "tied-output", "copied-to-global", "dynamic"])
def test_read_only_arguments_of_static_programs(source, read_only):
    module = BytecodeModule.load(str(compile_mlir(source, STATIC)))
    assert read_only_arguments(module, module.exports["f"]) == read_only


def test_no_argument_is_read_only_where_executables_bind_it():
    """A dispatch may write any binding: nothing in the module says which it writes."""
    module = BytecodeModule.load(str(compile_mlir(ADD, DYNAMIC_LLVM)))
    assert read_only_arguments(module, module.exports["f"]) == frozenset()
