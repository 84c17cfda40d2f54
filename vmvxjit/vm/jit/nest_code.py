"""Generates the interchanged version of a loop nest (see nests.py).

Emitted at the top of the outer loop's header block, before the literal
code: when the entry checks hold — unit steps, non-empty inner loops,
magnitudes small enough that no index arithmetic wraps, every access's
whole range over the iteration box in bounds, the written buffer writable
and the written range disjoint from the others (ranges.py), the new inner
loop walking the updated elements with unit stride and the other buffers
with small strides — the nest
runs as `for m1: ... for k: for j: body` with unchecked accesses; then j is
set to where the reordered part stopped and the literal code continues
(the header exits, or the last j iteration runs literally). Otherwise the
literal code runs as if nothing happened: the checks have no side effects.
"""

from __future__ import annotations

from vmvxjit.vm import isa
from vmvxjit.vm.elements import ACCESSES, ELEMENTS
from vmvxjit.vm.jit import counters, ranges, switches
from vmvxjit.vm.jit.affine import source
from vmvxjit.vm.jit.nests import max_load_stride
from vmvxjit.vm.jit.spelling import var

IV_LIMIT = 1 << 40           # |loop bounds| below this and
COEF_LIMIT = 1 << 20         # |coefficients| below this and
OFFSET_LIMIT = 1 << 50       # |offsets| below this: no affine sum of up to 7 terms wraps
MAX_TERMS = 7                # terms per affine sum the limits above allow
_MAX_ROW = 1024              # elements kept in a stack array (4-8 KiB)


def interchanged_nest(gen, nest, block_ids: dict) -> tuple[list, str]:
    levels, inner = nest.levels, nest.inner
    outer = levels[0]
    tag = gen.tag("x")
    j, bound_j = var(outer.iv, "i64"), var(outer.bound, "i64")
    if any(len(f.terms) + 1 > MAX_TERMS for f in [nest.index_form, *nest.forms.values()]):
        return [], f"loop nest at {outer.header.pc:08X}: not interchanged (too many index terms)"
    row = _row_length(gen, nest)
    j0, je = f"j0{tag}", f"je{tag}"
    pre = [f"{j0} = {j if nest.j_start is None else nest.j_start}",
           f"{je} = {bound_j if nest.full else bound_j + ' - 1'}"]
    checks = [f"{var(lv.step, 'i64')} == 1" for lv in levels] + [f"{var(inner.step, 'i64')} == 1"]
    checks += [f"{j0} < {je}", f"-{IV_LIMIT} < {j0}", f"{bound_j} < {IV_LIMIT}"]
    if nest.j_start is not None:
        checks.append(f"{j} == {nest.j_start}")
    box = {outer.iv: (j0, f"({je} - 1)")}
    loops = []
    for n, (iv, init, bound) in enumerate([(lv.iv, lv.init, lv.bound) for lv in levels[1:]]
                                          + [(inner.iv, nest.k_init, inner.bound)]):
        first, stop = var(init, "i64"), var(bound, "i64")
        checks += [f"-{IV_LIMIT} < {first} < {stop} < {IV_LIMIT}"]
        box[iv] = (first, f"({stop} - 1)")
        loops.append(f"for q{tag}_{n} in range({first}, {stop}):")
    buf, _, _, load_pc, _ = inner.promoted
    views = proofs(gen, nest, box, tag, pre, checks)
    checks += stride_checks(nest, outer.iv)
    element = f"row{tag}[jj{tag} - {j0}]" if row else None
    body = iteration(gen, nest, views, tag, element, f"jj{tag}")
    fast = []
    if row:
        base = f"lo{tag}_{sorted(nest.forms).index(load_pc)}"
        c_view = views[load_pc]
        fast += [f"row{tag} = stack_array({row}, {c_view}.dtype)",
                 f"for jj{tag} in range({row}):", f"    row{tag}[jj{tag}] = {c_view}[{base} + jj{tag}]"]
    depth = 0
    for line in loops + [f"for jj{tag} in range({j0}, {je}):"]:
        fast.append("    " * depth + line)
        depth += 1
    fast += ["    " * depth + x for x in body]
    if row:
        fast += [f"for jj{tag} in range({row}):", f"    {c_view}[{base} + jj{tag}] = row{tag}[jj{tag}]"]
    fast += gen.assign(outer.iv, "i64", je)
    tail = [] if nest.full else [f"bb = {block_ids[outer.pre.pc]}", "continue"]
    head = f"loop nest at {outer.header.pc:08X}"
    lines = counters.nest_entry(gen, head, j, bound_j, pre, checks, fast, tail)
    moved = "every iteration" if nest.full else "all but the last iteration"
    kept = f"; its {row} elements of %r{buf} kept in registers" if row else ""
    return lines, (f"{head}: loop over %i{outer.iv} moved innermost "
                   f"below {len(levels)} loop(s) ({moved}; element order of %r{buf} kept{kept}), "
                   f"{len(views)} access(es) proven in bounds once for the nest")


