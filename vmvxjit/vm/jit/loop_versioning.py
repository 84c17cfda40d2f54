"""Versions a simple innermost loop (loops.py finds it) for the block translator.

Emitted at the top of the loop's header block, before its literal code:
when the entry checks hold (a unit step, magnitudes small enough that no
index arithmetic wraps, every affine access's range over the loop in
bounds, written buffers writable, and the bytes a promoted element or a
hoisted load occupies disjoint from those the loop writes elsewhere:
ranges.py), a tight loop runs with unchecked affine accesses, the promoted
element in a register and loop-invariant ops hoisted (licm.py), its exps
computed ahead in chunks (distribution.py), then leaves the loop as its
header would. Otherwise the literal translation runs as if
nothing happened: the checks have no side effects.

Works through the public interface of the emitter `gen` (codegen.RegionEmitter),
so the same code serves regions, callees and VMVX entry functions.
"""

from __future__ import annotations

from vmvxjit.vm import isa
from vmvxjit.vm.elements import ACCESSES, ELEMENTS
from vmvxjit.vm.jit import counters, distribution, licm, ranges, running_max, switches
from vmvxjit.vm.jit.affine import source
from vmvxjit.vm.jit.loops import LoopPlan
from vmvxjit.vm.jit.ops import TEMPLATES, template
from vmvxjit.vm.jit.regions import CONST_OPS
from vmvxjit.vm.jit.spelling import CAST, STORE_MASK, literal, var


