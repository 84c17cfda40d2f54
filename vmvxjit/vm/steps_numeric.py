"""Interpreter steps for ops on numeric registers: pure ops, constants, switches.

A step is a closure `step(regs, refs)` over one decoded instruction; it
returns None to fall through. `regs` is the i32 bank (a 64-bit value lives in
its even slot), `refs` the ref bank.
"""

from __future__ import annotations

import re

from vmvxjit.vm import isa
from vmvxjit.vm.semantics import (EXPRESSION_NAMES, PURE_EXPRESSIONS, PURE_OPS, SWITCHES_WRAPPING_CASES,
                                  wrap32)


def _reads(instr):
    return [v for f, v in zip(instr.op.fields, instr.args) if f.kind.startswith("R.")]


def _writes(instr):
    return [v for f, v in zip(instr.op.fields, instr.args) if f.kind.startswith("W.")]


def build_pure(instr, env):
    """A step computing `PURE_OPS[mnemonic]` from read registers into the result."""
    fn = PURE_OPS[instr.op.mnemonic]
    reads = _reads(instr)
    (w,) = _writes(instr)
    if len(reads) == 1:
        (a,) = reads

        def step(regs, refs):
            regs[w] = fn(regs[a])
    elif len(reads) == 2:
        a, b = reads

        def step(regs, refs):
            regs[w] = fn(regs[a], regs[b])
    else:
        a, b, c = reads

        def step(regs, refs):
            regs[w] = fn(regs[a], regs[b], regs[c])
    return step


def _const_value(instr):
    return instr.args[0] if len(instr.args) == 2 else (0.0 if "f" in instr.op.name[6:9] else 0)


def build_const(instr, env):
    """const.{i32,i64,f32,f64}[.zero]: write the immediate (or zero)."""
    (w,) = _writes(instr)
    value = _const_value(instr)

    def step(regs, refs):
        regs[w] = value
    return step


def build_switch(instr, env):
    """switch.{i32,i64,f32,f64}: values[index], or the default when out of range."""
    index, default, values, w = instr.args
    wraps = instr.op.mnemonic in SWITCHES_WRAPPING_CASES

    def step(regs, refs):
        i = regs[index]
        if 0 <= i < len(values):
            v = regs[values[i]]
            regs[w] = wrap32(v) if wraps else v
        else:
            regs[w] = regs[default]
    return step


BUILDERS = {m: build_pure for m in PURE_OPS}
BUILDERS.update({m: build_const for m in isa.numeric_ops("vm.const.")})
BUILDERS.update({m: build_switch for m in isa.numeric_ops("vm.switch.")})


# -- inline forms for fused blocks (see fused_blocks.py) ------------------------

def inline_pure(instr, env, tag):
    """The op's expression with operands substituted, or a call of its function."""
    reads = [f"regs[{r}]" for r in _reads(instr)]
    (w,) = _writes(instr)
    text = PURE_EXPRESSIONS.get(instr.op.mnemonic)
    if text is None:
        return [f"regs[{w}] = op{tag}({', '.join(reads)})"], {f"op{tag}": PURE_OPS[instr.op.mnemonic]}
    operands = dict(zip("abc", reads))
    return ([f"regs[{w}] = " + re.sub(r"\b[abc]\b", lambda m: operands[m.group()], text)],
            EXPRESSION_NAMES)


def inline_const(instr, env, tag):
    (w,) = _writes(instr)
    return [f"regs[{w}] = const{tag}"], {f"const{tag}": _const_value(instr)}


INLINERS = {m: inline_pure for m in PURE_OPS}
INLINERS.update({m: inline_const for m in BUILDERS if m.startswith("vm.const.")})
