"""Compiles region code — the typed Python codegen.py emits — to LLVM IR, without Numba.

Region code is a small language: int64/uint64/float32/float64/bool locals
whose type is fixed by their first assignment, 1-d arrays (the region's
int64/float64 argument arrays, `carray` views of buffers, `stack_array`s),
`if`/`while`/`for ... in range(...)` with `break`/`continue` (`vector_range(n)`:
a loop of `n` iterations LLVM vectorizes at width `n` and never unrolls), the
primitives of llvm_builtins.py, and calls of the functions defined in the
same source or in helpers.py and expf.py (helper_library.py, which also
gives the constants expf.py reads). Each construct keeps its
Numba meaning (wrapping int64 arithmetic, Python's floor `//` and `%`,
numpy's casts and promotions, short-circuit `and`/`or`), so a region gives
the same bits whichever compiler built it; what this module does not know
raises `Unsupported`.

Numba spends seconds per region in its Python front end (type inference,
SSA, lowering); this walks the text once and writes LLVM IR text as it goes
(llvm_text.py), so a region lowers in milliseconds and LLVM's own work is
most of the compile time.
"""

from __future__ import annotations

import ast

import numpy as np

from vmvxjit.native import heap
from vmvxjit.vm.jit import ast_parsing, helper_library, llvm_text as ir

from vmvxjit.vm.jit.llvm_builtins import BUILTINS, CONSTANTS, declare
from vmvxjit.vm.jit.llvm_types import (BOOL, F64, I64, NUMPY, Array, DType, Scalar, Tuple,
                                       Unsupported, Value, arithmetic, convert, unify)

_I64 = ir.IntType(64)
_BYTES = ir.IntType(8).as_pointer()

# Parameters of the region function (codegen.generate) and of a VMVX entry function
# (vmvx_entry_code.generate_entry), by name, and their types.
REGION_PARAMS = {"entry": I64, "ri": Array(I64), "rf": Array(F64), "tags": Array(I64),
                 "addrs": Array(I64), "lens": Array(I64), "mut": Array(I64), "err": Array(I64),
                 "counts": Array(I64)}
ENTRY_PARAMS = {**{name: I64 for name in ("first_x", "end_x", "first_y", "end_y", "first_z", "end_z",
                                          "count_x", "count_y", "count_z", "nbind")},
                "taddr": Array(I64), "tlen": Array(I64), "tmut": Array(I64),
                "err": Array(I64), "counts": Array(I64)}

_ICMP = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


def _lit(n: int) -> Value:
    if not -(1 << 63) <= n < (1 << 63):
        raise Unsupported(f"integer literal {n} out of int64 range")
    return Value(I64, ir.Constant(_I64, n), literal=True)


class ModuleLowering:
    """The LLVM module of one region source: its region function and the callees it calls."""

    def __init__(self, source: str, prefix: str, array_lengths: dict):
        # Only the functions are lowered: the module's import lines (a tenth of a
        # region's text) are not parsed.
        functions = 0 if source.startswith("@") else source.find("\n@") + 1
        self.tree = {node.name: node for node in ast_parsing.parse(source[functions:]).body
                     if isinstance(node, ast.FunctionDef)}
        self.module = ir.Module(name=prefix)
        self.prefix = prefix
        self.array_lengths = array_lengths     # parameter name -> its known length (err)
        self.lowered: dict = {}                # (name, argument types) -> (ir.Function, result type)

    def symbol(self, name: str) -> str:
        return f"{self.prefix}_{name}"

    def region(self, name: str) -> str:
        """Lowers the function `name` with region or VMVX entry parameters (REGION_PARAMS,
        ENTRY_PARAMS); returns its symbol."""
        node = self.tree[name]
        params = ENTRY_PARAMS if node.args.args[0].arg in ENTRY_PARAMS else REGION_PARAMS
        types = [params[a.arg] for a in node.args.args]
        fn, _ = self.function(name, types, exported=True)
        return fn.name

    def constant(self, name: str) -> Value:
        """helper_library's constant `name` as Numba types a global: a float64 or
        float32 literal, or a table kept once in the module as a private constant."""
        value = helper_library.constants()[name]
        t = F64 if isinstance(value, float) else NUMPY[value.dtype.name]
        if isinstance(value, np.ndarray):
            table = self.module.globals.get(self.symbol(name))
            if table is None:
                table = ir.GlobalConstant(self.module, self.symbol(name), t.ir, value.tolist())
            return Value(Array(t), (table, ir.Constant(_I64, len(value))))
        return Value(t, ir.Constant(t.ir, float(value)))

    def function(self, name: str, types: list, exported: bool = False, from_helper: bool = False):
        """`name` defined in the source, or else in the helper library, lowered for
        `types`. A helper is one function at every level: what it calls (`from_helper`)
        is always inlined into it, as Numba inlines helpers (inline="always"), since the
        quick level has no other inliner (llvm_engine.LEVELS). Region code's calls of
        helpers are inlined from level 2 on (a hint: expf's ~40 instructions, called a
        dozen times in a softmax region, are then inlined and vectorizable); at the quick
        level they stay calls, which compile faster (softmax: 47 -> 43 ms). A call inside
        a `for` loop (the optimizers' loops, which LLVM should vectorize) is inlined from
        level 2 on whatever LLVM's inliner estimates (call_function)."""
        key = (name, tuple(types))
        if key not in self.lowered:
            node = self.tree.get(name)
            lowering = _FunctionLowering(self, node or helper_library.definitions()[name], types, exported)
            fn, result = self.lowered[key] = lowering.lower()
            if node is None and not exported:
                fn.attributes.add("alwaysinline" if from_helper else "inlinehint")
        return self.lowered[key]


