"""Generates the unrolled-and-jammed version of a two-loop nest (see nests.py).

A reduction nest `for j: P; for k: C[idx(j)] = f(C[idx(j)], ...)` whose rows
are not adjacent in memory cannot be interchanged profitably, and each row
is a chain of dependent float operations that runs at their latency. Here
F consecutive j iterations run side by side (F from _factor):

    for jb in range(j0, js, F):
        acc_u = C[idx(jb + u)]                      for each u
        for k: (P; body with acc_u for C[idx(jb + u)])   for each u in order
        C[idx(jb + u)] = acc_u                      for each u

Each row keeps its own accumulator and its own order of operations, so the
results are bit-identical, while the chains of different rows overlap. The
dependence analysis of nests.py makes this legal (each j owns one element
of C, which nothing else in the nest reads; loads touch bytes disjoint
from the written elements of C). Emitted at the top of the outer loop's header block: when the entry
checks hold (unit steps, a non-empty inner loop, at least F iterations
left, no wrapping index arithmetic, every access in bounds over the jammed
iterations, C writable, its written bytes disjoint from those the nest
reads elsewhere (ranges.py) and its elements distinct per j), the jammed blocks run with unchecked accesses; then j is
set to where they stopped and the literal code runs the remaining
iterations (the last one always, when registers the nest writes are live at
its exit). Otherwise the literal code runs as if nothing happened.
"""

from __future__ import annotations

from vmvxjit.vm.jit import counters
from vmvxjit.vm.jit.affine import source
from vmvxjit.vm.jit.spelling import var
from vmvxjit.vm.jit.nest_code import IV_LIMIT, MAX_TERMS, iteration, outer_code, proofs

_SHORT, _LONG = 4, 8


def _factor(nest) -> int:
    """Rows run side by side: 4 when a row does one float operation per
    element (row sums: memory-bound once 4 rows overlap; 8 rows, 8 load
    streams, measured ~20% slower), else 8 (softmax's max and sum rows:
    measured ~15% faster than 4)."""
    ops = [i for i in nest.inner.body.instrs if not i.op.mnemonic.startswith("vm.buffer.")
           and {"f32", "f64"} & set(i.op.mnemonic.split("."))]
    return _SHORT if len(ops) <= 1 else _LONG


def jammed_nest(gen, nest, why: str) -> tuple[list, str]:
    outer, inner = nest.levels[0], nest.inner
    head = f"loop nest at {outer.header.pc:08X}: not interchanged ({why})"
    if any(len(f.terms) + 1 > MAX_TERMS for f in nest.forms.values()):
        return [], f"{head}; not jammed (too many index terms)"
    tag = gen.tag("m")
    j, bound_j = var(outer.iv, "i64"), var(outer.bound, "i64")
    first, stop = var(nest.k_init, "i64"), var(inner.bound, "i64")
    factor = _factor(nest)
    j0, je, js, jb = f"j0{tag}", f"je{tag}", f"js{tag}", f"jb{tag}"
    pre = [f"{j0} = {j}", f"{je} = {bound_j if nest.full else bound_j + ' - 1'}",
           f"{js} = {j0} + ({je} - {j0}) // {factor} * {factor}"]
    checks = [f"{var(outer.step, 'i64')} == 1", f"{var(inner.step, 'i64')} == 1",
              f"-{IV_LIMIT} < {j0}", f"{j0} + {factor} <= {je}", f"{bound_j} < {IV_LIMIT}",
              f"-{IV_LIMIT} < {first} < {stop} < {IV_LIMIT}"]
    box = {outer.iv: (j0, f"({js} - 1)"), inner.iv: (first, f"({stop} - 1)")}
    views = proofs(gen, nest, box, tag, pre, checks)
    buf, index, _, load_pc, _ = inner.promoted
    checks.append(f"{source(nest.index_form.coef(outer.iv))} != 0")
    rows = [f"{jb} + {u}" for u in range(factor)]
    accs = [f"acc{tag}_{u}" for u in range(factor)]
    ats = [f"at{tag}_{u}" for u in range(factor)]
    block = []
    for row, acc, at in zip(rows, accs, ats):
        block += outer_code(gen, nest, row)
        block += [f"{at} = {var(index, 'i64')}", f"{acc} = {views[load_pc]}[ix({at})]"]
    block.append(f"for q{tag}_0 in range({first}, {stop}):")
    for row, acc in zip(rows, accs):
        block += ["    " + x for x in iteration(gen, nest, views, tag, acc, row)]
    block += [f"{views[load_pc]}[ix({at})] = {acc}" for acc, at in zip(accs, ats)]
    fast = [f"for {jb} in range({j0}, {js}, {factor}):"] + ["    " + x for x in block]
    fast += gen.assign(outer.iv, "i64", js)
    lines = counters.nest_entry(gen, f"loop nest at {outer.header.pc:08X}", j, bound_j, pre, checks, fast)
    return lines, (f"{head}; jammed: {factor} iterations of %i{outer.iv} side by side, each "
                   f"updating its own element of %r{buf} in order; {len(views)} access(es) "
                   f"proven in bounds once for the nest")
