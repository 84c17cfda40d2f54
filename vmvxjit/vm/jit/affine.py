"""Affine index analysis: integer registers as affine functions of induction variables.

A form is `sum(coef_iv * iv) + offset` where the coefficients and the offset
are expressions over loop-invariant registers: a Python int when known at
compile time (function-wide constants fold), else Numba source text over
the register locals (`r18_i64`). VM integer arithmetic wraps modulo 2**64,
and so does every identity used here (distributivity included), so a
form evaluated in int64 always equals the register's value; range
reasoning over a form is only valid once run-time checks bound the
magnitudes (see nest_code.py / codegen.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Expr = "int | str"
_ARITH = {"vm.add.i64": "add", "vm.sub.i64": "sub", "vm.mul.i64": "mul"}


def wrap(value: int) -> int:
    """`value` as a signed 64-bit integer (what int64 arithmetic gives)."""
    return (value + (1 << 63)) % (1 << 64) - (1 << 63)


def add(a, b):
    if isinstance(a, int) and isinstance(b, int):
        return wrap(a + b)
    if a == 0:
        return b
    if b == 0:
        return a
    return f"({a} + {b})"


def neg(a):
    return wrap(-a) if isinstance(a, int) else f"(-{a})"


def mul(a, b):
    if isinstance(a, int) and isinstance(b, int):
        return wrap(a * b)
    if a == 0 or b == 0:
        return 0
    if a == 1:
        return b
    if b == 1:
        return a
    return f"({a} * {b})"


def source(expr) -> str:
    """`expr` as int64 Numba source."""
    return f"np.int64({expr})"


def registers_in(expr) -> set:
    return set() if isinstance(expr, int) else {int(n) for n in re.findall(r"r(\d+)_i64", expr)}


@dataclass(frozen=True)
class Affine:
    terms: tuple        # ((iv register, coefficient expr), ...), sorted, no zero coefficient
    offset: object      # expr

    def coef(self, iv: int):
        return dict(self.terms).get(iv, 0)

    def registers(self) -> set:
        found = registers_in(self.offset)
        for _, c in self.terms:
            found |= registers_in(c)
        return found


def _make(terms: dict, offset) -> Affine:
    return Affine(tuple(sorted((iv, c) for iv, c in terms.items() if c != 0)), offset)


def combine(op: str, a: Affine, b: Affine) -> Affine | None:
    if op in ("add", "sub"):
        sign = (lambda x: x) if op == "add" else neg
        terms = dict(a.terms)
        for iv, c in b.terms:
            terms[iv] = add(terms.get(iv, 0), sign(c))
        return _make(terms, add(a.offset, sign(b.offset)))
    if a.terms and b.terms:
        return None
    if a.terms:
        a, b = b, a
    return _make({iv: mul(a.offset, c) for iv, c in b.terms}, mul(a.offset, b.offset))


class Tracker:
    """Follows straight-line code, keeping the affine form of each i64 register.

    `ivs` are the induction variables (each its own variable); `written` the
    registers written anywhere in the loop nest (a register outside both is
    invariant); `consts` slot -> (bank, value) from dataflow.constants."""

    def __init__(self, ivs, written: set, consts: dict):
        self.forms = {iv: Affine(((iv, 1),), 0) for iv in ivs}
        self.written = written
        self.consts = consts

    def form(self, reg: int) -> Affine | None:
        if reg in self.forms:
            return self.forms[reg]
        if reg in self.written:
            return None
        const = self.consts.get(reg)
        if const is not None and const[0] == "i64":
            return Affine((), wrap(int(const[1])))
        return Affine((), f"r{reg}_i64")

    def step(self, instr, writes: list) -> None:
        m = instr.op.mnemonic
        result = None
        if m in _ARITH:
            a, b = self.form(instr.args[0]), self.form(instr.args[1])
            result = combine(_ARITH[m], a, b) if a and b else None
        elif m == "vm.fma.i64":
            a, b, c = (self.form(r) for r in instr.args[:3])
            product = combine("mul", a, b) if a and b else None
            result = combine("add", product, c) if product and c else None
        elif m in ("vm.const.i64", "vm.const.i64.zero"):
            result = Affine((), wrap(int(instr.args[0])) if len(instr.args) == 2 else 0)
        for w in writes:
            self.forms.pop(w, None)
        if result is not None:
            self.forms[writes[0]] = result