class _FunctionLowering:
    def __init__(self, owner: ModuleLowering, node: ast.FunctionDef, types: list, exported: bool):
        self.owner, self.node, self.module = owner, node, owner.module
        self.param_types = types
        self.exported = exported
        self.locals: dict = {}          # name -> (type, storage)
        self.loops: list = []           # (continue block, break block, dispatch arms or None)
        self.literal_store = None       # (block, name, value) of the last `name = <int>` statement
        self.known_blocks = None        # (block, name, ids): the last `name = <int>` or
                                        # `name = entry_block(e, ids)` statement
        self.wide_dispatch = False      # a block loop's head was reached with an unknown block
        self.unreached: set = set()     # blocks no branch reaches (after an `if` both of whose sides leave)
        self.stored_block, self.stored = None, {}   # values stored to locals in the current block
        self.result: object = None      # the return type, fixed by the first return
        self.for_depth = 0              # `for` loops around the statement being lowered
        self.owned: dict = {}           # name -> slot of the heap array its `np.zeros` made (heap_zeros)

    # setup ---------------------------------------------------------------------------------

    def lower(self):
        """Lowers the body; the result type is known only after it (the first
        `return` fixes it), so returns store to a slot read by one exit block
        and the function's type is set last."""
        params = [t.elem.ir.as_pointer() if isinstance(t, Array) else t.ir for t in self.param_types]
        suffix = "" if self.exported else f"_{len(self.owner.lowered)}"
        self.fn = ir.Function(self.module, ir.FunctionType(ir.VoidType(), params),
                              self.owner.symbol(self.node.name + suffix))
        if not self.exported:
            self.fn.linkage = "internal"
        self.entry = self.fn.append_basic_block("entry")
        self.allocas = ir.IRBuilder(self.entry)
        start = self.fn.append_basic_block("start")
        self.exit = self.fn.append_basic_block("exit")
        self.builder = ir.IRBuilder(start)
        for arg, t, a in zip(self.node.args.args, self.param_types, self.fn.args):
            if isinstance(t, Array):
                length = self.owner.array_lengths.get(arg.arg)
                value = Value(t, (a, None if length is None else ir.Constant(_I64, length)))
            else:
                value = Value(t, a)
            self.assign(arg.arg, value)
        self.block(self.node.body[1:] if ast.get_docstring(self.node) else self.node.body)
        if not self.builder.block.is_terminated or self.result is None:
            raise Unsupported(f"{self.node.name} can end without a return")
        self.allocas.branch(start)
        exit_builder = ir.IRBuilder(self.exit)
        for slot in self.owned.values():
            exit_builder.call(self.heap(heap.FREE), [exit_builder.load(slot)])
        exit_builder.ret(exit_builder.load(self.result_slot))
        self.fn.return_type = self.result.ir
        return self.fn, self.result

    def return_(self, value: Value) -> None:
        b = self.builder
        if self.result is None:
            if not isinstance(value.type, (Scalar, Tuple)):
                raise Unsupported(f"return of a {value.type}")
            self.result = value.type
            self.result_slot = self.entry_alloca(value.type.ir)
        if value.type == self.result:
            b.store(value.value, self.result_slot)
        elif isinstance(self.result, Scalar) and (value.literal or unify(Value(self.result, None), value) == self.result):
            b.store(convert(b, value, self.result), self.result_slot)
        else:
            raise Unsupported(f"returns of {self.result} and {value.type}")
        b.branch(self.exit)

    def entry_alloca(self, t):
        return self.allocas.alloca(t)

    def heap(self, name: str):
        """native/heap.py's `calloc` or `free`, declared in the module."""
        if name == heap.CALLOC:
            return declare(self.module, name, _BYTES, [_I64, _I64])
        return declare(self.module, name, ir.VoidType(), [_BYTES])

    def heap_zeros(self, name: str, node: ast.Call) -> None:
        """`name = np.zeros(n, dtype)`: an array from the heap that `name` owns, as
        Numba's is owned by its references: the site's previous array is freed when it
        allocates again, and the last when the function returns (generated code keeps
        no other reference to one). A failed allocation gives an array of length 0,
        whose every access the code's checks refuse."""
        count, dtype = (self.expr(a) for a in node.args)
        if not isinstance(dtype.type, DType):
            raise Unsupported("np.zeros takes a count and a dtype")
        elem = dtype.type.elem
        b = self.builder
        slot = self.owned.get(name)
        if slot is None:
            slot = self.owned[name] = self.entry_alloca(_BYTES)
            self.allocas.store(ir.Constant(_BYTES, None), slot)
        b.call(self.heap(heap.FREE), [b.load(slot)])
        n = convert(b, count, I64)
        memory = b.call(self.heap(heap.CALLOC), [n, ir.Constant(_I64, (elem.bits + 7) // 8)])
        b.store(memory, slot)
        length = b.select(b.icmp_unsigned("==", memory, ir.Constant(_BYTES, None)), ir.Constant(_I64, 0), n)
        self.assign(name, Value(Array(elem), (b.bitcast(memory, elem.ir.as_pointer()), length)))

    # variables -----------------------------------------------------------------------------

    def assign(self, name: str, value: Value) -> None:
        self.literal_store = None
        known = self.locals.get(name)
        b = self.builder
        if known is None:
            t = value.type
            if isinstance(t, Array):
                storage = (self.entry_alloca(t.elem.ir.as_pointer()), self.entry_alloca(_I64))
            elif isinstance(t, (Scalar, Tuple)):
                storage = self.entry_alloca(t.ir)
            else:
                raise Unsupported(f"cannot assign a {t} to {name}")
            self.locals[name] = known = (t, storage)
        t, storage = known
        stored = self.stored_values()
        if isinstance(t, Array):
            if value.type != t:
                raise Unsupported(f"{name} is a {t}, assigned a {value.type}")
            pointer, length = value.value
            b.store(pointer, storage[0])
            stored.pop(name, None)
            if length is not None:
                b.store(length, storage[1])
                stored[name] = Value(t, (pointer, length))
        elif isinstance(t, Tuple):
            if value.type != t:
                raise Unsupported(f"{name} is a {t}, assigned a {value.type}")
            b.store(value.value, storage)
            stored[name] = Value(t, value.value)
        else:
            if value.type != t and not (value.literal and t.kind in "iuf") and unify(
                    Value(t, None), value) != t:
                raise Unsupported(f"{name} is {t.name}, assigned a {value.type}")
            item = convert(b, value, t)
            b.store(item, storage)
            stored[name] = Value(t, item)

    def stored_values(self) -> dict:
        """What was stored to locals earlier in the current basic block: read back
        without a load (2% fewer instructions on ShuffleNet's regions; most loads read
        values stored in other blocks)."""
        if self.builder.block is not self.stored_block:
            self.stored_block, self.stored = self.builder.block, {}
        return self.stored

    def load(self, name: str) -> Value:
        stored = self.stored_values().get(name)
        if stored is not None:
            return stored
        if name in self.locals:
            t, storage = self.locals[name]
            b = self.builder
            if isinstance(t, Array):
                return Value(t, (b.load(storage[0]), b.load(storage[1])))
            return Value(t, b.load(storage))
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in helper_library.constants():
            return self.owner.constant(name)
        raise Unsupported(f"unknown name {name}")

    # statements ----------------------------------------------------------------------------

    def block(self, statements) -> None:
        for statement in statements:
            if self.builder.block.is_terminated:
                self.builder.position_at_end(self.fn.append_basic_block("dead"))
                self.unreached.add(self.builder.block)
            self.statement(statement)

    def statement(self, s) -> None:
        lower = _STATEMENTS.get(type(s))
        if lower is None:
            raise Unsupported(f"statement {type(s).__name__}")
        lower(self, s)

    def assign_statement(self, s: ast.Assign) -> None:
        if len(s.targets) != 1:
            raise Unsupported("chained assignment")
        target = s.targets[0]
        if isinstance(target, ast.Name) and _is_np_zeros(s.value):
            self.heap_zeros(target.id, s.value)
            return
        self.store(target, self.expr(s.value))
        if isinstance(target, ast.Name) and isinstance(s.value, ast.Constant) and type(s.value.value) is int:
            self.literal_store = (self.builder.block, target.id, s.value.value)
        ids = _block_ids(s.value)
        if isinstance(target, ast.Name) and ids is not None:
            self.known_blocks = (self.builder.block, target.id, ids)

    def store(self, target, value: Value) -> None:
        if isinstance(target, ast.Name):
            self.assign(target.id, value)
            return
        if not isinstance(target, ast.Subscript):
            raise Unsupported(f"assignment to {type(target).__name__}")
        array = self.expr(target.value)
        if not isinstance(array.type, Array):
            raise Unsupported("item assignment to a non-array")
        elem = array.type.elem
        b = self.builder
        item = convert(b, value, elem)
        if isinstance(target.slice, ast.Slice):
            self.fill(array, target.slice, item)
            return
        b.store(item, b.gep(array.value[0], [convert(b, self.expr(target.slice), I64)]))

    def fill(self, array: Value, bounds: ast.Slice, item) -> None:
        """`view[a:b] = x` (codegen checks the bounds first)."""
        b = self.builder
        start = ir.Constant(_I64, 0) if bounds.lower is None else convert(b, self.expr(bounds.lower), I64)
        stop = convert(b, self.expr(bounds.upper), I64)
        counter = self.entry_alloca(_I64)
        b.store(start, counter)
        head, body, after = (self.fn.append_basic_block(n) for n in ("fill", "fill_body", "fill_end"))
        b.branch(head)
        b.position_at_end(head)
        i = b.load(counter)
        b.cbranch(b.icmp_signed("<", i, stop), body, after)
        b.position_at_end(body)
        b.store(item, b.gep(array.value[0], [i]))
        b.store(b.add(i, ir.Constant(_I64, 1)), counter)
        b.branch(head)
        b.position_at_end(after)

    def if_(self, s: ast.If) -> None:
        b = self.builder
        then, other, after = (self.fn.append_basic_block(n) for n in ("then", "else", "endif"))
        b.cbranch(self.truth(s.test), then, other)
        joined = False
        for block, body in ((then, s.body), (other, s.orelse)):
            b.position_at_end(block)
            self.block(body)
            if not b.block.is_terminated:
                b.branch(after)
                joined = True
        b.position_at_end(after)
        if not joined:
            self.unreached.add(after)

    def while_(self, s: ast.While) -> None:
        if s.orelse:
            raise Unsupported("while ... else")
        dispatch = _dispatch_arms(s)
        if dispatch is not None:
            self.dispatch(*dispatch)
            return
        b = self.builder
        head, body, after = (self.fn.append_basic_block(n) for n in ("while", "body", "endwhile"))
        b.branch(head)
        b.position_at_end(head)
        b.cbranch(self.truth(s.test), body, after)
        b.position_at_end(body)
        self.loop_body(s.body, head, after)
        b.position_at_end(after)

    def dispatch(self, name: str, arms: list, default: list) -> None:
        """A region's block loop (`while True: if bb == 0: ... elif bb == 1: ...`) as one
        basic block per arm: `bb = N; continue` branches straight to arm N, and only
        other entries go through a `switch`. LLVM gets the region's real control flow
        (its loops are natural loops) without threading every jump through the
        dispatch itself, which cost O1 time and left loops hidden.

        The switch has a case only for the blocks the loop may be entered at, where the
        statement before it says which (`bb = entry_block(entry, ids)`, or a literal):
        a block with the function's entry among its predecessors needs a phi for every
        variable live there (ShuffleNet's regions: LLVM took 8% longer with every block
        a case). A jump to the head from inside adds the other cases."""
        b = self.builder
        head, other, after = (self.fn.append_basic_block(n) for n in ("dispatch", "no_block", "enddispatch"))
        targets = {n: self.fn.append_basic_block(f"block{n}") for n, _ in arms}
        known = self.known_blocks
        entered = known[2] if known is not None and known[0] is b.block and known[1] == name else set(targets)
        b.branch(head)
        b.position_at_end(head)
        switch = b.switch(convert(b, self.load(name), I64), other)
        for n, block in targets.items():
            if n in entered:
                switch.add_case(ir.Constant(_I64, n), block)
        outer_wide, self.wide_dispatch = self.wide_dispatch, False
        self.loops.append((head, after, (name, targets)))
        for block, body in [*((targets[n], body) for n, body in arms), (other, default)]:
            b.position_at_end(block)
            self.block(body)
            if not b.block.is_terminated:
                self.wide_dispatch |= b.block not in self.unreached
                b.branch(head)
        self.loops.pop()
        if self.wide_dispatch:
            for n, block in targets.items():
                if n not in entered:
                    switch.add_case(ir.Constant(_I64, n), block)
        self.wide_dispatch = outer_wide
        b.position_at_end(after)

    def continue_(self) -> None:
        """To the loop's next iteration; in a block dispatch, straight to the arm just chosen."""
        head, _, dispatch = self.loops[-1]
        store = self.literal_store
        if dispatch is not None and store is not None and store[0] is self.builder.block \
                and store[1] == dispatch[0] and store[2] in dispatch[1]:
            head = dispatch[1][store[2]]
        elif dispatch is not None:
            self.wide_dispatch = True
        self.builder.branch(head)

    def loop_body(self, statements, next_block, after) -> None:
        """A loop's body, where `continue` goes to `next_block` and `break` to `after`."""
        self.loops.append((next_block, after, None))
        self.block(statements)
        self.loops.pop()
        if not self.builder.block.is_terminated:
            self.builder.branch(next_block)

    def for_(self, s: ast.For) -> None:
        call = s.iter
        if (s.orelse or not isinstance(s.target, ast.Name) or not isinstance(call, ast.Call)
                or not isinstance(call.func, ast.Name) or call.func.id not in ("range", "vector_range")):
            raise Unsupported("for loops other than `for name in range(...)`")
        b = self.builder
        args = [convert(b, self.expr(a), I64) for a in call.args]
        loop = ""
        if call.func.id == "vector_range":
            if len(args) != 1 or not isinstance(args[0], ir.Constant):
                raise Unsupported("vector_range takes one literal count")
            loop = self.module.loop_metadata(
                '!"llvm.loop.unroll.disable"', f'!"llvm.loop.vectorize.width", i32 {args[0].constant}',
                '!"llvm.loop.vectorize.predicate.enable", i1 true')
        if len(args) == 1:
            args.insert(0, ir.Constant(_I64, 0))
        start, stop = args[0], args[1]
        step = args[2] if len(args) == 3 else ir.Constant(_I64, 1)
        if not (isinstance(step, ir.Constant) and step.constant > 0):
            raise Unsupported("range with a step that is not a positive literal")
        counter = self.entry_alloca(_I64)
        b.store(start, counter)
        head, body, latch, after = (self.fn.append_basic_block(n)
                                    for n in ("for", "for_body", "for_next", "endfor"))
        b.branch(head)
        b.position_at_end(head)
        i = b.load(counter)
        b.cbranch(b.icmp_signed("<", i, stop), body, after)
        b.position_at_end(body)
        self.assign(s.target.id, Value(I64, i))
        self.for_depth += 1
        self.loop_body(s.body, latch, after)
        self.for_depth -= 1
        b.position_at_end(latch)
        b.store(b.add(b.load(counter), step), counter)
        b.branch(head, loop)
        b.position_at_end(after)

    # expressions ---------------------------------------------------------------------------

    def truth(self, node):
        return convert(self.builder, self.expr(node), BOOL)

    def expr(self, node) -> Value:
        lower = _EXPRESSIONS.get(type(node))
        if lower is None:
            raise Unsupported(f"expression {type(node).__name__}")
        return lower(self, node)

    def constant(self, node: ast.Constant) -> Value:
        if isinstance(node.value, bool):
            return Value(BOOL, ir.Constant(ir.IntType(1), int(node.value)))
        if isinstance(node.value, int):
            return _lit(node.value)
        if isinstance(node.value, float):
            return Value(F64, ir.Constant(ir.DoubleType(), node.value))
        raise Unsupported(f"constant {node.value!r}")

    def tuple_(self, node: ast.Tuple) -> Value:
        items = [self.expr(e) for e in node.elts]
        if not all(isinstance(v.type, Scalar) for v in items):
            raise Unsupported("tuple of non-numbers")
        t = Tuple(tuple(v.type for v in items))
        value = ir.Constant(t.ir, ir.Undefined)
        for k, v in enumerate(items):
            value = self.builder.insert_value(value, v.value, k)
        return Value(t, value)

    def unary(self, node: ast.UnaryOp) -> Value:
        if isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
                and isinstance(node.operand.value, int) and not isinstance(node.operand.value, bool):
            return _lit(-node.operand.value)
        b = self.builder
        if isinstance(node.op, ast.Not):
            return Value(BOOL, b.not_(self.truth(node.operand)))
        v = self.expr(node.operand)
        if not isinstance(v.type, Scalar):
            raise Unsupported("unary operator on a non-number")
        if isinstance(node.op, ast.UAdd):
            return v
        t = arithmetic(v.type, v.type)
        x = convert(b, v, t)
        if isinstance(node.op, ast.USub):
            return Value(t, b.fneg(x) if t.kind == "f" else b.sub(ir.Constant(t.ir, 0), x))
        if isinstance(node.op, ast.Invert) and t.kind in "iu":
            return Value(t, b.xor(x, ir.Constant(t.ir, -1)))
        raise Unsupported(f"unary {type(node.op).__name__}")

    def binop(self, op, left: Value, right: Value) -> Value:
        if not (isinstance(left.type, Scalar) and isinstance(right.type, Scalar)):
            raise Unsupported("arithmetic on non-numbers")
        b = self.builder
        if isinstance(op, (ast.BitAnd, ast.BitOr, ast.BitXor)) and left.type == right.type == BOOL:
            fn = {ast.BitAnd: b.and_, ast.BitOr: b.or_, ast.BitXor: b.xor}[type(op)]
            return Value(BOOL, fn(left.value, right.value))
        if isinstance(op, ast.Div):
            t = arithmetic(left.type, right.type)
            t = t if t.kind == "f" else F64
            return Value(t, b.fdiv(convert(b, left, t), convert(b, right, t)))
        t = arithmetic(left.type, right.type)
        x, y = convert(b, left, t), convert(b, right, t)
        if t.kind == "f":
            ops = {ast.Add: b.fadd, ast.Sub: b.fsub, ast.Mult: b.fmul}
            if type(op) not in ops:
                raise Unsupported(f"float {type(op).__name__}")
            return Value(t, ops[type(op)](x, y))
        signed = t.kind == "i"
        ops = {ast.Add: b.add, ast.Sub: b.sub, ast.Mult: b.mul, ast.BitAnd: b.and_, ast.BitOr: b.or_,
               ast.BitXor: b.xor, ast.LShift: b.shl, ast.RShift: b.ashr if signed else b.lshr}
        if type(op) in ops:
            return Value(t, ops[type(op)](x, y))
        if isinstance(op, ast.FloorDiv):
            return Value(t, self.floor_div(x, y, t, signed))
        if isinstance(op, ast.Mod):
            return Value(t, self.modulo(x, y, t, signed))
        raise Unsupported(f"integer {type(op).__name__}")

    def floor_div(self, x, y, t: Scalar, signed: bool):
        """Python's `//` as Numba computes it: floor, 0 for a zero divisor
        (error_model='numpy'), wrapping for MIN // -1."""
        b = self.builder
        zero, one, minus = ir.Constant(t.ir, 0), ir.Constant(t.ir, 1), ir.Constant(t.ir, -1)
        is_zero = b.icmp_unsigned("==", y, zero)
        if not signed:
            return b.select(is_zero, zero, b.udiv(x, b.select(is_zero, one, y)))
        is_minus = b.icmp_signed("==", y, minus)
        safe = b.select(b.or_(is_zero, is_minus), one, y)
        q = b.sdiv(x, safe)
        r = b.srem(x, safe)
        adjust = b.and_(b.icmp_signed("!=", r, zero), b.icmp_signed("<", b.xor(r, safe), zero))
        q = b.select(adjust, b.sub(q, one), q)
        q = b.select(is_minus, b.sub(zero, x), q)
        return b.select(is_zero, zero, q)

    def modulo(self, x, y, t: Scalar, signed: bool):
        """Python's `%` as Numba computes it: the divisor's sign, 0 for a zero divisor."""
        b = self.builder
        zero, one = ir.Constant(t.ir, 0), ir.Constant(t.ir, 1)
        is_zero = b.icmp_unsigned("==", y, zero)
        if not signed:
            return b.select(is_zero, zero, b.urem(x, b.select(is_zero, one, y)))
        bad = b.or_(is_zero, b.icmp_signed("==", y, ir.Constant(t.ir, -1)))
        safe = b.select(bad, one, y)
        r = b.srem(x, safe)
        adjust = b.and_(b.icmp_signed("!=", r, zero), b.icmp_signed("<", b.xor(r, safe), zero))
        return b.select(bad, zero, b.select(adjust, b.add(r, safe), r))

    def compare_values(self, op, left: Value, right: Value):
        b = self.builder
        if type(op) not in _ICMP:
            raise Unsupported(f"comparison {type(op).__name__}")
        t = arithmetic(left.type, right.type) if left.type != right.type or left.type == BOOL else left.type
        x, y = convert(b, left, t), convert(b, right, t)
        sign = _ICMP[type(op)]
        if t.kind == "f":
            return b.fcmp_unordered(sign, x, y) if sign == "!=" else b.fcmp_ordered(sign, x, y)
        return b.icmp_signed(sign, x, y) if t.kind == "i" else b.icmp_unsigned(sign, x, y)

    def compare(self, node: ast.Compare) -> Value:
        """`a < b < c` as Python evaluates it: each operand once, stopping at the first
        false, or every comparison made where no operand can fault (_safe)."""
        left = self.expr(node.left)
        if len(node.ops) == 1:
            return Value(BOOL, self.compare_values(node.ops[0], left, self.expr(node.comparators[0])))
        b = self.builder
        if _safe(node):
            flags = []
            for op, right_node in zip(node.ops, node.comparators):
                right = self.expr(right_node)
                flags.append(self.compare_values(op, left, right))
                left = right
            return Value(BOOL, _combine(b.and_, flags))
        after = self.fn.append_basic_block("cmp_end")
        incoming = []
        for k, (op, right_node) in enumerate(zip(node.ops, node.comparators)):
            right = self.expr(right_node)
            flag = self.compare_values(op, left, right)
            if k == len(node.ops) - 1:
                incoming.append((flag, b.block))
                b.branch(after)
            else:
                more = self.fn.append_basic_block("cmp_more")
                incoming.append((ir.Constant(ir.IntType(1), 0), b.block))
                b.cbranch(flag, more, after)
                b.position_at_end(more)
            left = right
        b.position_at_end(after)
        phi = b.phi(ir.IntType(1))
        for value, block in incoming:
            phi.add_incoming(value, block)
        return Value(BOOL, phi)

    def boolop(self, node: ast.BoolOp) -> Value:
        """Short-circuit `and`/`or` of conditions (region code uses them on bools only);
        without branches where no operand can fault (_safe): a nest's entry checks are
        long chains of comparisons, and a basic block per operand was a quarter of the
        blocks LLVM compiled for ShuffleNet."""
        b = self.builder
        is_and = isinstance(node.op, ast.And)
        if _safe(node):
            return Value(BOOL, _combine(b.and_ if is_and else b.or_, [self.truth(v) for v in node.values]))
        after = self.fn.append_basic_block("bool_end")
        incoming = []
        for k, operand in enumerate(node.values):
            flag = self.truth(operand)
            if k == len(node.values) - 1:
                incoming.append((flag, b.block))
                b.branch(after)
            else:
                more = self.fn.append_basic_block("bool_more")
                incoming.append((ir.Constant(ir.IntType(1), 0 if is_and else 1), b.block))
                b.cbranch(flag, more, after) if is_and else b.cbranch(flag, after, more)
                b.position_at_end(more)
        b.position_at_end(after)
        phi = b.phi(ir.IntType(1))
        for value, block in incoming:
            phi.add_incoming(value, block)
        return Value(BOOL, phi)

    def entry_block(self, node: ast.Call) -> Value:
        """helpers.entry_block(entry, ids): `entry` if it is one of the literal `ids`, else -1."""
        b = self.builder
        entry = convert(b, self.expr(node.args[0]), I64)
        hit = ir.Constant(ir.IntType(1), 0)
        for n in _block_ids(node):
            hit = b.or_(hit, b.icmp_signed("==", entry, ir.Constant(_I64, n)))
        return Value(I64, b.select(hit, entry, ir.Constant(_I64, -1)))

    def choose(self, test, body, orelse) -> Value:
        """`x if c else y`: only the chosen side is evaluated; both meet in their common type."""
        b = self.builder
        then, other, after = (self.fn.append_basic_block(n) for n in ("ifx", "elsex", "endx"))
        b.cbranch(self.truth(test), then, other)
        b.position_at_end(then)
        x = self.expr(body)
        then_end = b.block
        b.position_at_end(other)
        y = self.expr(orelse)
        other_end = b.block
        t = unify(x, y)
        if not isinstance(t, Scalar):
            raise Unsupported("conditional expression of non-numbers")
        values = []
        for v, end in ((x, then_end), (y, other_end)):
            b.position_at_end(end)
            values.append((convert(b, v, t), b.block))
            b.branch(after)
        b.position_at_end(after)
        phi = b.phi(t.ir)
        for value, block in values:
            phi.add_incoming(value, block)
        return Value(t, phi, literal=x.literal and y.literal)

    def attribute(self, node: ast.Attribute) -> Value:
        if isinstance(node.value, ast.Name) and node.value.id == "np" and node.attr in NUMPY:
            return Value(DType(NUMPY[node.attr]), None)
        if node.attr == "data" and isinstance(node.value, ast.Attribute) and node.value.attr == "ctypes":
            array = self.expr(node.value.value)
            if not isinstance(array.type, Array):
                raise Unsupported(".ctypes.data of a non-array")
            return Value(I64, self.builder.ptrtoint(array.value[0], _I64))
        v = self.expr(node.value)
        if node.attr == "dtype" and isinstance(v.type, Array):
            return Value(DType(v.type.elem), None)
        raise Unsupported(f"attribute .{node.attr}")

    def subscript(self, node: ast.Subscript) -> Value:
        b = self.builder
        target = node.value
        if isinstance(target, ast.Attribute) and target.attr == "shape":
            array = self.expr(target.value)
            if not isinstance(array.type, Array) or array.value[1] is None:
                raise Unsupported(".shape of an array of unknown length")
            return Value(I64, array.value[1])
        v = self.expr(target)
        if isinstance(v.type, Tuple):
            index = node.slice
            if not (isinstance(index, ast.Constant) and isinstance(index.value, int)):
                raise Unsupported("tuple index that is not a literal")
            return Value(v.type.items[index.value], b.extract_value(v.value, index.value))
        if not isinstance(v.type, Array):
            raise Unsupported("subscript of a non-array")
        index = convert(b, self.expr(node.slice), I64)
        return Value(v.type.elem, b.load(b.gep(v.value[0], [index])))

    def call(self, node: ast.Call) -> Value:
        if node.keywords:
            raise Unsupported("keyword arguments")
        func = node.func
        if _block_ids(node) is not None:
            return self.entry_block(node)
        args = [self.expr(a) for a in node.args]
        if isinstance(func, ast.Attribute):
            target = self.attribute(func)
            if isinstance(target.type, DType) and len(args) == 1:
                return Value(target.type.elem, convert(self.builder, args[0], target.type.elem))
            raise Unsupported("call of an attribute")
        if not isinstance(func, ast.Name):
            raise Unsupported("call of an expression")
        if func.id in BUILTINS:
            return BUILTINS[func.id](self, args)
        if func.id in self.owner.tree or func.id in helper_library.definitions():
            return self.call_function(func.id, args)
        raise Unsupported(f"call of {func.id}")

    def call_function(self, name: str, args: list) -> Value:
        """A callee defined in the same source or in helpers.py: numbers by value,
        arrays as pointers."""
        types, values = [], []
        for a in args:
            if isinstance(a.type, Array):
                types.append(a.type)
                values.append(a.value[0])
            elif isinstance(a.type, Scalar):
                t = I64 if a.literal else a.type
                types.append(t)
                values.append(convert(self.builder, a, t))
            else:
                raise Unsupported(f"argument of type {a.type}")
        from_helper = self.node.name not in self.owner.tree
        fn, result = self.owner.function(name, types, from_helper=from_helper)
        inline = self.for_depth > 0 and name not in self.owner.tree and not from_helper
        return Value(result, self.builder.call(fn, values, "alwaysinline" if inline else ""))


_SAFE_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.BitAnd, ast.BitOr, ast.BitXor)


def _is_np_zeros(node) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "zeros"
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "np" and len(node.args) == 2
            and not node.keywords)


def _safe(node) -> bool:
    """Whether evaluating `node` can neither fault nor have an effect, so that it may
    be evaluated where Python would have skipped it: names, literals, comparisons,
    `and`/`or`/`not`, +, -, *, bitwise operators and an array's `.shape[k]`."""
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.Compare):
        return _safe(node.left) and all(_safe(c) for c in node.comparators)
    if isinstance(node, ast.BoolOp):
        return all(_safe(v) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        return _safe(node.operand)
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, _SAFE_OPERATORS) and _safe(node.left) and _safe(node.right)
    return (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
            and node.value.attr == "shape" and isinstance(node.value.value, ast.Name)
            and isinstance(node.slice, ast.Constant))


