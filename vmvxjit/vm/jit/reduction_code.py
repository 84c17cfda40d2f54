"""Generates the side-by-side version of a reduction nest (see reductions.py).

    for jb in range(j0, js, F):
        for each u: j = jb + u; P; o_u = each access's index offset
        (the F elements distinct and every access in bounds, else stop here)
        acc_u = C[o_u]                                  for each u
        for c: ... for k: body(u) with acc_u for C[idx]  for each u in order
        C[o_u] = acc_u                                  for each u

Emitted at the top of the outer loop's header block: when the entry checks
hold (unit steps, non-empty reduction loops, at least F iterations of j
left, no wrapping index arithmetic, P's divisors neither 0 nor -1, C
writable and its buffer's bytes apart from those of every buffer the nest
reads), the blocks run with unchecked accesses as long as each block's own
checks hold; then j is set to where they stopped and the literal code runs
the remaining iterations (the last one always, when registers the nest
writes are live at its exit). Otherwise the literal code runs as if nothing
happened: the checks have no side effects.
"""

from __future__ import annotations

from vmvxjit.vm import isa
from vmvxjit.vm.elements import ACCESSES, ELEMENTS
from vmvxjit.vm.jit import counters, ranges
from vmvxjit.vm.jit.affine import source
from vmvxjit.vm.jit.nest_code import IV_LIMIT, MAX_TERMS
from vmvxjit.vm.jit.spelling import CAST, var

FACTOR = 8                   # chains of 4-cycle FMAs: 8 keep two FMA units busy
_COEF_LIMIT = 1 << 20        # as nest_code.py: with |ivs| < IV_LIMIT and
_OFFSET_LIMIT = 1 << 50      # offsets below this, no affine sum of MAX_TERMS terms wraps
_DIVISOR_MASK = {"i32": 0xFFFFFFFF, "i64": None}


def jammed_reduction(gen, red) -> tuple[list, str]:
    outer, inner = red.outer, red.inner
    head = f"loop nest at {outer.header.pc:08X}"
    if any(len(f.terms) + 1 > MAX_TERMS for f in red.forms.values()):
        return [], f"{head}: reduction nest not run side by side (too many index terms)"
    tag = gen.tag("r")
    j, bound_j = var(outer.iv, "i64"), var(outer.bound, "i64")
    j0, je, js, jb, jd = (f"{name}{tag}" for name in ("j0", "je", "js", "jb", "jd"))
    pre = [f"{j0} = {j}", f"{je} = {bound_j if red.full else bound_j + ' - 1'}",
           f"{js} = {j0} + ({je} - {j0}) // {FACTOR} * {FACTOR}"]
    loops = [(lv.iv, lv.init, lv.bound) for lv in red.levels] + [(inner.iv, red.k_init, inner.bound)]
    checks = [f"{var(lv.step, 'i64')} == 1" for lv in [outer, *red.levels]] + [f"{var(inner.step, 'i64')} == 1"]
    checks += [f"-{IV_LIMIT} < {j0}", f"{j0} + {FACTOR} <= {je}", f"{bound_j} < {IV_LIMIT}"]
    checks += [f"-{IV_LIMIT} < {var(first, 'i64')} < {var(stop, 'i64')} < {IV_LIMIT}" for _, first, stop in loops]
    checks += [_nonzero(var(r, bank), _DIVISOR_MASK[bank]) for r, bank in red.divisors]
    counters_of = {iv: f"q{tag}_{n}" for n, (iv, _, _) in enumerate(loops)}
    buf, _, code, load_pc, store_pc = inner.promoted
    accesses = {i.pc: i for i in inner.body.instrs}
    views, spans, reach = {}, {}, {}
    for n, (pc, form) in enumerate(sorted(red.forms.items())):
        if pc == store_pc:
            continue
        raw = accesses[pc].args[0]
        view = views[pc] = f"v{tag}_{n}"
        pre.append(f"{view} = {gen.view_expr(raw, ACCESSES[accesses[pc].op.mnemonic])}")
        checks += gen.handle_checks(raw)
        terms, lo, hi = [], f"dlo{tag}_{n}", f"dhi{tag}_{n}"
        pre += [f"{lo} = 0", f"{hi} = 0"]
        for iv, coef in form.terms:
            c = f"c{tag}_{n}_{iv}"
            first, stop = (var(r, "i64") for r in _range_of(loops, iv))
            pre += [f"{c} = {source(coef)}", f"{lo} += min({c} * {first}, {c} * ({stop} - 1))",
                    f"{hi} += max({c} * {first}, {c} * ({stop} - 1))"]
            checks.append(f"-{_COEF_LIMIT} < {c} < {_COEF_LIMIT}")
            terms.append(f" + {c} * {counters_of[iv]}")
        reach[pc] = (lo, hi, "".join(terms))
        spans.setdefault(raw & isa.REF_MASK, ranges.Span(raw))
    c_raw = buf | isa.REF_BIT
    checks += [f"{gen.mut_expr(c_raw)} != 0"]
    others = [s for b, s in spans.items() if b != buf]
    checks += ranges.disjoint(gen, [spans[buf]], others)
    offsets = [{pc: f"o{tag}_{u}_{n}" for n, pc in enumerate(sorted(views))} for u in range(FACTOR)]
    block = []
    for u in range(FACTOR):
        block += gen.assign(outer.iv, "i64", f"{jb} + {u}")
        for instr in outer.pre.instrs[:-1]:
            block += gen.instr(instr)
        block += [f"{offsets[u][pc]} = {source(red.forms[pc].offset)}" for pc in views]
    block += [f"if not ({' and '.join(_block_checks(views, reach, offsets, load_pc))}):", "    break"]
    accs = [f"acc{tag}_{u}" for u in range(FACTOR)]
    element = [f"{views[load_pc]}[ix({offsets[u][load_pc]})]" for u in range(FACTOR)]
    block += [f"{acc} = {CAST[code]}({at})" for acc, at in zip(accs, element)]
    block += _nest(gen, red, tag, loops, views, reach, offsets, accs)
    block += [f"{at} = {acc}" for acc, at in zip(accs, element)]
    block.append(f"{jd} = {jb} + {FACTOR}")
    fast = [f"{jd} = {j0}", f"for {jb} in range({j0}, {js}, {FACTOR}):"] + ["    " + x for x in block]
    fast += gen.assign(outer.iv, "i64", jd)
    lines = counters.nest_entry(gen, head, j, bound_j, pre, checks, fast)
    moved = "every iteration" if red.full else "all but the last iteration"
    return lines, (f"{head}: {FACTOR} iterations of %i{outer.iv} side by side around the reduction nest "
                   f"below it ({moved}; each element of %r{buf} kept in a register over the nest and "
                   f"updated in order), {len(views)} access(es) proven in bounds once per {FACTOR} iterations")


