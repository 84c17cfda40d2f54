"""Generates the blocked version of a loop around an interchangeable nest (see nests.py).

For `for w: for j: ... for k: C[idx(w, j)] = f(C[idx(w, j)], ...)` where
moving j innermost pays off (unit stride) and each (w, j) owns one element
of C, the interchanged nest alone keeps one row of C in registers and its
float operations form one dependent chain per element, run at their
latency. Here F consecutive w iterations run side by side (F = FACTOR,
when F rows fit in _MAX_ELEMENTS elements):

    for wb in range(w0, ws, F):
        row_u = C[idx(wb + u, j)] for each j          (a stack array per u)
        for m1: ... for k: for j: body(wb + u, j) for each u in order
        C[idx(wb + u, j)] = row_u                      for each u, j

Each element keeps its own sequence of float operations, so the results are
bit-identical, while the chains of F rows overlap. With `tile`, a row known
only at run time (or whose length is not a multiple of 8) runs in tiles of
WIDTH (or 8) columns: `row_u` holds one tile, the tile's loop over its columns
is a `vector_range` (one vector LLVM keeps in a register from the first k to
the last), and a row's last tile, when short, moves back to end at the row's
end, computing its first columns again from their results without storing them.
Emitted at the top of the w loop's header block: when the entry checks hold
(unit steps, non-empty inner loops, j running over its compile-time range or,
in tiles, over at least one tile, at least F iterations of w left, no wrapping
index arithmetic, every access in bounds over the blocked iterations, C
writable, the bytes of C it writes disjoint from those it reads elsewhere
(ranges.py), C's rows unit-strided in j and at least a row apart in w), the
blocks run with unchecked accesses; then w is set to where they stopped and
the literal code runs the remaining iterations (the last one always, when
registers the nest writes are live at its exit), each through the interchanged
nest.
Otherwise the literal code runs as if nothing happened.
"""

from __future__ import annotations

from vmvxjit.vm.jit import counters, switches
from vmvxjit.vm.jit.affine import source
from vmvxjit.vm.jit.spelling import var
from vmvxjit.vm.jit.nest_code import IV_LIMIT, MAX_TERMS, iteration, proofs, stride_checks

FACTOR = 4                   # measured on conv2d's 16-wide rows: 163 -> 121 µs (4 zmm chains);
_MAX_ELEMENTS = 128          # 8 rows 128 µs, 2 rows 557 µs (LLVM leaves the j loop scalar)
WIDTH = 16                   # columns per tile (`tile`): one AVX-512 vector of f32


def _row(gen, nest) -> tuple | None:
    """(first j, row length) when the j loop's range is known at compile time."""
    j_level = nest.levels[1]
    first = gen.region.consts.get(j_level.init)
    stop = gen.region.consts.get(j_level.bound)
    if first is None or stop is None or first[0] != "i64" or stop[0] != "i64":
        return None
    count = int(stop[1]) - int(first[1])
    return (int(first[1]), count) if count > 0 else None


def _width(nest, shape, tiles: bool) -> int | None:
    """Columns per register tile (`tile`): 0 (no tiles) for a whole row known at
    compile time, a multiple of 8, FACTOR rows of which fit in _MAX_ELEMENTS; else
    WIDTH, or 8 for a known row of 8 to 15 columns; None when the nest is not
    blocked. Tiles need loads a unit or no stride apart in j, known at compile
    time: LLVM vectorizes a strided load in a tile's loop either with scalar
    iterations after it or with gathers (ZFNet's stride-2 layers: 1.7-5x slower)."""
    whole = shape is not None and shape[1] * FACTOR <= _MAX_ELEMENTS
    if whole and (shape[1] % 8 == 0 or not tiles):
        return 0
    j = nest.levels[1].iv
    if (not tiles or (shape is not None and shape[1] < 8)
            or any(f.coef(j) not in (0, 1) for f in nest.forms.values())):
        return 0 if whole else None
    return WIDTH if shape is None or shape[1] >= WIDTH else 8


