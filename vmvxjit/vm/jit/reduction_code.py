"""Generates the side-by-side version of a reduction nest (see reductions.py).

    while at least F = FACTOR iterations are left:
        for u < max(LANES) while consecutive: j = jd + u; P; offs[u] = each access's
            index offset; consecutive while each is the first's plus u
        vector block, of the widest V in LANES that many consecutive rows fill, their
        accesses in bounds (the updated elements are then distinct):
            row = C[offs[0] + t] for t < V
            for c: ... for k: for t in vector_range(V): body(t) with row[t] for C[idx]
            C[offs[0] + t] = row[t]; jd += V; next
        else a scalar block of F (the rows of offs not yet computed first):
            (the F elements distinct and every access in bounds, else stop here)
            acc_u = C[offs[u]]; for c: ... for k: body(u) with acc_u, for each u in order
            C[offs[u]] = acc_u; jd += F

The vector blocks are the fast ones (inline-dynamic VMVX convolutions walk their
output and input rows with consecutive j); the scalar blocks overlap F chains where
a row ends inside a vector block. Each element sees its own float operations in
their order in either, so the results are bit-identical.
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
from vmvxjit.vm.jit.nest_code import COEF_LIMIT, IV_LIMIT, MAX_TERMS, OFFSET_LIMIT
from vmvxjit.vm.jit.spelling import CAST, var

FACTOR = 8                   # chains of 4-cycle adds: 8 keep two FMA units busy
LANES = (32, 16)             # iterations in a vector block, the widest that fits: two AVX-512 vectors
                             # of f32 (two chains of adds), or one (rows of 48: VGG's 112 = 64 + 48);
                             # 64 measured no faster on VGG-19

_DIVISOR_MASK = {"i32": 0xFFFFFFFF, "i64": None}


def jammed_reduction(gen, red) -> tuple[list, str]:
    """The lines running reductions.Reduction `red` in blocks, at the top of its
    outer loop's header block, and the note on it for --trace."""
    outer, inner = red.outer, red.inner
    head = f"loop nest at {outer.header.pc:08X}"
    if any(len(f.terms) + 1 > MAX_TERMS for f in red.forms.values()):
        return [], f"{head}: reduction nest not run side by side (too many index terms)"
    tag = gen.tag("r")
    j, bound_j = var(outer.iv, "i64"), var(outer.bound, "i64")
    j0, je, js, jd = (f"{name}{tag}" for name in ("j0", "je", "js", "jd"))
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
            checks.append(f"-{COEF_LIMIT} < {c} < {COEF_LIMIT}")
            terms.append(f" + {c} * {counters_of[iv]}")
        reach[pc] = (lo, hi, "".join(terms))
        spans.setdefault(raw & isa.REF_MASK, ranges.Span(raw))
    c_raw = buf | isa.REF_BIT
    checks += [f"{gen.mut_expr(c_raw)} != 0"]
    others = [s for b, s in spans.items() if b != buf]
    checks += ranges.disjoint(gen, [spans[buf]], others)
    order = sorted(views)
    # Quick code (gen.tiles False) leaves the vectors to the optimized compile, as
    # block_code.py its tiles: a quick compile leaves them slower than the scalar blocks.
    widths = LANES if gen.tiles else ()
    gen.tiles_left_out += not gen.tiles
    width = max(widths, default=FACTOR)
    fast = [f"{jd} = {j0}", f"offs{tag} = stack_array({width * len(order)}, np.int64)"]
    if widths:
        fast.append(f"row{tag} = stack_array({width}, {views[load_pc]}.dtype)")
    fast.append("while True:")
    block = [f"if {jd} + {FACTOR} > {js}:", "    break"]
    block += _offsets(gen, red, tag, order, f"min({width}, {je} - {jd})")
    for lanes in widths:
        block += _vector_block(gen, red, tag, loops, views, reach, order, lanes)
    block += _scalar_block(gen, red, tag, loops, views, reach, order)
    fast += ["    " + x for x in block]
    fast += gen.assign(outer.iv, "i64", jd)
    lines = counters.nest_entry(gen, head, j, bound_j, pre, checks, fast)
    moved = "every iteration" if red.full else "all but the last iteration"
    return lines, (f"{head}: {FACTOR} iterations of %i{outer.iv} side by side around the reduction nest "
                   f"below it, or {' or '.join(map(str, LANES))} in vectors where their accesses are "
                   f"consecutive (in the optimized compile; {moved}; each "
                   f"element of %r{buf} kept in a register over the nest and updated in order), "
                   f"{len(views)} access(es) proven in bounds once per block")


def _row(gen, red, tag: str, order: list) -> list:
    """Iteration j{tag} + u{tag} of the outer loop's code P, then each access's
    offset into row u{tag} of `offs{tag}`."""
    u = f"u{tag}"
    lines = gen.assign(red.outer.iv, "i64", f"jd{tag} + {u}")
    for instr in red.outer.pre.instrs[:-1]:
        lines += gen.instr(instr)
    return lines + [f"offs{tag}[{u} * {len(order)} + {n}] = {source(red.forms[pc].offset)}"
                    for n, pc in enumerate(order)]