def versioned_loop(gen, plan: LoopPlan, rarely_run: bool = False) -> tuple[list, str]:
    """The versioned header block code for `plan` and a note on what it does
    for --trace; ([], "") when nothing would be gained. A loop `rarely_run` (the
    inner loop of a reordered nest, in code Numba compiles) gets no chunks or lanes:
    a 64x1024 softmax's VMVX entry function took 3 s longer to compile with them
    (25 s), for loops its jammed nests replace."""
    tag = gen.tag()
    iv, step, bound = (var(r, "i64") for r in (plan.iv, plan.step, plan.bound))
    pre = [f"n{tag} = ({bound} - {iv} + {step} - 1) // {step} if {bound} > {iv} and {step} > 0 else 0"]
    # The fast version is specialised to a unit step (what IREE emits), so LLVM
    # sees unit-stride accesses it can vectorise.
    checks = [f"{step} == 1", f"-1099511627776 < {iv} < 1099511627776",
              f"-1099511627776 < {bound} < 1099511627776"]
    accesses = {i.pc: i for i in plan.body.instrs}
    kept = plan.promoted if switches.on("promote") else None
    promoted = kept or (None, None, None, None, None)
    hoisted = licm.hoistable(plan, promoted[3:]) if switches.on("licm") else []
    hoisted_pcs = {i.pc for i, _ in hoisted}
    proven, spans = {}, {}
    for k, (pc, form) in enumerate(sorted(plan.affine.items())):
        instr = accesses[pc]
        if pc in (promoted[3], promoted[4]) or pc in hoisted_pcs:
            continue
        code = ACCESSES[instr.op.mnemonic]
        raw = instr.args[0]
        view = f"v{tag}_{k}"
        c, d = f"c{tag}_{k}", f"d{tag}_{k}"
        pre += [f"{view} = {gen.view_expr(raw, code)}",
                f"{c} = {source(form.coef(plan.iv))}", f"{d} = {source(form.offset)}"]
        first = f"{c} * {iv} + {d}"
        last = f"{c} * ({iv} + (n{tag} - 1) * {step}) + {d}"
        checks += gen.handle_checks(raw)
        checks += [f"-1048576 < {c} < 1048576", f"-1125899906842624 < {d} < 1125899906842624",
                   f"(n{tag} == 0 or (0 <= {first} < {view}.shape[0] and 0 <= {last} < {view}.shape[0]))"]
        if instr.op.mnemonic.startswith("vm.buffer.store."):
            checks.append(f"{gen.mut_expr(raw)} != 0")
        proven[pc] = view
        spans[pc] = ranges.Span(raw, f"min({first}, {last})", f"max({first}, {last})", code)
    notes = []
    if proven:
        notes.append(f"{len(proven)} access(es) bounds-checked once at loop entry")
    setup, replaced = _hoist(gen, hoisted, tag, pre, checks, spans)
    loads = [i.pc for i, _ in hoisted if i.pc in spans]
    flush = []
    if kept:
        buf, index, code, _, _ = kept
        raw = buf | isa.REF_BIT
        view = f"v{tag}_p"
        pre.append(f"{view} = {gen.view_expr(raw, code)}")
        k = var(index, "i64")
        checks += gen.handle_checks(raw)
        checks += [f"0 <= {k} < {view}.shape[0]", f"{gen.mut_expr(raw)} != 0"]
        others = []
        for other in plan.others:
            checks += gen.handle_checks(other | isa.REF_BIT)
            others += _spans(plan, other, spans, kept[3:])
        checks += _apart(gen, tag, [ranges.Span(raw, k, k, code)], others)
        setup = [f"p{tag} = {CAST[code]}({view}[ix({k})])", f"w{tag} = False"] + setup
        flush = [f"if w{tag}:", f"    {view}[ix({k})] = p{tag}"]
        notes.append(f"element of buffer %r{buf} at %i{index} kept in a register")
    if hoisted:
        stores = [i for i in plan.body.instrs if i.op.mnemonic.startswith(licm.STORES) and i.pc != promoted[4]]
        for store in stores:
            checks += gen.handle_checks(store.args[0])
        written = [spans.get(i.pc, ranges.Span(i.args[0])) for i in stores]
        checks += _apart(gen, tag, [spans[pc] for pc in loads], written)
        notes.append(f"{len(hoisted)} loop-invariant op(s) hoisted ({len(loads)} load(s))")
    test = gen.instr(plan.header.instrs[0])
    cond = plan.header.terminator.args[0]
    test += [f"if {var(cond, 'i32')} == 0:", "    break"]
    temps = {instr.pc: f"h{tag}_{n}" for n, (instr, _) in enumerate(hoisted)}
    chunked = None if rarely_run else _split(gen, plan, tag, proven, temps, promoted[3:], checks, spans)
    arrays = chunked.arrays if chunked else {}
    loop = []
    for instr in plan.body.instrs[:-1]:
        m = instr.op.mnemonic
        if instr.pc in arrays:
            loop += gen.assign(instr.args[-1], "f32", f"{arrays[instr.pc]}[{chunked.t}]")
        elif kept and instr.pc == promoted[3]:
            loop += gen.assign(instr.args[2], promoted[2], f"p{tag}")
        elif kept and instr.pc == promoted[4]:
            loop += [f"p{tag} = {CAST[promoted[2]]}({var(instr.args[2], promoted[2])})",
                     f"w{tag} = True"]
        elif instr.pc == plan.update_pc:
            loop += gen.assign(plan.iv, "i64", f"{iv} + 1")
        elif instr.pc in replaced:
            loop += replaced[instr.pc]
        elif instr.pc in proven:
            code = ACCESSES[m]
            k = var(instr.args[1], "i64")
            bank = ELEMENTS[code].bank
            if m.startswith("vm.buffer.load."):
                loop += gen.assign(instr.args[2], bank, f"{proven[instr.pc]}[ix({k})]")
            else:
                loop.append(f"{proven[instr.pc]}[ix({k})] = "
                            f"{var(instr.args[2], bank)}{STORE_MASK.get(code, '')}")
        else:
            loop += gen.instr(instr)
    if not notes:
        return [], ""
    _, _, _, exit_pc, exit_pairs = plan.header.terminator.args
    head = f"loop at {plan.header.pc:08X}"
    if chunked:
        notes.append(f"{len(arrays)} exp(s) computed ahead in chunks of {distribution.CHUNK}")
        m_chunk = f"m{tag}"
        setup += [f"{a} = stack_array({distribution.CHUNK}, np.float32)" for a in arrays.values()]
        loop = (test + [f"{m_chunk} = min({distribution.CHUNK}, {bound} - {iv})",
                        f"for {chunked.t} in range({m_chunk}):"] + ["    " + x for x in chunked.lines]
                + [f"for {chunked.t} in range({m_chunk}):"]
                + ["    " + x for x in gen.instr(plan.header.instrs[0]) + loop])
    else:
        loop = test + loop
    lanes = [] if rarely_run else _lanes(plan, tag, proven, temps, promoted[3:],
                                         gen.assign(plan.iv, "i64", f"{iv} + k{tag}"))
    if lanes:
        notes.append(f"running maximum of %r{promoted[0]} folded in {running_max.LANES} lanes")
    fast = setup + lanes + ["while True:"] + ["    " + x for x in loop] + flush
    lines = pre + counters.versioned(gen, head, checks, fast, "False",
                                     gen.goto(exit_pc, exit_pairs), f"n{tag} > 0")
    return lines, f"{head}: " + "; ".join(notes)


def _split(gen, plan: LoopPlan, tag: str, proven: dict, temps: dict, kept: tuple, checks: list,
           spans: dict):
    """The loop's distribution.Split, if it has one (switch `distribute`), with the entry
    check that its loads read bytes the loop does not write added to `checks`."""
    if not switches.on("distribute"):
        return None
    chunked = distribution.split(plan, tag, proven, temps, kept)
    if chunked is None:
        return None
    stores = [i for i in plan.body.instrs if i.op.mnemonic.startswith(licm.STORES)]
    for store in stores:
        checks += gen.handle_checks(store.args[0])
    # A promoted element's bytes are already checked apart from every other access.
    written = [spans.get(i.pc, ranges.Span(i.args[0])) for i in stores if i.pc != kept[1]]
    checks += _apart(gen, tag, written, [spans[pc] for pc in chunked.loads])
    return chunked