def blocked_nest(gen, nest) -> tuple[list, str]:
    levels, inner = nest.levels, nest.inner
    w_level, j_level = levels[0], levels[1]
    head = f"loop nest at {w_level.header.pc:08X}"
    if any(len(f.terms) + 1 > MAX_TERMS for f in [nest.index_form, *nest.forms.values()]):
        return [], f"{head}: not blocked (too many index terms)"
    shape = _row(gen, nest)
    tiles = switches.on("tile")
    width = _width(nest, shape, tiles and gen.tiles)
    if tiles and not gen.tiles and _width(nest, shape, True):
        gen.tiles_left_out += 1
        if width is None:
            counters.reserve(gen, head)
            return [], f"{head}: not blocked (in tiles only in the optimized compile)"
    if width is None:
        return [], f"{head}: not blocked (the moved loop's range is not known, or too long)"
    factor = FACTOR
    tag = gen.tag("b")
    w, bound_w = var(w_level.iv, "i64"), var(w_level.bound, "i64")
    w0, we, ws, wb = f"w0{tag}", f"we{tag}", f"ws{tag}", f"wb{tag}"
    if width:
        j_first, j_stop = var(j_level.init, "i64"), var(j_level.bound, "i64")
        row = f"({j_stop} - {j_first})"
    else:
        j_first, row = shape
        j_stop = j_first + row
    pre = [f"{w0} = {w}", f"{we} = {bound_w if nest.full else bound_w + ' - 1'}",
           f"{ws} = {w0} + ({we} - {w0}) // {factor} * {factor}"]
    checks = [f"{var(lv.step, 'i64')} == 1" for lv in levels] + [f"{var(inner.step, 'i64')} == 1"]
    checks += [f"-{IV_LIMIT} < {w0}", f"{w0} + {factor} <= {we}", f"{bound_w} < {IV_LIMIT}"]
    if width:
        checks.append(f"-{IV_LIMIT} < {j_first} and {j_first} + {width} <= {j_stop} < {IV_LIMIT}")
    else:
        checks += [f"{var(j_level.init, 'i64')} == {j_first}", f"{var(j_level.bound, 'i64')} == {j_stop}"]
    box = {w_level.iv: (w0, f"({ws} - 1)"), j_level.iv: (str(j_first), f"({j_stop} - 1)")}
    loops = []
    for n, (iv, init, bound) in enumerate([(lv.iv, lv.init, lv.bound) for lv in levels[2:]]
                                          + [(inner.iv, nest.k_init, inner.bound)]):
        first, stop = var(init, "i64"), var(bound, "i64")
        checks.append(f"-{IV_LIMIT} < {first} < {stop} < {IV_LIMIT}")
        box[iv] = (first, f"({stop} - 1)")
        loops.append(f"for q{tag}_{n} in range({first}, {stop}):")
    buf, _, _, load_pc, _ = inner.promoted
    views = proofs(gen, nest, box, tag, pre, checks)
    checks += stride_checks(nest, j_level.iv)
    apart = f"ca{tag}"
    pre.append(f"{apart} = {source(nest.index_form.coef(w_level.iv))}")
    checks.append(f"({apart} >= {row} or {apart} <= -{row})")
    at = f"{source(nest.index_form.offset)} + {apart} * ({wb} + {{u}}) + {{j}}"
    if width:
        fast = _chunks(gen, nest, views, tag, loops, factor, width, j_first, j_stop, at)
        kept = f"tiles of {factor} x {width} of them"
    else:
        fast = _whole_rows(gen, nest, views, tag, loops, factor, j_first, row, at)
        kept = f"{factor * row} of them"
    fast = [f"for {wb} in range({w0}, {ws}, {factor}):"] + ["    " + x for x in fast]
    fast += gen.assign(w_level.iv, "i64", ws)
    lines = counters.nest_entry(gen, head, w, bound_w, pre, checks, fast)
    return lines, (f"{head}: {factor} iterations of %i{w_level.iv} side by side around the loop "
                   f"over %i{j_level.iv} moved innermost below {len(levels) - 1} loop(s) (each element "
                   f"of %r{buf} updated in order; {kept} kept in registers), "
                   f"{len(views)} access(es) proven in bounds once per {factor} iterations")


def _reduction(gen, nest, views, tag, loops, rows, column, span) -> list:
    """The nest's loops around `span` (the loop over the row's columns), each column
    updating element `rows[u][...]` for each block row u in order."""
    lines, depth = [], 0
    for line in loops:
        lines.append("    " * depth + line)
        depth += 1
    lines.append("    " * depth + span)
    wb = f"wb{tag}"
    for u, r in enumerate(rows):
        lines += ["    " * (depth + 1) + x
                  for x in iteration(gen, nest, views, tag, f"{r}[{column[1]}]", f"{wb} + {u}", column[0])]
    return lines


def _whole_rows(gen, nest, views, tag, loops, factor, j_first, row, at) -> list:
    """One block: FACTOR whole rows (known at compile time) in stack arrays."""
    _, _, _, load_pc, _ = nest.inner.promoted
    c_view, jj = views[load_pc], f"jj{tag}"
    rows = [f"row{tag}_{u}" for u in range(factor)]
    span = f"for {jj} in range({j_first}, {j_first + row}):"
    fast = []
    for u, r in enumerate(rows):
        fast += [f"{r} = stack_array({row}, {c_view}.dtype)", span,
                 f"    {r}[{jj} - {j_first}] = {c_view}[{at.format(u=u, j=jj)}]"]
    fast += _reduction(gen, nest, views, tag, loops, rows, (jj, f"{jj} - {j_first}"), span)
    for u, r in enumerate(rows):
        fast += [span, f"    {c_view}[{at.format(u=u, j=jj)}] = {r}[{jj} - {j_first}]"]
    return fast


def _chunks(gen, nest, views, tag, loops, factor, width, j_first, j_stop, at) -> list:
    """One block in tiles of FACTOR rows x `width` columns, each tile's elements in
    stack arrays of `width` (LLVM keeps them in vector registers over the whole
    reduction). A last tile short of `width` columns is moved back to end at the
    row's end: its columns already done are computed again from their results and
    not stored (their loads stay in the row: in bounds and proven)."""
    _, _, _, load_pc, _ = nest.inner.promoted
    c_view, t, jk, jc = views[load_pc], f"t{tag}", f"jk{tag}", f"jc{tag}"
    rows = [f"row{tag}_{u}" for u in range(factor)]
    span = f"for {t} in vector_range({width}):"
    fast = [f"for {jk} in range({j_first}, {j_stop}, {width}):",
            f"    {jc} = min({jk}, {j_stop} - {width})"]
    for u, r in enumerate(rows):
        fast += [f"    {r} = stack_array({width}, {c_view}.dtype)", f"    {span}",
                 f"        {r}[{t}] = {c_view}[{at.format(u=u, j=f'{jc} + {t}')}]"]
    fast += ["    " + x for x in _reduction(gen, nest, views, tag, loops, rows, (f"{jc} + {t}", t), span)]
    for u, r in enumerate(rows):
        fast += [f"    {span}", f"        if {jc} + {t} >= {jk}:",
                 f"            {c_view}[{at.format(u=u, j=f'{jc} + {t}')}] = {r}[{t}]"]
    return fast