def _offsets(gen, red, tag: str, order: list, most: str) -> list:
    """Up to `most` iterations from j{tag} of the outer loop's code P, each
    access's offset after it into `offs{tag}` (a row per iteration), until
    one's offsets are not the first's plus its distance: `run{tag}` of them
    are consecutive, `have{tag}` (one more, unless `most` were) computed."""
    u, n_acc = f"u{tag}", len(order)
    p = _row(gen, red, tag, order)
    apart = [f"offs{tag}[{u} * {n_acc} + {n}] != offs{tag}[{n}] + {u}" for n in range(n_acc)]
    return ([f"run{tag} = 0", f"have{tag} = 0", f"for {u} in range({most}):"]
            + ["    " + x for x in p]
            + [f"    have{tag} = {u} + 1", f"    if {' or '.join(apart)}:", "        break",
               f"    run{tag} = {u} + 1"])


def _vector_block(gen, red, tag: str, loops: list, views: dict, reach: dict, order: list, lanes: int) -> list:
    """`lanes` iterations from j{tag} as vectors, when each access's offsets are
    consecutive over them (then the updated elements are distinct) and in
    bounds: the reduction loops run once, the elements in a stack row LLVM
    keeps in vector registers."""
    jd, t, row = f"jd{tag}", f"t{tag}", f"row{tag}"
    bases = {pc: f"offs{tag}[{n}]" for n, pc in enumerate(order)}
    inside = []
    for pc in order:
        lo, hi, _ = reach[pc]
        b = bases[pc]
        inside.append(f"-{OFFSET_LIMIT} < {b} < {OFFSET_LIMIT} and 0 <= {b} + {lo} "
                      f"and {b} + {lanes - 1} + {hi} < {views[pc]}.shape[0]")
    locals_ = {pc: f"b{tag}_{n}" for n, pc in enumerate(order)}
    element = f"{views[red.inner.promoted[3]]}[ix({locals_[red.inner.promoted[3]]} + {t})]"
    body = [f"for {t} in vector_range({lanes}):"]
    body += ["    " + x for x in _body(gen, red, views, reach, f"{row}[{t}]",
                                       {pc: f"{b} + {t}" for pc, b in locals_.items()})]
    lines = [f"{locals_[pc]} = {bases[pc]}" for pc in order]
    lines += [f"for {t} in vector_range({lanes}):", f"    {row}[{t}] = {element}"]
    lines += _loops(gen, red, tag, loops, body)
    lines += [f"for {t} in vector_range({lanes}):", f"    {element} = {row}[{t}]",
              f"{jd} += {lanes}", "continue"]
    return [f"if run{tag} >= {lanes} and {' and '.join(inside)}:"] + ["    " + x for x in lines]


def _scalar_block(gen, red, tag: str, loops: list, views: dict, reach: dict, order: list) -> list:
    """FACTOR iterations from j{tag} side by side, each element in its own local,
    when their updated elements are distinct and every access in bounds; else
    a break to the literal code. The rows of offsets `_offsets` left out are
    computed first."""
    _, _, code, load_pc, _ = red.inner.promoted
    u, n_acc = f"u{tag}", len(order)
    p = _row(gen, red, tag, order)
    offsets = [{pc: f"o{tag}_{k}_{n}" for n, pc in enumerate(order)} for k in range(FACTOR)]
    lines = [f"for {u} in range(have{tag}, {FACTOR}):"] + ["    " + x for x in p]
    lines += [f"{offsets[k][pc]} = offs{tag}[{k * n_acc + n}]" for k in range(FACTOR) for n, pc in enumerate(order)]
    lines += [f"if not ({' and '.join(_block_checks(views, reach, offsets, load_pc))}):", "    break"]
    accs = [f"acc{tag}_{k}" for k in range(FACTOR)]
    element = [f"{views[load_pc]}[ix({offsets[k][load_pc]})]" for k in range(FACTOR)]
    lines += [f"{acc} = {CAST[code]}({at})" for acc, at in zip(accs, element)]
    body = [x for acc, at in zip(accs, offsets) for x in _body(gen, red, views, reach, acc, at)]
    lines += _loops(gen, red, tag, loops, body)
    lines += [f"{at} = {acc}" for acc, at in zip(accs, element)]
    return lines + [f"jd{tag} += {FACTOR}"]


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
            checks.append(f"-{OFFSET_LIMIT} < {o} < {OFFSET_LIMIT} and 0 <= {o} + {lo} "
                          f"and {o} + {hi} < {view}.shape[0]")
    elements = [at[load_pc] for at in offsets]
    checks += [f"{a} != {b}" for n, a in enumerate(elements) for b in elements[n + 1:]]
    return checks


def _loops(gen, red, tag: str, loops: list, body: list) -> list:
    """The reduction loops around `body`, each level's code (but its `skipped`
    index arithmetic) at its depth."""
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
    return lines + ["    " * depth + x for x in body]


def _body(gen, red, views: dict, reach: dict, element: str, at: dict) -> list:
    """The inner body of one iteration: its updated element `element`, each
    other access at offset `at[pc]` plus its terms over the reduction loops."""
    inner = red.inner
    _, _, code, load_pc, store_pc = inner.promoted
    lines = []
    for instr in inner.body.instrs[:-1]:
        m = instr.op.mnemonic
        if instr.pc == inner.update_pc or instr.pc in red.skipped:
            continue
        if instr.pc == load_pc:
            lines += gen.assign(instr.args[2], code, element)
        elif instr.pc == store_pc:
            lines.append(f"{element} = {CAST[code]}({var(instr.args[2], code)})")
        elif instr.pc in views:
            bank = ELEMENTS[ACCESSES[m]].bank
            lines += gen.assign(instr.args[2], bank, f"{views[instr.pc]}[ix({at[instr.pc]}{reach[instr.pc][2]})]")
        else:
            lines += gen.instr(instr)
    return lines
