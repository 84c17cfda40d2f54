"""A register-tiled mmt4d inner loop, emitted as LLVM IR (the way IREE's arch tiles are written).

`tile_rows(mode, rows, n0, k0, ...)` accumulates `rows` consecutive rows of
one M0 x N0 output tile over all K: each row is one <N0 x acc> SSA vector
kept in registers across the K loop; per k step the RHS tile (N0 x K0) is
loaded once, split by k0 with shuffles, and each LHS element is broadcast.
Per output element the steps run in (k, k0) order, as in IREE's tile
functions. Numba cannot express values held in vector registers across a
loop, hence the intrinsic; `mode`, `rows`, `n0` and `k0` must be literals.

Modes: FUSED (f32, llvm.fma), UNFUSED (f32, fmul then fadd), WRAPPING
(s8 x s8 sign-extended to i32, wrapping mul and add).
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

FUSED, UNFUSED, WRAPPING = 0, 1, 2

_I32 = ir.IntType(32)
_I64 = ir.IntType(64)


def _splat(builder, value, vector_type):
    first = builder.insert_element(ir.Constant(vector_type, ir.Undefined), value,
                                   ir.Constant(_I32, 0))
    return builder.shuffle_vector(first, first,
                                  ir.Constant(ir.VectorType(_I32, vector_type.count),
                                              [0] * vector_type.count))


@intrinsic
def tile_rows(typingctx, mode, rows, n0, k0, out, out_index, lhs, lhs_index, lhs_k_stride, rhs,
              rhs_index, k, accumulate):
    """Rows [r, r+rows) of one tile: out[out_index + r*n0 + c] (+)= sum over (kk, q) of
    lhs[lhs_index + kk*lhs_k_stride + r*k0 + q] * rhs[rhs_index + kk*n0*k0 + c*k0 + q]."""
    if not all(isinstance(t, types.IntegerLiteral) for t in (mode, rows, n0, k0)):
        return None
    mode_, rows_, n0_, k0_ = (t.literal_value for t in (mode, rows, n0, k0))
    signature = types.void(mode, rows, n0, k0, out, out_index, lhs, lhs_index, lhs_k_stride, rhs,
                           rhs_index, k, accumulate)

    def codegen(context, builder, sig, args):
        out_arg, out_at, lhs_arg, lhs_at, lhs_step, rhs_arg, rhs_at, depth, acc_flag = args[4:]
        out_data = context.make_array(sig.args[4])(context, builder, out_arg).data
        lhs_data = context.make_array(sig.args[6])(context, builder, lhs_arg).data
        rhs_data = context.make_array(sig.args[9])(context, builder, rhs_arg).data
        acc_type = context.get_data_type(sig.args[4].dtype)
        vector = ir.VectorType(acc_type, n0_)
        rhs_vector = ir.VectorType(context.get_data_type(sig.args[9].dtype), n0_ * k0_)

        def vector_pointer(data, index, vector_type):
            return builder.bitcast(builder.gep(data, [index]), vector_type.as_pointer())

        def row_pointer(row):
            return vector_pointer(out_data, builder.add(out_at, ir.Constant(_I64, row * n0_)),
                                  vector)

        # Initial accumulators: the tile rows, or zeros.
        accumulate_ = builder.icmp_unsigned("!=", acc_flag, ir.Constant(acc_flag.type, 0))
        initial = []
        for row in range(rows_):
            loaded = builder.load(row_pointer(row))
            loaded.align = 1
            initial.append(builder.select(accumulate_, loaded, ir.Constant(vector, None)))

        # for kk in range(depth): accumulators are loop-carried SSA values.
        entry = builder.block
        head = builder.append_basic_block("tile.head")
        body = builder.append_basic_block("tile.body")
        done = builder.append_basic_block("tile.done")
        builder.branch(head)
        builder.position_at_end(head)
        kk = builder.phi(_I64)
        kk.add_incoming(ir.Constant(_I64, 0), entry)
        carried = []
        for value in initial:
            phi = builder.phi(vector)
            phi.add_incoming(value, entry)
            carried.append(phi)
        builder.cbranch(builder.icmp_signed("<", kk, depth), body, done)

        builder.position_at_end(body)
        rhs_tile = builder.load(vector_pointer(
            rhs_data, builder.add(rhs_at, builder.mul(kk, ir.Constant(_I64, n0_ * k0_))),
            rhs_vector))
        rhs_tile.align = 1
        lhs_tile = builder.add(lhs_at, builder.mul(kk, lhs_step))
        if mode_ == FUSED:
            fma = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(vector, [vector] * 3), f"llvm.fma.v{n0_}f32")
        updated = list(carried)
        for q in range(k0_):
            column = rhs_tile if k0_ == 1 else builder.shuffle_vector(
                rhs_tile, rhs_tile,
                ir.Constant(ir.VectorType(_I32, n0_), [q + k0_ * c for c in range(n0_)]))
            if mode_ == WRAPPING:
                column = builder.sext(column, vector)
            for row in range(rows_):
                x = builder.load(builder.gep(
                    lhs_data, [builder.add(lhs_tile, ir.Constant(_I64, row * k0_ + q))]))
                if mode_ == WRAPPING:
                    x = builder.sext(x, acc_type)
                x = _splat(builder, x, vector)
                if mode_ == FUSED:
                    updated[row] = builder.call(fma, [x, column, updated[row]])
                elif mode_ == UNFUSED:
                    updated[row] = builder.fadd(updated[row], builder.fmul(x, column))
                else:
                    updated[row] = builder.add(updated[row], builder.mul(x, column))
        kk.add_incoming(builder.add(kk, ir.Constant(_I64, 1)), builder.block)
        for phi, value in zip(carried, updated):
            phi.add_incoming(value, builder.block)
        builder.branch(head)

        builder.position_at_end(done)
        for row, value in enumerate(carried):
            store = builder.store(value, row_pointer(row))
            store.align = 1
        return context.get_dummy_value()

    return signature, codegen
