"""LLVM IR as text, built directly: the subset of llvmlite.ir that llvm_lower.py uses.

llvmlite.ir builds a Python object per instruction, names and deduplicates
each value, and formats the whole module again when printed; on ShuffleNet's
regions that was ~60% of lowering's time and printing another third. Here an
instruction is one formatted line appended to its block, values are a type
and a reference string, and a module prints by joining lines. The methods
keep llvmlite.ir's names and meaning (builder.add, icmp_signed("<", ...),
Constant(IntType(64), 5)), so the lowering reads as before. Pointers are
LLVM's opaque `ptr`; each pointer value remembers what it points to.
"""

from __future__ import annotations

import struct
from contextlib import contextmanager
from functools import lru_cache


class Type:
    __slots__ = ("text", "pointee", "element", "count", "elements", "bits")

    def __init__(self, text: str, pointee=None, element=None, count=0, elements=(), bits=0):
        self.text, self.pointee, self.element, self.count = text, pointee, element, count
        self.elements, self.bits = elements, bits

    def __str__(self) -> str:
        return self.text

    def as_pointer(self) -> "Type":
        return _pointer(self)


@lru_cache(maxsize=None)
def IntType(bits: int) -> Type:
    return Type(f"i{bits}", bits=bits)


@lru_cache(maxsize=None)
def FloatType() -> Type:
    return Type("float", bits=32)


@lru_cache(maxsize=None)
def DoubleType() -> Type:
    return Type("double", bits=64)


@lru_cache(maxsize=None)
def VoidType() -> Type:
    return Type("void")


@lru_cache(maxsize=None)
def _pointer(pointee: Type) -> Type:
    return Type("ptr", pointee=pointee)


@lru_cache(maxsize=None)
def ArrayType(element: Type, count: int) -> Type:
    return Type(f"[{count} x {element.text}]", element=element, count=count)


def LiteralStructType(elements) -> Type:
    return _struct(tuple(elements))


@lru_cache(maxsize=None)
def _struct(elements: tuple) -> Type:
    return Type("{" + ", ".join(e.text for e in elements) + "}", elements=elements)


class Value:
    """An SSA value or constant: its type and how instructions refer to it."""
    __slots__ = ("type", "ref")

    def __init__(self, type_: Type, ref: str):
        self.type, self.ref = type_, ref


class Undefined:
    """The value of Constant(type, Undefined)."""


def _double_hex(value: float) -> str:
    return "0x%016X" % struct.unpack("<Q", struct.pack("<d", value))[0]


class Constant(Value):
    __slots__ = ("constant",)

    def __init__(self, type_: Type, constant):
        if constant is Undefined:
            ref = "undef"
        elif type_.text == "float":
            ref = _double_hex(struct.unpack("<f", struct.pack("<f", constant))[0])
        elif type_.text == "double":
            ref = _double_hex(constant)
        elif type_.text == "i1":
            ref = "true" if constant else "false"
        elif type_.text == "ptr":
            if constant is not None:
                raise ValueError("the one pointer constant is null (None)")
            ref = "null"
        else:
            ref = str(int(constant))
        super().__init__(type_, ref)
        self.constant = constant


class Block:
    __slots__ = ("name", "lines", "is_terminated", "function")

    def __init__(self, function: "Function", name: str):
        self.function, self.name = function, name
        self.lines: list = []     # strings, and phis/switches completed later
        self.is_terminated = False


class _Phi(Value):
    __slots__ = ("incoming",)

    def __init__(self, type_: Type, ref: str):
        super().__init__(type_, ref)
        self.incoming: list = []

    def add_incoming(self, value: Value, block: Block) -> None:
        self.incoming.append(f"[{value.ref}, %{block.name}]")

    def __str__(self) -> str:
        return f"  {self.ref} = phi {self.type.text} {', '.join(self.incoming)}"


class _Switch:
    __slots__ = ("head", "cases")

    def __init__(self, head: str):
        self.head, self.cases = head, []

    def add_case(self, value: Constant, block: Block) -> None:
        self.cases.append(f"{value.type.text} {value.ref}, label %{block.name}")

    def __str__(self) -> str:
        return f"{self.head} [{' '.join(self.cases)}]"


class Function(Value):
    """A function of `module`; its return type may be set after its body (`return_type`)."""

    def __init__(self, module: "Module", ftype: "FunctionType", name: str):
        super().__init__(_pointer(ftype), f'@"{name}"')
        self.module, self.name, self.ftype = module, name, ftype
        self.return_type = ftype.result
        self.args = [Value(t, f"%a{k}") for k, t in enumerate(ftype.params)]
        self.blocks: list = []
        self.linkage = ""
        self.attributes: set = set()
        self.counter = 0
        module.globals[name] = self

    def append_basic_block(self, name: str = "b") -> Block:
        block = Block(self, f"{name}.{len(self.blocks)}")
        self.blocks.append(block)
        return block

    def fresh(self) -> str:
        self.counter += 1
        return f"%v{self.counter}"

    def __str__(self) -> str:
        params = ", ".join(f"{a.type.text} {a.ref}" for a in self.args)
        linkage = f"{self.linkage} " if self.linkage else ""
        attributes = "".join(f" {a}" for a in sorted(self.attributes))
        if not self.blocks:
            return f"declare {self.return_type.text} {self.ref}({params})"
        body = []
        for block in self.blocks:
            body.append(f"{block.name}:")
            body.extend(line if type(line) is str else str(line) for line in block.lines)
        return (f"define {linkage}{self.return_type.text} {self.ref}({params}){attributes}\n{{\n"
                + "\n".join(body) + "\n}")


