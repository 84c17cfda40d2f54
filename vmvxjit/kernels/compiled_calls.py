"""The vmvx exports compiled VM code calls directly, without Python in between.

Its tables name each elementwise, copy and fill export once; module.py
builds those exports' rows from them. `CALLS` maps each such export to its argument layout (`binary`: lhs, rhs,
out operands; `unary`: in, out; `fill`: value, out), its element size, and
the expression generated code calls. The expressions name the kernels'
`inline="always"` bodies (`binary_2d(ADDF, ...)`) rather than the exported
kernel closures: every closure of one factory shares a qualified name, so
their cached machine code carries the same symbol names, and linking two of
them into one compiled function would bind both calls to one body. Inlined
bodies have no symbols to collide. The other exports (mmt4d, pack, unpack,
query_tile_sizes) do enough work per call that the Python path costs
nothing noticeable.
"""

from __future__ import annotations

from vmvxjit.kernels import elementwise as _e
from vmvxjit.kernels.copy_fill import copy_2d, fill_2d_x32  # noqa: F401 (used by generated code)
from vmvxjit.kernels.elementwise import _binary_2d as binary_2d  # noqa: F401
from vmvxjit.kernels.elementwise import _unary_2d as unary_2d  # noqa: F401

FILL_X32 = "fill.2d.x32"
# export -> elementwise opcode, or (element size, dtype) for copies
BINARY_X32 = {"add.2d.f32": _e.ADDF, "sub.2d.f32": _e.SUBF, "mul.2d.f32": _e.MULF,
              "div.2d.f32": _e.DIVF, "add.2d.i32": _e.ADDI, "sub.2d.i32": _e.SUBI,
              "mul.2d.i32": _e.MULI, "and.2d.i32": _e.ANDI, "or.2d.i32": _e.ORI,
              "xor.2d.i32": _e.XORI, "shl.2d.i32": _e.SHLI, "shrs.2d.i32": _e.SHRSI,
              "shru.2d.i32": _e.SHRUI, "divs.2d.i32": _e.DIVSI, "divu.2d.i32": _e.DIVUI}
UNARY_X32 = {"abs.2d.f32": _e.ABSF, "neg.2d.f32": _e.NEGF, "ceil.2d.f32": _e.CEILF,
             "floor.2d.f32": _e.FLOORF, "exp.2d.f32": _e.EXPF, "log.2d.f32": _e.LOGF,
             "rsqrt.2d.f32": _e.RSQRTF, "ctlz.2d.i32": _e.CTLZ}
COPIES = {"copy.2d.x8": (1, "np.uint8"), "copy.2d.x16": (2, "np.uint16"),
          "copy.2d.x32": (4, "np.uint32"), "copy.2d.x64": (8, "np.uint64")}

# export -> (layout, element size, callee expression taking the operands after it)
CALLS = {name: ("binary", 4, f"binary_2d({op}, ") for name, op in BINARY_X32.items()}
CALLS.update({name: ("unary", 4, f"unary_2d({op}, ") for name, op in UNARY_X32.items()})
CALLS.update({name: ("unary", size, f"copy_2d({dtype}, {size}, ")
              for name, (size, dtype) in COPIES.items()})
CALLS[FILL_X32] = ("fill", 4, "fill_2d_x32(")