def _combine(op, flags: list):
    """`flags` folded with the builder's `op` (and_ / or_)."""
    result = flags[0]
    for flag in flags[1:]:
        result = op(result, flag)
    return result


def _block_ids(node) -> set | None:
    """The blocks a value may name: an int literal's, or the literal ids of
    `entry_block(entry, (ids...))` (-1 being no block)."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return {node.value}
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "entry_block"
            and len(node.args) == 2 and isinstance(node.args[1], ast.Tuple)
            and all(isinstance(e, ast.Constant) and type(e.value) is int for e in node.args[1].elts)):
        return {e.value for e in node.args[1].elts}
    return None


def _dispatch_arms(s: ast.While):
    """(name, [(value, body)], default body) when `s` is `while True:` around one
    `if name == 0: ... elif name == 1: ... else: ...` chain (codegen's block loop)."""
    if not (isinstance(s.test, ast.Constant) and s.test.value is True and len(s.body) == 1):
        return None
    node, name, arms = s.body[0], None, []
    while True:
        test = node.test if isinstance(node, ast.If) else None
        if not (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and len(test.ops) == 1
                and isinstance(test.ops[0], ast.Eq) and isinstance(test.comparators[0], ast.Constant)
                and type(test.comparators[0].value) is int and test.left.id == (name or test.left.id)):
            return None
        name = test.left.id
        arms.append((test.comparators[0].value, node.body))
        if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If):
            node = node.orelse[0]
            continue
        if len(arms) < 2 or len({n for n, _ in arms}) != len(arms):
            return None
        return name, arms, node.orelse