class GlobalConstant(Value):
    """A private constant array of `module`, a pointer to its first element."""

    def __init__(self, module: "Module", name: str, element: Type, items: list):
        super().__init__(_pointer(element), f'@"{name}"')
        self.name, self.array = name, ArrayType(element, len(items))
        self.items = ", ".join(f"{element.text} {Constant(element, v).ref}" for v in items)
        module.globals[name] = self

    def __str__(self) -> str:
        return f"{self.ref} = private unnamed_addr constant {self.array.text} [{self.items}]"


class FunctionType:
    __slots__ = ("result", "params")

    def __init__(self, result: Type, params):
        self.result, self.params = result, list(params)


class Module:
    def __init__(self, name: str = ""):
        self.name = name
        self.globals: dict = {}
        self.metadata: list = []      # lines `!N = ...`

    def loop_metadata(self, *properties: str) -> str:
        """A new distinct loop ID (`!llvm.loop`) with `properties` (metadata tuples' text)."""
        ids = [len(self.metadata) + 1 + k for k in range(len(properties))]
        self.metadata += [f"!{n} = !{{{p}}}" for n, p in zip(ids, properties)]
        self.metadata.append(f"!{len(self.metadata) + 1} = distinct !{{!{len(self.metadata) + 1}"
                             + "".join(f", !{n}" for n in ids) + "}")
        return f"!{len(self.metadata)}"

    def __str__(self) -> str:
        return "\n\n".join(str(f) for f in self.globals.values()) + "\n" + "".join(
            line + "\n" for line in self.metadata)


_ICMP = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_FCMP = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


