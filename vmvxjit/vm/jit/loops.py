"""Loop analysis for the JIT: counted loops, affine indices, promotion, interchange.

A loop of the simple shape IREE emits for every loop level — a header block
`cond = cmp.lt.i64.s iv, bound; cond_br cond, body, exit` and one body block
that ends in `br header` — is analysed for:

* its induction variable: `iv` is written in the loop only by
  `iv = add.i64 iv, step` (step and bound loop-invariant);
* affine buffer indices: each index register of a load/store in the body is
  `c * iv + d` with `c`, `d` built from loop-invariant registers by add, sub,
  mul and fma, so the whole range an access touches is known at loop entry;
* register promotion: a load and a store of the same buffer at the same
  loop-invariant index, with no other access to that buffer in the loop.

Two-deep nests `for j: P; for k: C[idx(j)] op= ...` whose inner loop promotes
one element per j are interchanged (`Nest`, see `find_nest`).

codegen.py turns a `LoopPlan` into a versioned loop: run-time checks at loop
entry (step > 0, no wraparound, every affine access in bounds, the promoted
element's buffer disjoint from the loop's other buffers) choose a tight loop
with unchecked affine accesses and the promoted element in a register, or
the literal translation. Float operations and their order are unchanged, so
both versions give bit-identical results. `VMVXJIT_LOOP_OPT=0` turns this off.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from vmvxjit.vm import isa

ENABLED = os.environ.get("VMVXJIT_LOOP_OPT", "1") != "0"
_ELEMENT_CODES = ("f32", "f64", "i32", "i64")


@dataclass(frozen=True)
class Affine:
    """`coef * iv + offset`; coef and offset are expressions over invariant locals."""

    coef: str
    offset: str


@dataclass
class LoopPlan:
    header: object
    body: object
    iv: int                       # i64 register of the induction variable
    step: int                     # i64 register holding the step
    bound: int                    # i64 register holding the bound
    update_pc: int                # the `iv = add.i64 iv, step` instruction
    affine: dict = field(default_factory=dict)      # access pc -> Affine of its index
    promoted: object = None       # (buffer ref ordinal, index register, code, load pc, store pc)
    others: tuple = ()            # other buffers the loop touches (for the alias check)


def _reg_writes(instr) -> list:
    return [v for f, v in zip(instr.op.fields, instr.args)
            if f.kind.startswith("W.") and f.bank != "ref"]


def _combine(op: str, a: Affine, b: Affine) -> Affine | None:
    if op == "add":
        return Affine(f"({a.coef} + {b.coef})", f"({a.offset} + {b.offset})")
    if op == "sub":
        return Affine(f"({a.coef} - {b.coef})", f"({a.offset} - {b.offset})")
    if op == "mul":
        if a.coef == "0":
            a, b = b, a
        if b.coef != "0":
            return None
        return Affine(f"({a.coef} * {b.offset})", f"({a.offset} * {b.offset})")
    return None


def _invariant(reg: int) -> Affine:
    return Affine("0", f"r{reg}_i64")


def analyze(header, body) -> LoopPlan | None:
    """The plan for a simple innermost loop, or None if it has another shape."""
    if not ENABLED:
        return None
    term = header.terminator
    if term.op.mnemonic != "vm.cond_br" or len(header.instrs) != 2:
        return None
    cond, body_pc, body_pairs, _, _ = term.args
    cmp = header.instrs[0]
    if (body.pc != body_pc or body_pairs or body.terminator.op.mnemonic != "vm.br"
            or body.terminator.args[0] != header.pc or body.terminator.args[1]
            or cmp.op.mnemonic != "vm.cmp.lt.i64.s" or cmp.args[2] != cond):
        return None
    iv, bound = cmp.args[0], cmp.args[1]
    instrs = body.instrs[:-1]
    written = {w for i in instrs for w in _reg_writes(i)} | {cond}
    updates = [i for i in instrs if iv in _reg_writes(i)]
    if len(updates) != 1 or bound in written or bound + 1 in written:
        return None
    update = updates[0]
    if update.op.mnemonic != "vm.add.i64" or update.args[0] != iv or update.args[1] in written:
        return None
    step = update.args[1]
    plan = LoopPlan(header, body, iv, step, bound, update.pc)
    forms = {iv: Affine("1", "0")}
    for instr in instrs:
        m = instr.op.mnemonic
        if m.startswith(("vm.buffer.load.", "vm.buffer.store.")):
            form = forms.get(instr.args[1]) or (
                None if instr.args[1] in written else _invariant(instr.args[1]))
            if form is not None:
                plan.affine[instr.pc] = form
        result = _affine_result(instr, forms, written)
        for w in _reg_writes(instr):
            forms.pop(w, None)
        if result is not None:
            forms[_reg_writes(instr)[0]] = result
    _find_promotion(plan, instrs, written)
    return plan


def _affine_result(instr, forms: dict, written: set) -> Affine | None:
    m = instr.op.mnemonic
    ops = {"vm.add.i64": "add", "vm.sub.i64": "sub", "vm.mul.i64": "mul"}

    def form(reg):
        if reg in forms:
            return forms[reg]
        return None if reg in written else _invariant(reg)

    if m in ops:
        a, b = form(instr.args[0]), form(instr.args[1])
        return _combine(ops[m], a, b) if a and b else None
    if m == "vm.fma.i64":
        a, b, c = (form(r) for r in instr.args[:3])
        product = _combine("mul", a, b) if a and b else None
        return _combine("add", product, c) if product and c else None
    return None


def _find_promotion(plan: LoopPlan, instrs, written: set) -> None:
    accesses = {}
    for instr in instrs:
        m = instr.op.mnemonic
        if m.startswith(("vm.buffer.", )):
            accesses.setdefault(instr.args[0] & isa.REF_MASK, []).append(instr)
    for buf, found in accesses.items():
        if len(found) != 2:
            continue
        load, store = found
        if not (load.op.mnemonic.startswith("vm.buffer.load.")
                and store.op.mnemonic.startswith("vm.buffer.store.")):
            continue
        code = load.op.mnemonic.split(".", 3)[3]
        index = load.args[1]
        if (code not in _ELEMENT_CODES or store.op.mnemonic.split(".", 3)[3] != code
                or store.args[1] != index or index in written or index + 1 in written):
            continue
        plan.promoted = (buf, index, code, load.pc, store.pc)
        plan.others = tuple(sorted(b for b in accesses if b != buf))
        return
    plan.others = tuple(sorted(accesses))


def innermost_loops(blocks) -> dict:
    """Header marker pc -> LoopPlan for every simple innermost loop in `blocks`."""
    by_pc = {b.pc: b for b in blocks}
    plans = {}
    for header in blocks:
        if header.terminator.op.mnemonic != "vm.cond_br":
            continue
        body = by_pc.get(header.terminator.args[1])
        if body is None or body is header:
            continue
        plan = analyze(header, body)
        if plan is not None:
            plans[header.pc] = plan
    return plans


_NEST_ARITH = frozenset({"vm.add.i64", "vm.sub.i64", "vm.mul.i64", "vm.fma.i64",
                         "vm.const.i64", "vm.const.i64.zero"})


@dataclass
class Nest:
    """Two loops `for j: P; for k: body` that can run as `for k: for j: P; body`.

    The inner loop's promoted element (`C[idx(j)]`, one per j) is the only
    memory written; each element still sees its k steps in order, so the
    interchange changes no result. The last j iteration is left to the literal
    code, which leaves every register exactly as the original nest does."""

    outer: object          # header block of the j loop
    pre: object            # P: affine integer code computing per-j values
    inner: LoopPlan        # the k loop (simple, with a promoted element)
    ivj: int
    stepj: int
    boundj: int
    k_init: int            # register the k loop's induction variable starts from
    index_form: Affine     # the promoted element's index as an affine function of j


def _reads(instr) -> list:
    return [v for f, v in zip(instr.op.fields, instr.args)
            if f.kind.startswith("R.") and f.bank != "ref"]


def _registers_in(expression: str) -> set:
    return {int(n) for n in re.findall(r"r(\d+)_i64", expression)}


def find_nest(header, by_pc: dict, plans: dict) -> Nest | None:
    """The interchangeable nest whose outer header is `header`, if any."""
    if not ENABLED or len(header.instrs) != 2 or header.terminator.op.mnemonic != "vm.cond_br":
        return None
    cmp = header.instrs[0]
    cond, pre_pc, pre_pairs, _, _ = header.terminator.args
    if cmp.op.mnemonic != "vm.cmp.lt.i64.s" or cmp.args[2] != cond or pre_pairs:
        return None
    ivj, boundj = cmp.args[0], cmp.args[1]
    pre = by_pc.get(pre_pc)
    if pre is None or pre.terminator.op.mnemonic != "vm.br":
        return None
    inner = plans.get(pre.terminator.args[0])
    if inner is None or inner.promoted is None:
        return None
    init = [s for s, d in pre.terminator.args[1] if d == inner.iv]
    if len(init) != 1 or any(d not in (inner.iv, inner.iv + 1) for _, d in pre.terminator.args[1]):
        return None
    _, _, _, latch_pc, latch_pairs = inner.header.terminator.args
    latch = by_pc.get(latch_pc)
    if latch is None or latch_pairs or len(latch.instrs) != 2:
        return None
    update, back = latch.instrs
    if (update.op.mnemonic != "vm.add.i64" or update.args[0] != ivj or update.args[2] != ivj
            or back.op.mnemonic != "vm.br" or back.args[0] != header.pc or back.args[1]):
        return None
    stepj = update.args[1]
    if any(i.op.mnemonic not in _NEST_ARITH for i in pre.instrs[:-1]):
        return None
    nest_instrs = pre.instrs[:-1] + inner.header.instrs + inner.body.instrs + [update]
    written = {w for i in nest_instrs for w in _reg_writes(i)}
    written |= {w + 1 for w in set(written)}
    if {boundj, stepj, init[0], inner.bound, inner.step} & written:
        return None
    # Nothing in the nest may read a value left over from a previous iteration.
    defined = {ivj, ivj + 1, inner.iv, inner.iv + 1}
    for instr in pre.instrs[:-1] + inner.body.instrs[:-1]:
        if any(r in written and r not in defined for r in _reads(instr)):
            return None
        for w in _reg_writes(instr):
            defined |= {w, w + 1}
    forms = {ivj: Affine("1", "0")}
    for instr in pre.instrs[:-1]:
        result = _affine_result(instr, forms, written)
        for w in _reg_writes(instr):
            forms.pop(w, None)
        if result is not None:
            forms[_reg_writes(instr)[0]] = result
    index_form = forms.get(inner.promoted[1])
    if index_form is None or _registers_in(index_form.coef) & written:
        return None
    for form in inner.affine.values():
        if _registers_in(form.coef) & written:
            return None
    return Nest(header, pre, inner, ivj, stepj, boundj, init[0], index_form)