_STATEMENTS = {
    ast.Assign: _FunctionLowering.assign_statement,
    ast.AugAssign: lambda f, s: f.store(s.target, f.binop(s.op, f.expr(s.target), f.expr(s.value))),
    ast.If: _FunctionLowering.if_,
    ast.While: _FunctionLowering.while_,
    ast.For: _FunctionLowering.for_,
    ast.Break: lambda f, s: f.builder.branch(f.loops[-1][1]),
    ast.Continue: lambda f, s: f.continue_(),
    ast.Return: lambda f, s: f.return_(f.expr(s.value)),
    ast.Expr: lambda f, s: f.expr(s.value),
    ast.Pass: lambda f, s: None,
}

_EXPRESSIONS = {
    ast.Constant: _FunctionLowering.constant,
    ast.Name: lambda f, node: f.load(node.id),
    ast.BinOp: lambda f, node: f.binop(node.op, f.expr(node.left), f.expr(node.right)),
    ast.UnaryOp: _FunctionLowering.unary,
    ast.BoolOp: _FunctionLowering.boolop,
    ast.Compare: _FunctionLowering.compare,
    ast.IfExp: lambda f, node: f.choose(node.test, node.body, node.orelse),
    ast.Call: _FunctionLowering.call,
    ast.Subscript: _FunctionLowering.subscript,
    ast.Attribute: _FunctionLowering.attribute,
    ast.Tuple: _FunctionLowering.tuple_,
}
