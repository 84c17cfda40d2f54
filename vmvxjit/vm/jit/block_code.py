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
bit-identical, while the chains of F rows overlap. Emitted at the top of the
w loop's header block: when the entry checks hold (unit steps, non-empty
inner loops, j running over its compile-time range, at least F iterations
of w left, no wrapping index arithmetic, every access in bounds over the
blocked iterations, C writable, the bytes of C it writes disjoint from those
it reads elsewhere (ranges.py), C's
rows unit-strided in j and at least a row apart in w), the blocks run with
unchecked accesses; then w is set to where they stopped and the literal
code runs the remaining iterations (the last one always, when registers
the nest writes are live at its exit), each through the interchanged nest.
Otherwise the literal code runs as if nothing happened.
"""

from __future__ import annotations

from vmvxjit.vm.jit import counters
from vmvxjit.vm.jit.affine import source
from vmvxjit.vm.jit.spelling import var
from vmvxjit.vm.jit.nest_code import IV_LIMIT, MAX_TERMS, iteration, proofs, stride_checks

FACTOR = 4                   # measured on conv2d's 16-wide rows: 163 -> 121 µs (4 zmm chains);
_MAX_ELEMENTS = 128          # 8 rows 128 µs, 2 rows 557 µs (LLVM leaves the j loop scalar)


def _row(gen, nest) -> tuple | None:
    """(first j, row length) when the j loop's range is known at compile time."""
    j_level = nest.levels[1]
    first = gen.region.consts.get(j_level.init)
    stop = gen.region.consts.get(j_level.bound)
    if first is None or stop is None or first[0] != "i64" or stop[0] != "i64":
        return None
    count = int(stop[1]) - int(first[1])
    return (int(first[1]), count) if count > 0 else None


def blocked_nest(gen, nest) -> tuple[list, str]:
    levels, inner = nest.levels, nest.inner
    w_level, j_level = levels[0], levels[1]
    head = f"loop nest at {w_level.header.pc:08X}"
    if any(len(f.terms) + 1 > MAX_TERMS for f in [nest.index_form, *nest.forms.values()]):
        return [], f"{head}: not blocked (too many index terms)"
    shape = _row(gen, nest)
    if shape is None or shape[1] * FACTOR > _MAX_ELEMENTS:
        return [], f"{head}: not blocked (the moved loop's range is not known, or too long)"
    j_first, row = shape
    factor = FACTOR
    tag = gen.tag("b")
    w, bound_w = var(w_level.iv, "i64"), var(w_level.bound, "i64")
    w0, we, ws, wb = f"w0{tag}", f"we{tag}", f"ws{tag}", f"wb{tag}"
    pre = [f"{w0} = {w}", f"{we} = {bound_w if nest.full else bound_w + ' - 1'}",
           f"{ws} = {w0} + ({we} - {w0}) // {factor} * {factor}"]
    checks = [f"{var(lv.step, 'i64')} == 1" for lv in levels] + [f"{var(inner.step, 'i64')} == 1"]
    checks += [f"-{IV_LIMIT} < {w0}", f"{w0} + {factor} <= {we}", f"{bound_w} < {IV_LIMIT}",
               f"{var(j_level.init, 'i64')} == {j_first}", f"{var(j_level.bound, 'i64')} == {j_first + row}"]
    box = {w_level.iv: (w0, f"({ws} - 1)"), j_level.iv: (str(j_first), str(j_first + row - 1))}
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
    c_view, jj = views[load_pc], f"jj{tag}"
    rows = [f"row{tag}_{u}" for u in range(factor)]
    ats = [f"{source(nest.index_form.offset)} + {apart} * ({wb} + {u}) + {jj}" for u in range(factor)]
    span = f"for {jj} in range({j_first}, {j_first + row}):"
    fast = [f"for {wb} in range({w0}, {ws}, {factor}):"]
    for r, at in zip(rows, ats):
        fast += [f"    {r} = stack_array({row}, {c_view}.dtype)", f"    {span}",
                 f"        {r}[{jj} - {j_first}] = {c_view}[{at}]"]
    depth = 1
    for line in loops:
        fast.append("    " * depth + line)
        depth += 1
    fast.append("    " * depth + span)
    for u, r in enumerate(rows):
        fast += ["    " * (depth + 1) + x
                 for x in iteration(gen, nest, views, tag, f"{r}[{jj} - {j_first}]", f"{wb} + {u}", jj)]
    for r, at in zip(rows, ats):
        fast += [f"    {span}", f"        {c_view}[{at}] = {r}[{jj} - {j_first}]"]
    fast += gen.assign(w_level.iv, "i64", ws)
    lines = counters.nest_entry(gen, head, w, bound_w, pre, checks, fast)
    return lines, (f"{head}: {factor} iterations of %i{w_level.iv} side by side around the loop "
                   f"over %i{j_level.iv} moved innermost below {len(levels) - 1} loop(s) (each element "
                   f"of %r{buf} updated in order; {factor * row} of them kept in registers), "
                   f"{len(views)} access(es) proven in bounds once per {factor} iterations")
