"""The value types of region code (see llvm_lower.py) and Numba's rules for them.

Region code is the typed Python that codegen.py and the loop optimizer emit
for Numba; llvm_lower.py compiles the same text to LLVM IR. To keep every
result bit-identical whichever compiler runs it, the conversions and the
promotion of mixed operands here are Numba's (numpy's) rules for the types
region code uses: int64/uint64 arithmetic, narrower integers only as
buffer elements, float32/float64 and bool. Anything else is `Unsupported`,
and the region is compiled by Numba instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from vmvxjit.vm.jit import llvm_text as ir


class Unsupported(Exception):
    """Region code this compiler does not translate (the caller falls back to Numba)."""


@dataclass(frozen=True)
class Scalar:
    name: str
    kind: str        # "i" signed, "u" unsigned, "f" float, "b" bool
    bits: int

    @property
    def ir(self):
        if self.kind == "f":
            return ir.FloatType() if self.bits == 32 else ir.DoubleType()
        return ir.IntType(self.bits)


I8, U8, I16, U16 = Scalar("int8", "i", 8), Scalar("uint8", "u", 8), Scalar("int16", "i", 16), Scalar("uint16", "u", 16)
I32, U32, I64, U64 = Scalar("int32", "i", 32), Scalar("uint32", "u", 32), Scalar("int64", "i", 64), Scalar("uint64", "u", 64)
F32, F64, BOOL = Scalar("float32", "f", 32), Scalar("float64", "f", 64), Scalar("bool", "b", 1)
NUMPY = {t.name: t for t in (I8, U8, I16, U16, I32, U32, I64, U64, F32, F64)}


@dataclass(frozen=True)
class Array:
    """A 1-d C array: a pointer and, for views and stack arrays, a length."""
    elem: Scalar


@dataclass(frozen=True)
class DType:
    """An array's `.dtype`, or a numpy scalar type used as one (`np.float32`)."""
    elem: Scalar


@dataclass(frozen=True)
class Tuple:
    """A callee's (status, results...)."""
    items: tuple

    @property
    def ir(self):
        return ir.LiteralStructType([t.ir for t in self.items])


@dataclass
class Value:
    type: object
    value: object            # an ir.Value; for an Array, (pointer, length or None)
    literal: bool = False    # a Python int literal (typed int64, as Numba types it)


def convert(builder: ir.IRBuilder, v: Value, to: Scalar):
    """`v` as a value of `to`, as numpy's casts (np.int64(x), stores into arrays) do."""
    src = v.type
    if not isinstance(src, Scalar):
        raise Unsupported(f"cannot convert {src} to {to.name}")
    x = v.value
    if src == to:
        return x
    if to.kind == "b":
        if src.kind == "f":
            return builder.fcmp_unordered("!=", x, ir.Constant(src.ir, 0.0))
        return builder.icmp_unsigned("!=", x, ir.Constant(src.ir, 0))
    if src.kind == "f":
        if to.kind == "f":
            return builder.fpext(x, to.ir) if to.bits > src.bits else builder.fptrunc(x, to.ir)
        return builder.fptosi(x, to.ir) if to.kind == "i" else builder.fptoui(x, to.ir)
    if to.kind == "f":
        return builder.sitofp(x, to.ir) if src.kind == "i" else builder.uitofp(x, to.ir)
    if to.bits == src.bits:
        return x
    if to.bits < src.bits:
        return builder.trunc(x, to.ir)
    return builder.sext(x, to.ir) if src.kind == "i" else builder.zext(x, to.ir)


def arithmetic(a: Scalar, b: Scalar) -> Scalar:
    """The type two operands are computed in (Numba's promotion for region code's types)."""
    if a.kind == "b":
        a = I64
    if b.kind == "b":
        b = I64
    if a.kind == "f" or b.kind == "f":
        if a.kind == "f" and b.kind == "f":
            return F64 if F64 in (a, b) else F32
        return F64
    if a.kind == b.kind:
        if max(a.bits, b.bits) < 64:
            return I64 if a.kind == "i" else U64
        return a if a.bits >= b.bits else b
    signed, unsigned = (a, b) if a.kind == "i" else (b, a)
    if unsigned.bits < signed.bits or unsigned.bits < 64:
        return I64
    raise Unsupported("mixed int64 and uint64 arithmetic")


def unify(a: Value, b: Value) -> Scalar:
    """The common type of two values meeting in one variable or conditional expression."""
    if a.type == b.type:
        return a.type
    if a.literal and isinstance(b.type, Scalar) and b.type.kind in "iu":
        return b.type
    if b.literal and isinstance(a.type, Scalar) and a.type.kind in "iu":
        return a.type
    if isinstance(a.type, Scalar) and isinstance(b.type, Scalar):
        return arithmetic(a.type, b.type)
    raise Unsupported(f"cannot unify {a.type} and {b.type}")
