"""The `vmvx` native module (version 0): IREE 3.13's VMVX microkernel exports.

`EXPORTS` is the whole module: one row per export with its calling
convention, the argument shim that checks the arguments like IREE's
module.c, and the njit kernel it runs (compiled VM code calls the kernels'
inlined bodies directly after the same checks, see compiled_calls.py and
buffer_regions.py). Where IREE's release build would crash, hang or touch memory
outside the checked regions, we raise instead: ArithmeticFault for integer
division faults (SIGFPE in IREE), INVALID_ARGUMENT where IREE's debug-build
ukernel validation would assert.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from vmvxjit.errors import ArithmeticFault, InvalidArgumentError
from vmvxjit.kernels import copy_fill, elementwise, mmt4d, pack, tile_sizes
from vmvxjit.kernels.compiled_calls import BINARY_X32, COPIES, FILL_X32, UNARY_X32
from vmvxjit.kernels.cpu import cpu_level
from vmvxjit.kernels.buffer_regions import check_region
from vmvxjit.vm.native_module import NativeModule, export

_U64_MASK = (1 << 64) - 1
_U32_LIMIT = 1 << 32


def _host_size(value: int) -> int:
    """`value` as IREE's size_t arithmetic leaves it (mod 2**64), read back as int64."""
    value &= _U64_MASK
    return value - (1 << 64) if value >> 63 else value


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidArgumentError(message)


# Argument shims: shim(name, kernel) -> method(self, *cconv args). ---------------


def _binary_x32(name: str, kernel) -> Callable:
    def method(self, lhs, lhs_offset, lhs_stride0, lhs_stride1, rhs, rhs_offset, rhs_stride0,
               rhs_stride1, out, out_offset, out_stride0, out_stride1, size0, size1):
        lhs_data = check_region(lhs, "lhs", 4, lhs_offset, lhs_stride0, lhs_stride1, size0, size1)
        rhs_data = check_region(rhs, "rhs", 4, rhs_offset, rhs_stride0, rhs_stride1, size0, size1)
        out_data = check_region(out, "out", 4, out_offset, out_stride0, out_stride1, size0, size1,
                                writable=True)
        status = kernel(lhs_data, lhs_offset, lhs_stride0, lhs_stride1, rhs_data, rhs_offset,
                        rhs_stride0, rhs_stride1, out_data, out_offset, out_stride0, out_stride1,
                        size0, size1)
        if status != elementwise.OK:
            raise ArithmeticFault(f"vmvx.{name}: integer division by zero or INT_MIN / -1")

    return method


def _unary(element_size: int) -> Callable:
    def shim(name: str, kernel) -> Callable:
        def method(self, src, src_offset, src_stride0, src_stride1, out, out_offset, out_stride0,
                   out_stride1, size0, size1):
            src_data = check_region(src, "in", element_size, src_offset, src_stride0, src_stride1,
                                    size0, size1)
            out_data = check_region(out, "out", element_size, out_offset, out_stride0,
                                    out_stride1, size0, size1, writable=True)
            kernel(src_data, src_offset, src_stride0, src_stride1, out_data, out_offset,
                   out_stride0, out_stride1, size0, size1)

        return method

    return shim


def _fill(name: str, kernel) -> Callable:
    def method(self, value, out, out_offset, out_row_stride, size0, size1):
        out_data = check_region(out, "out", 4, out_offset, out_row_stride, 1, size0, size1,
                                writable=True)
        kernel(value, out_data, out_offset, out_row_stride, size0, size1)

    return method


def _mmt4d(name: str, kernel_for) -> Callable:
    def method(self, lhs, lhs_offset, lhs_row_stride, rhs, rhs_offset, rhs_row_stride, out,
               out_offset, out_row_stride, m, n, k, m0, n0, k0, flags):
        mmt4d_type = flags & mmt4d.TYPE_MASK
        if mmt4d_type not in (mmt4d.TYPE_F32F32F32, mmt4d.TYPE_S8S8S32):
            raise InvalidArgumentError("unhandled flags")
        in_size = 4 if mmt4d_type == mmt4d.TYPE_F32F32F32 else 1
        lhs_data = check_region(lhs, "lhs", in_size, lhs_offset, lhs_row_stride, 1, m,
                                _host_size(k * m0 * k0))
        rhs_data = check_region(rhs, "rhs", in_size, rhs_offset, rhs_row_stride, 1, n,
                                _host_size(k * n0 * k0))
        out_data = check_region(out, "out", 4, out_offset, out_row_stride, 1, m,
                                _host_size(n * m0 * n0), writable=True)
        accumulate = bool(flags & mmt4d.ACCUMULATE)
        if m == 0 or n == 0 or (k == 0 and accumulate):
            return
        _require(m < 1 << 31 and n < 1 << 31 and 0 <= k < 1 << 31,
                 "mmt4d: M, N, K must be in [0, 2^31)")
        _require(all(0 <= size < 1 << 15 for size in (m0, n0, k0)),
                 "mmt4d: M0, N0, K0 must be in [0, 2^15)")
        fused = mmt4d.has_arch_tile(mmt4d_type, m0, n0, k0, cpu_level())
        _require(fused or bool(flags & mmt4d.ALLOW_GENERIC_FALLBACK),
                 "no target-specific tile function, and fallback not enabled.")
        kernel_for(mmt4d_type, n0, k0, fused)(
            lhs_data, lhs_offset, lhs_row_stride, rhs_data, rhs_offset, rhs_row_stride, out_data,
            out_offset, out_row_stride, m, n, k, m0, n0, k0, accumulate)

    return method