class IRBuilder:
    """Appends instructions at the end of one block at a time (llvmlite.ir.IRBuilder's subset)."""

    def __init__(self, block: Block):
        self.block = block

    @property
    def module(self) -> Module:
        return self.block.function.module

    def position_at_end(self, block: Block) -> None:
        self.block = block

    def append_basic_block(self, name: str = "b") -> Block:
        return self.block.function.append_basic_block(name)

    def _emit(self, type_: Type, text: str) -> Value:
        ref = self.block.function.fresh()
        self.block.lines.append(f"  {ref} = {text}")
        return Value(type_, ref)

    def _binary(self, op: str, a: Value, b: Value) -> Value:
        return self._emit(a.type, f"{op} {a.type.text} {a.ref}, {b.ref}")

    def add(self, a, b): return self._binary("add", a, b)
    def sub(self, a, b): return self._binary("sub", a, b)
    def mul(self, a, b): return self._binary("mul", a, b)
    def sdiv(self, a, b): return self._binary("sdiv", a, b)
    def srem(self, a, b): return self._binary("srem", a, b)
    def udiv(self, a, b): return self._binary("udiv", a, b)
    def urem(self, a, b): return self._binary("urem", a, b)
    def and_(self, a, b): return self._binary("and", a, b)
    def or_(self, a, b): return self._binary("or", a, b)
    def xor(self, a, b): return self._binary("xor", a, b)
    def shl(self, a, b): return self._binary("shl", a, b)
    def ashr(self, a, b): return self._binary("ashr", a, b)
    def lshr(self, a, b): return self._binary("lshr", a, b)
    def fadd(self, a, b): return self._binary("fadd", a, b)
    def fsub(self, a, b): return self._binary("fsub", a, b)
    def fmul(self, a, b): return self._binary("fmul", a, b)
    def fdiv(self, a, b): return self._binary("fdiv", a, b)

    def fneg(self, a: Value) -> Value:
        return self._emit(a.type, f"fneg {a.type.text} {a.ref}")

    def not_(self, a: Value) -> Value:
        return self._emit(a.type, f"xor {a.type.text} {a.ref}, {'true' if a.type.bits == 1 else -1}")

    def icmp_signed(self, op: str, a: Value, b: Value) -> Value:
        cond = _ICMP[op] if op in ("==", "!=") else "s" + _ICMP[op]
        return self._emit(IntType(1), f"icmp {cond} {a.type.text} {a.ref}, {b.ref}")

    def icmp_unsigned(self, op: str, a: Value, b: Value) -> Value:
        cond = _ICMP[op] if op in ("==", "!=") else "u" + _ICMP[op]
        return self._emit(IntType(1), f"icmp {cond} {a.type.text} {a.ref}, {b.ref}")

    def fcmp_ordered(self, op: str, a: Value, b: Value) -> Value:
        cond = "ord" if op == "ord" else "o" + _FCMP[op]
        return self._emit(IntType(1), f"fcmp {cond} {a.type.text} {a.ref}, {b.ref}")

    def fcmp_unordered(self, op: str, a: Value, b: Value) -> Value:
        cond = "uno" if op == "uno" else "u" + _FCMP[op]
        return self._emit(IntType(1), f"fcmp {cond} {a.type.text} {a.ref}, {b.ref}")

    def select(self, cond: Value, a: Value, b: Value) -> Value:
        return self._emit(a.type, f"select i1 {cond.ref}, {a.type.text} {a.ref}, {b.type.text} {b.ref}")

    def _cast(self, op: str, a: Value, to: Type) -> Value:
        return self._emit(to, f"{op} {a.type.text} {a.ref} to {to.text}")

    def zext(self, a, to): return self._cast("zext", a, to)
    def sext(self, a, to): return self._cast("sext", a, to)
    def trunc(self, a, to): return self._cast("trunc", a, to)
    def fpext(self, a, to): return self._cast("fpext", a, to)
    def fptrunc(self, a, to): return self._cast("fptrunc", a, to)
    def fptosi(self, a, to): return self._cast("fptosi", a, to)
    def fptoui(self, a, to): return self._cast("fptoui", a, to)
    def sitofp(self, a, to): return self._cast("sitofp", a, to)
    def uitofp(self, a, to): return self._cast("uitofp", a, to)
    def bitcast(self, a, to): return self._cast("bitcast", a, to)
    def inttoptr(self, a, to): return self._cast("inttoptr", a, to)
    def ptrtoint(self, a, to): return self._cast("ptrtoint", a, to)

    def alloca(self, type_: Type) -> Value:
        return self._emit(_pointer(type_), f"alloca {type_.text}")

    def load(self, pointer: Value) -> Value:
        t = pointer.type.pointee
        return self._emit(t, f"load {t.text}, ptr {pointer.ref}")

    def store(self, value: Value, pointer: Value) -> None:
        self.block.lines.append(f"  store {value.type.text} {value.ref}, ptr {pointer.ref}")

    def gep(self, pointer: Value, indices: list) -> Value:
        """`getelementptr`: one index steps over elements; [0, k] enters an array."""
        pointee = pointer.type.pointee
        result = pointee if len(indices) == 1 else pointee.element
        refs = ", ".join(f"{i.type.text} {i.ref}" for i in indices)
        return self._emit(_pointer(result), f"getelementptr {pointee.text}, ptr {pointer.ref}, {refs}")

    def insert_value(self, aggregate: Value, value: Value, index: int) -> Value:
        t = aggregate.type
        return self._emit(t, f"insertvalue {t.text} {aggregate.ref}, {value.type.text} {value.ref}, {index}")

    def extract_value(self, aggregate: Value, index: int) -> Value:
        t = aggregate.type
        return self._emit(t.elements[index], f"extractvalue {t.text} {aggregate.ref}, {index}")

    def call(self, function: Function, args: list, attributes: str = "") -> Value:
        """A call; `attributes` are the call site's function attributes (`alwaysinline`)."""
        refs = ", ".join(f"{a.type.text} {a.ref}" for a in args)
        tail = f" {attributes}" if attributes else ""
        text = f"call {function.return_type.text} {function.ref}({refs}){tail}"
        if function.return_type.text == "void":
            self.block.lines.append(f"  {text}")
            return None
        return self._emit(function.return_type, text)

    def phi(self, type_: Type) -> Value:
        phi = _Phi(type_, self.block.function.fresh())
        self.block.lines.append(phi)
        return phi

    def _terminate(self, line) -> None:
        self.block.lines.append(line)
        self.block.is_terminated = True

    def branch(self, target: Block, loop: str = "") -> None:
        """`loop`: the loop ID (Module.loop_metadata) when this is a loop's latch."""
        self._terminate(f"  br label %{target.name}" + (f", !llvm.loop {loop}" if loop else ""))

    def cbranch(self, cond: Value, then: Block, other: Block) -> None:
        self._terminate(f"  br i1 {cond.ref}, label %{then.name}, label %{other.name}")

    def switch(self, value: Value, default: Block) -> _Switch:
        switch = _Switch(f"  switch {value.type.text} {value.ref}, label %{default.name}")
        self._terminate(switch)
        return switch

    def ret(self, value: Value) -> None:
        self._terminate(f"  ret {value.type.text} {value.ref}")

    @contextmanager
    def if_then(self, cond: Value):
        then, after = self.append_basic_block("if.then"), self.append_basic_block("if.end")
        self.cbranch(cond, then, after)
        self.position_at_end(then)
        yield
        if not self.block.is_terminated:
            self.branch(after)
        self.position_at_end(after)