def _nonzero(value: str, mask) -> str:
    """A divisor neither 0 nor -1 (in its width): no division by it faults."""
    if mask is None:
        return f"{value} != 0 and {value} != -1"
    return f"({value} & {mask}) != 0 and ({value} & {mask}) != {mask}"


def _range_of(loops, iv: int) -> tuple:
    return next((first, stop) for v, first, stop in loops if v == iv)


def _block_checks(views: dict, reach: dict, offsets: list, load_pc: int) -> list:
    """Each access of each iteration in bounds over the reduction loops, the
    offsets small enough not to wrap, and the updated elements distinct."""
    checks = []
    for at in offsets:
        for pc, view in views.items():
            lo, hi, _ = reach[pc]
            o = at[pc]
            checks.append(f"-{_OFFSET_LIMIT} < {o} < {_OFFSET_LIMIT} and 0 <= {o} + {lo} "
                          f"and {o} + {hi} < {view}.shape[0]")
    elements = [at[load_pc] for at in offsets]
    checks += [f"{a} != {b}" for n, a in enumerate(elements) for b in elements[n + 1:]]
    return checks


def _nest(gen, red, tag: str, loops: list, views: dict, reach: dict, offsets: list, accs: list) -> list:
    """The reduction loops, each level's code (but its `skipped` index arithmetic)
    at its depth, the inner body once per iteration u with its own offsets."""
    inner = red.inner
    _, _, code, load_pc, store_pc = inner.promoted
    lines, depth = [], 0
    for n, ((iv, first, stop), level) in enumerate(zip(loops, [*red.levels, None])):
        indent = "    " * depth
        lines.append(f"{indent}for q{tag}_{n} in range({var(first, 'i64')}, {var(stop, 'i64')}):")
        lines += [indent + "    " + x for x in gen.assign(iv, "i64", f"q{tag}_{n}")]
        if level is not None:
            for instr in level.pre.instrs[:-1]:
                if instr.pc not in red.skipped:
                    lines += [indent + "    " + x for x in gen.instr(instr)]
        depth += 1
    indent = "    " * depth
    for u, acc in enumerate(accs):
        for instr in inner.body.instrs[:-1]:
            m = instr.op.mnemonic
            if instr.pc == inner.update_pc or instr.pc in red.skipped:
                continue
            if instr.pc == load_pc:
                body = gen.assign(instr.args[2], code, acc)
            elif instr.pc == store_pc:
                body = [f"{acc} = {CAST[code]}({var(instr.args[2], code)})"]
            elif instr.pc in views:
                bank = ELEMENTS[ACCESSES[m]].bank
                body = gen.assign(instr.args[2], bank,
                                  f"{views[instr.pc]}[ix({offsets[u][instr.pc]}{reach[instr.pc][2]})]")
            else:
                body = gen.instr(instr)
            lines += [indent + x for x in body]
    return lines