def _tiles_cover(tiled_sizes, transpose_inner: bool, transpose_outer: bool, rows: int,
                 cols: int) -> None:
    """IREE's (debug) ukernel validation: the tiles exactly fit size_t and cover the matrix."""
    size0, size1, size2, size3 = tiled_sizes
    _require(min(tiled_sizes) >= 0 and size1 * size2 * size3 < _U32_LIMIT,
             "tiled sizes must be non-negative and fit in 32 bits")
    n0, n1, t0, t1 = pack.tiled_layout(size0, size1, size2, size3, transpose_inner,
                                       transpose_outer)
    _require(n0 * t0 >= rows and n1 * t1 >= cols, "tiles do not cover the matrix")


def _element_size(flags: int, sizes: dict) -> int:
    size = sizes.get(flags & pack.TYPE_MASK)
    if size is None:
        raise InvalidArgumentError("unhandled flags")
    return size


_PACK_ELEMENT_SIZES = {pack.TYPE_F32: 4, pack.TYPE_I32: 4, pack.TYPE_I8: 1}
_UNPACK_ELEMENT_SIZES = {pack.TYPE_F32: 4, pack.TYPE_I32: 4}


def _pack(name: str, kernel) -> Callable:
    def method(self, src, src_offset, src_stride0, src_stride1, out, out_offset, out_stride0,
               out_stride1, in_size0, in_size1, out_size0, out_size1, out_size2, out_size3,
               padding_value, flags):
        element_size = _element_size(flags, _PACK_ELEMENT_SIZES)
        src_data = check_region(src, "in", element_size, src_offset, src_stride0, src_stride1,
                                in_size0, in_size1)
        out_data = check_region(out, "out", element_size, out_offset, out_stride0, 1, out_size0,
                                _host_size(out_size1 * out_size2 * out_size3), writable=True)
        if 0 in (out_size0, out_size1, out_size2, out_size3):
            return
        inner = bool(flags & pack.TRANSPOSE_INNER)
        outer = bool(flags & pack.TRANSPOSE_OUTER)
        _tiles_cover((out_size0, out_size1, out_size2, out_size3), inner, outer, in_size0,
                     in_size1)
        kernel(src_data, src_offset, src_stride0, src_stride1, out_data, out_offset, out_stride0,
               in_size0, in_size1, out_size0, out_size1, out_size2, out_size3, padding_value,
               element_size, inner, outer)

    return method


def _unpack(name: str, kernel) -> Callable:
    def method(self, src, src_offset, src_stride0, src_stride1, out, out_offset, out_stride0,
               out_stride1, in_size0, in_size1, in_size2, in_size3, out_size0, out_size1, flags):
        element_size = _element_size(flags, _UNPACK_ELEMENT_SIZES)
        src_data = check_region(src, "in", element_size, src_offset, src_stride0, 1, in_size0,
                                _host_size(in_size1 * in_size2 * in_size3))
        out_data = check_region(out, "out", element_size, out_offset, out_stride0, out_stride1,
                                out_size0, out_size1, writable=True)
        if out_size0 == 0 or out_size1 == 0:
            return
        inner = bool(flags & pack.TRANSPOSE_INNER)
        outer = bool(flags & pack.TRANSPOSE_OUTER)
        _tiles_cover((in_size0, in_size1, in_size2, in_size3), inner, outer, out_size0,
                     out_size1)
        kernel(src_data, src_offset, src_stride0, out_data, out_offset, out_stride0, out_stride1,
               in_size0, in_size1, in_size2, in_size3, out_size0, out_size1, inner, outer)

    return method


def _query_tile_sizes(name: str, kernel) -> Callable:
    def method(self, size0, size1, flags):
        return kernel(flags, cpu_level())

    return method


# The export table. ---------------------------------------------------------------


class Export(NamedTuple):
    """One vmvx export: `shim(name, kernel)` builds the method that checks and runs it."""

    name: str
    cconv: str
    shim: Callable
    kernel: Callable  # the njit kernel; for mmt4d, mmt4d_kernel(type, n0, k0, fused) picks one


_X32B = "0rIIIrIIIrIIIII_v"
_X32U = "0rIIIrIIIII_v"
# Elementwise kernel factories (by opcode).
_B, _U = elementwise.binary_kernel, elementwise.unary_kernel

# Sorted by name, as IREE's module.c lists them; the elementwise, copy and fill
# exports come from compiled_calls.py's tables, which compiled VM code calls by.
EXPORTS = tuple(sorted((
    *(Export(name, _X32B, _binary_x32, _B(op)) for name, op in BINARY_X32.items()),
    *(Export(name, _X32U, _unary(4), _U(op)) for name, op in UNARY_X32.items()),
    *(Export(name, _X32U, _unary(size), copy_fill.copy_kernel(size))
      for name, (size, _) in COPIES.items()),
    Export(FILL_X32, "0irIIII_v", _fill, copy_fill.fill_2d_x32),
    Export("mmt4d", "0rIIrIIrIIIIIiiii_v", _mmt4d, mmt4d.mmt4d_kernel),
    Export("pack", "0rIIIrIIIIIIIIIIi_v", _pack, pack.pack),
    Export("query_tile_sizes.2d", "0IIi_II", _query_tile_sizes, tile_sizes.query_tile_sizes_2d),
    Export("unpack", "0rIIIrIIIIIIIIIi_v", _unpack, pack.unpack),
)))
EXPORTS_BY_NAME = {row.name: row for row in EXPORTS}


def _export_methods() -> dict[str, Callable]:
    """One `@export`-marked method per table row, named after the export."""
    return {
        "export_" + row.name.replace(".", "_"): export(row.name, row.cconv)(
            row.shim(row.name, row.kernel))
        for row in EXPORTS
    }


class VmvxModule(NativeModule):
    """The `vmvx` module every VMVX executable imports from."""

    name = "vmvx"
    version = 0
    locals().update(_export_methods())
