"""The vmvx exports compiled VM code calls directly, without Python in between.

`CALLS` maps each such export to how its arguments are laid out (`binary`:
lhs, rhs, out operands; `unary`: in, out; `fill`: value, out) and its
element size. Each kernel is bound to a module-level name
(`kernel_add_2d_f32`) that generated code imports. The other exports
(mmt4d, pack, unpack, query_tile_sizes) do enough work per call that the
Python path costs nothing noticeable.
"""

from __future__ import annotations

from vmvxjit.kernels.module import EXPORTS_BY_NAME

_BINARY = ("add.2d.f32", "sub.2d.f32", "mul.2d.f32", "div.2d.f32", "add.2d.i32", "sub.2d.i32",
           "mul.2d.i32", "and.2d.i32", "or.2d.i32", "xor.2d.i32", "shl.2d.i32", "shrs.2d.i32",
           "shru.2d.i32", "divs.2d.i32", "divu.2d.i32")
_UNARY = ("abs.2d.f32", "neg.2d.f32", "ceil.2d.f32", "floor.2d.f32", "exp.2d.f32", "log.2d.f32",
          "rsqrt.2d.f32", "ctlz.2d.i32", "copy.2d.x32")
_COPIES = {"copy.2d.x8": 1, "copy.2d.x16": 2, "copy.2d.x64": 8}

CALLS = {name: ("binary", 4) for name in _BINARY}
CALLS.update({name: ("unary", 4) for name in _UNARY})
CALLS.update({name: ("unary", size) for name, size in _COPIES.items()})
CALLS["fill.2d.x32"] = ("fill", 4)


def kernel_name(export: str) -> str:
    return "kernel_" + export.replace(".", "_")


for _export in CALLS:
    globals()[kernel_name(_export)] = EXPORTS_BY_NAME[_export].kernel
