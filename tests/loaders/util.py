"""Shared test data for the loader tests: compiled llvm-cpu executables, aligned arrays."""

from __future__ import annotations

import numpy as np

from tests.support import modules
from vmvxjit.vm.module_def import load_module_def

# One module, four dispatches (all linked into one executable library):
#   add     3 bindings, 1x1x1 workgroups
#   matmul  3 bindings, 2x1x1
#   rowsum  2 bindings, 8x1x1
#   dynmul  3 bindings, ceil(n/4096)x1x1, constants (n_b lo, n_b hi, n_a lo, n_a hi)
# (learned from `iree-dump-module`: the `hal_loader.executable.dispatch` calls).
SUITE = """\
func.func @add(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = arith.addf %a, %b : tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func @matmul(%a: tensor<16x16xf32>, %b: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x16xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<16x16xf32>) -> tensor<16x16xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<16x16xf32>, tensor<16x16xf32>)
                     outs(%z : tensor<16x16xf32>) -> tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}
func.func @rowsum(%a: tensor<8x32xf32>) -> tensor<8xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                       iterator_types = ["parallel", "reduction"]}
       ins(%a : tensor<8x32xf32>) outs(%z : tensor<8xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %x, %acc : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %0 : tensor<8xf32>
}
func.func @dynmul(%a: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
  %0 = arith.mulf %a, %b : tensor<?xf32>
  return %0 : tensor<?xf32>
}
"""

_GENERIC = modules.DYNAMIC_LLVM
_HOST = [flag for flag in _GENERIC if not flag.startswith("--iree-llvmcpu-target-cpu=")] + [
    "--iree-llvmcpu-target-cpu=host"]
VARIANTS = {
    "generic": _GENERIC,
    "host": _HOST,
    "system": _GENERIC + ["--iree-llvmcpu-link-embedded=false"],
}


def suite_executable(variant: str) -> tuple[str, np.ndarray]:
    """(format, ELF bytes) of the suite's executable compiled as `variant`."""
    module = load_module_def(modules.compile_mlir(SUITE, VARIANTS[variant]))
    formats = [bytes(segment).decode() for segment in module.rodata
               if bytes(segment[:7]) in (b"embedde", b"system-")]
    blobs = [segment for segment in module.rodata if bytes(segment[:4]) == b"\x7fELF"]
    assert len(formats) == 1 and len(blobs) == 1
    return formats[0], blobs[0]


def aligned_bytes(array, readonly: bool = False) -> np.ndarray:
    """A 64-byte aligned uint8 copy of `array` (llvm-cpu code assumes aligned bindings)."""
    data = np.ascontiguousarray(array).view(np.uint8).reshape(-1)
    storage = np.zeros(data.size + 64, np.uint8)
    start = -storage.ctypes.data % 64
    view = storage[start:start + data.size]
    view[:] = data
    view.flags.writeable = not readonly
    return view