def proofs(gen, nest, box: dict, tag: str, pre: list, checks: list) -> dict:
    """Adds to `pre`/`checks` the entry checks that let a reordered nest run
    its accesses unchecked: the written buffer writable, every access's range
    over `box` (iv -> first, last) in bounds, and the written range disjoint
    from every other access's (ranges.py). Returns access pc -> the view it
    reads or writes."""
    inner = nest.inner
    c_raw = inner.promoted[0] | isa.REF_BIT
    _, _, _, load_pc, store_pc = inner.promoted
    checks += gen.handle_checks(c_raw) + [f"{gen.mut_expr(c_raw)} != 0"]
    accesses = {i.pc: i for i in inner.body.instrs}
    views, written, others = {}, [], []
    for n, (pc, form) in enumerate(sorted(nest.forms.items())):
        raw = accesses[pc].args[0]
        code = ACCESSES[accesses[pc].op.mnemonic]
        view = views[pc] = f"v{tag}_{n}"
        pre.append(f"{view} = {gen.view_expr(raw, code)}")
        checks += gen.handle_checks(raw)
        lo, hi = f"lo{tag}_{n}", f"hi{tag}_{n}"
        pre += [f"{lo} = {source(form.offset)}", f"{hi} = {lo}"]
        checks.append(f"-{OFFSET_LIMIT} < {lo} < {OFFSET_LIMIT}")
        for iv, coef in form.terms:
            first, last = box[iv]
            c = f"c{tag}_{n}_{iv}"
            pre += [f"{c} = {source(coef)}", f"{lo} += min({c} * {first}, {c} * {last})",
                    f"{hi} += max({c} * {first}, {c} * {last})"]
            checks.append(f"-{COEF_LIMIT} < {c} < {COEF_LIMIT}")
        checks.append(f"0 <= {lo} and {hi} < {view}.shape[0]")
        span = ranges.Span(raw, lo, hi, code)
        if pc == store_pc:
            written.append(span)
        elif pc != load_pc:
            others.append(span)
    checks += ranges.disjoint(gen, written, others)
    return views


def stride_checks(nest, iv: int) -> list:
    """Entry checks that the loop over `iv`, moved innermost, walks the updated
    elements with unit stride and reads the other buffers with strides from 0
    to nests.max_load_stride()."""
    _, _, _, load_pc, store_pc = nest.inner.promoted
    checks = []
    for pc, form in nest.forms.items():
        stride = source(form.coef(iv))
        checks.append(f"{stride} == 1" if pc in (load_pc, store_pc) else f"(0 <= {stride} <= {max_load_stride()})")
    return checks


def _row_length(gen, nest) -> int:
    """How many elements the reordered j loop updates, when known at compile
    time and small: they are then kept in a stack array during the nest."""
    bound = gen.constant(nest.levels[0].bound, "i64")
    if not switches.on("promote") or nest.j_start is None or bound is None:
        return 0
    count = bound - nest.j_start - (0 if nest.full else 1)
    return count if 0 < count <= _MAX_ROW else 0


def outer_code(gen, nest, j: str) -> list:
    """The code between the outer loop's header and the next loop, for outer
    iteration `j` (an expression)."""
    lines = gen.assign(nest.levels[0].iv, "i64", j)
    for instr in nest.levels[0].pre.instrs[:-1]:
        lines += gen.instr(instr)
    return lines


def iteration(gen, nest, views: dict, tag: str, element, *moved: str) -> list:
    """One iteration of the reordered nest for iterations `moved` (expressions)
    of the outermost loops, the others' ivs from `q{tag}_0`, ...; the updated
    element is `element` (an entry of a stack row, a local) or read and
    written in place."""
    levels, inner = nest.levels, nest.inner
    _, index, code, load_pc, store_pc = inner.promoted
    element = element or f"{views[load_pc]}[ix({var(index, 'i64')})]"
    ivs = [*moved] + [f"q{tag}_{n}" for n in range(len(levels) + 1 - len(moved))]
    lines = []
    for level, iv in zip(levels, ivs):
        lines += gen.assign(level.iv, "i64", iv)
        for instr in level.pre.instrs[:-1]:
            lines += gen.instr(instr)
    lines += gen.assign(inner.iv, "i64", ivs[-1])
    for instr in inner.body.instrs[:-1]:
        m = instr.op.mnemonic
        if instr.pc == inner.update_pc:
            continue
        if instr.pc == load_pc:
            lines += gen.assign(instr.args[2], code, element)
        elif instr.pc == store_pc:
            lines.append(f"{element} = {var(instr.args[2], code)}")
        elif instr.pc in views:
            bank = ELEMENTS[ACCESSES[m]].bank
            lines += gen.assign(instr.args[2], bank, f"{views[instr.pc]}[ix({var(instr.args[1], 'i64')})]")
        else:
            lines += gen.instr(instr)
    return lines