def _lanes(plan: LoopPlan, tag: str, proven: dict, temps: dict, kept: tuple, advance: list) -> list:
    """Lines folding all but the last iteration of a running maximum in lanes
    (running_max.py, switch `lanes`), then setting the promoted element, its
    written flag and the counter (`advance`: the counter moved by `k{tag}`) as
    those iterations leave them; none for another loop."""
    if not (switches.on("lanes") and kept[0] is not None):
        return []
    lanes, j, b, q, k, full, best = (f"{name}{tag}" for name in ("lane", "j", "b", "q", "k", "full", "best"))
    ahead = distribution.Slices(plan, f"({b} + {j})", f"xl{tag}", proven, temps, kept)
    found = running_max.match(plan, kept, ahead)
    if found is None:
        return []
    width = running_max.LANES
    lines, _ = ahead.code([found.x_pc])
    step, folded = running_max.fold(found, f"acc{tag}", ahead.locals[found.x_pc], f"fl{tag}")
    lanes_loop = lines + [f"acc{tag} = np.float32({lanes}[{j}])"] + step + [f"{lanes}[{j}] = {folded}"]
    merge, merged = running_max.fold(found, best, f"other{tag}", f"fm{tag}")
    tail = distribution.Slices(plan, q, f"xt{tag}", proven, temps, kept)
    lines, _ = tail.code([found.x_pc])
    last, lasted = running_max.fold(found, best, tail.locals[found.x_pc], f"ft{tag}")
    return ([f"{k} = n{tag} - 1", f"if {k} >= {2 * width}:",
             f"    {lanes} = stack_array({width}, np.float32)",
             f"    for {j} in range({width}):", f"        {lanes}[{j}] = p{tag}",
             f"    {full} = {k} // {width} * {width}",
             f"    for {b} in range(0, {full}, {width}):", f"        for {j} in vector_range({width}):"]
            + ["            " + x for x in lanes_loop]
            + [f"    {best} = np.float32({lanes}[0])", f"    for {j} in range(1, {width}):",
               f"        other{tag} = np.float32({lanes}[{j}])"]
            + ["        " + x for x in merge + [f"{best} = {merged}"]]
            + [f"    for {q} in range({full}, {k}):"] + ["        " + x for x in lines + last + [f"{best} = {lasted}"]]
            + [f"    if {best} != 0:", f"        p{tag} = {best}", f"        w{tag} = True"]
            + ["        " + x for x in advance])


def _hoist(gen, hoisted: list, tag: str, pre: list, checks: list, spans: dict) -> tuple[list, dict]:
    """Temporaries for the hoisted ops (licm.py), computed before the loop:
    the setup lines and, per hoisted op's pc, its replacement in the loop.
    A hoisted load's bounds check goes to `checks`, its element to `spans`."""
    setup, replaced = [], {}
    for n, (instr, operands) in enumerate(hoisted):
        m, args = instr.op.mnemonic, instr.args
        if m in CONST_OPS:
            bank, w = instr.op.result_bank, args[-1]
            expr = literal(bank, args[0] if len(args) == 2 else 0)
        elif m in TEMPLATES:
            fields = instr.op.fields
            reads = [f"h{tag}_{operands[v]}" if v in operands else var(v, f.bank)
                     for f, v in zip(fields, args) if f.kind.startswith("R.")]
            (w_field, w), = [(f, v) for f, v in zip(fields, args) if f.kind.startswith("W.")]
            bank, expr = w_field.bank, template(m).format(*reads)
        else:
            raw, index, w = args
            code = ACCESSES[m]
            bank, view, k = ELEMENTS[code].bank, f"v{tag}_h{n}", var(index, "i64")
            pre.append(f"{view} = {gen.view_expr(raw, code)}")
            checks += gen.handle_checks(raw) + [f"0 <= {k} < {view}.shape[0]"]
            spans[instr.pc] = ranges.Span(raw, k, k, code)
            expr = f"{view}[ix({k})]"
        setup.append(f"h{tag}_{n} = {CAST[bank]}({expr})")
        replaced[instr.pc] = gen.assign(w, bank, f"h{tag}_{n}")
    return setup, replaced


def _apart(gen, tag: str, written: list, others: list) -> list:
    """The check that `written` and `others` spans are disjoint, vacuous when
    the loop runs no iteration (its computed ranges are then meaningless)."""
    apart = ranges.disjoint(gen, written, others)
    return [f"(n{tag} == 0 or ({' and '.join(apart)}))"] if apart else []


def _spans(plan: LoopPlan, buf: int, spans: dict, kept: tuple) -> list:
    """The byte ranges the loop's accesses to buffer register `buf` but the
    promoted pair (`kept`: its pcs) touch: their computed ranges (`spans`:
    access pc -> Span) when every access has one, else the whole buffer."""
    found = [i.pc for i in plan.body.instrs if i.op.mnemonic.startswith("vm.buffer.")
             and i.op.mnemonic != "vm.buffer.length" and i.args[0] & isa.REF_MASK == buf
             and i.pc not in kept]
    if all(pc in spans for pc in found):
        return [spans[pc] for pc in found]
    return [ranges.Span(buf | isa.REF_BIT)]
