"""Generates the Numba source of one region: typed locals and a block-dispatch loop.

Each register slot becomes one local per type it is used with (`r5_i64`,
`r5_f32`; i32 and i64 values share the int64 local): valid bytecode only
reads the type it last wrote, so separate locals are exact without any type
inference, and a slot used with several types carries a small tag saying
which local is current. Locals are loaded
from the `ri`/`rf` arrays at entry and stored back at exit. Buffers arrive
as address/length/mutability arrays; every access is bounds-checked and a
failed check returns -1 with the fault described in `err`, before anything
is written. An internal call of a callee that compiles (callees.py) calls
its Numba function; a fault inside it comes back the same way, with the
callee frames it passed through in `err[ERR_FRAMES:]`.

The generated function (`counts`: see counters.py):
    region(entry, ri, rf, tags, addrs, lens, mut, err, counts) -> exit index or -1
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from vmvxjit.vm import isa
from vmvxjit.vm.jit import counters, licm, ranges, switches
from vmvxjit.vm.jit.affine import source
from vmvxjit.vm.jit.block_code import blocked_nest
from vmvxjit.vm.jit.callees import CCONV_BANKS, MAX_NATIVE_DEPTH
from vmvxjit.vm.jit.jam import jammed_nest
from vmvxjit.vm.jit.loops import LoopPlan, innermost_loops
from vmvxjit.vm.jit.nest_code import interchanged_nest
from vmvxjit.vm.jit.nests import find_nest
from vmvxjit.vm.jit.ops import FAULT_OPS, FAULTS, TEMPLATES, element_bank, template
from vmvxjit.vm.jit.regions import BUFFER_OPS, CONST_OPS, SWITCH_OPS, Region, _remaps

INT_BANKS = ("i32", "i64")
_BANK_ORDER = ("i32", "i64", "f32", "f64")
CAST = {"i32": "np.int64", "i64": "np.int64", "f32": "np.float32", "f64": "np.float64"}
NJIT = "@njit(cache=True, error_model='numpy', boundscheck=False, nogil=True)\n"

FAULT_BOUNDS = 1
FAULT_READ_ONLY = 2
FAULT_ARITHMETIC = 3
# err: kind, pc, four fault values, then the number of callee frames and an
# (ordinal, pc) pair per frame, innermost first (at most MAX_NATIVE_DEPTH).
ERR_FRAMES = 6
ERR_SIZE = ERR_FRAMES + 1 + 2 * MAX_NATIVE_DEPTH

# element code -> (numpy view dtype, element size, load conversion)
_VIEWS = {
    "i8.u": ("np.uint8", 1), "i8.s": ("np.int8", 1), "i16.u": ("np.uint16", 2),
    "i16.s": ("np.int16", 2), "i32": ("np.int32", 4), "i64": ("np.int64", 8),
    "f32": ("np.float32", 4), "f64": ("np.float64", 8),
    "i8": ("np.uint8", 1), "i16": ("np.uint16", 2),
}
_STORE_MASK = {"i8": " & 0xFF", "i16": " & 0xFFFF"}


@dataclass
class RegionCode:
    source: str
    name: str
    int_vars: list          # (slot, bank) in ri order
    float_vars: list        # (slot, bank) in rf order
    multi_slots: list       # slots with several variants, in tags order
    written: list           # slots written inside the region and live where it exits (handed back)
    variants: dict          # slot -> [bank, ...]
    entry_ids: dict         # marker pc -> entry id
    exits: list             # marker pc per exit id
    notes: list             # what the optimizer did, for --trace
    sites: list             # label per counted loop or nest (counters.py)
    fault_pcs: list         # bytecode offset per fault site number (the `err[1]` the code reports)
    reordered_nests: int = 0    # nests run reordered (interchanged, jammed, blocked): vector code
    prelude: str = ""       # the compiled callees' functions, defined before the region's


def local_bank(bank: str) -> str:
    """The bank of the local that holds a register of `bank`: i32 and i64 values are
    both int64 locals, so a slot IREE reuses for both needs one local and no tag."""
    return "i64" if bank == "i32" else bank


def _var(slot: int, bank: str) -> str:
    return f"r{slot}_{local_bank(bank)}"


class _Gen:
    fail_return = "return -1"     # how generated code leaves after recording a fault

    def __init__(self, region: Region):
        self.region = region
        self.variants: dict = {}
        self.written: set = set()
        self.buffer_index = {r: i for i, r in enumerate(region.buffer_registers)}
        self.views: set = set()
        self.exits: list = []
        self.block_ids = {b.pc: i for i, b in enumerate(region.blocks)}
        self.sites: list = []    # label per optimized loop or nest with run-time counts (counters.py)
        self.reordered_nests = 0     # of them, nests run reordered (counters.nest_entry)
        # With a table, faults report a site number instead of a bytecode offset, and
        # names are numbered in emission order: regions alike but for where they sit
        # in the bytecode get the same text, hence one compile (the cache keys on it).
        self.fault_pcs: list | None = None
        self.tags = 0
        self._collect()

    # register variants --------------------------------------------------------

    def _use(self, slot: int, bank: str) -> None:
        bank = local_bank(bank)
        banks = self.variants.setdefault(slot, [])
        if bank not in banks:
            banks.append(bank)

    def _collect(self) -> None:
        for block in self.region.blocks:
            for instr in block.instrs:
                for f, value in zip(instr.op.fields, instr.args):
                    if f.is_register and f.bank != "ref":
                        self._use(value, f.bank)
                        if f.kind.startswith("W."):
                            self.written.add(value)
                    elif f.kind.startswith("list<") and f.kind[5:8] in ("i32", "i64", "f32", "f64"):
                        for raw in value:
                            self._use(raw, f.kind[5:8])
                for raw, bank, written in self._untyped(instr):
                    self._use(raw, bank)
                    if written:
                        self.written.add(raw)
        # A function-wide constant holds its constant's bank wherever a region can
        # read it: it moves only that bank and takes none from the slots it is moved
        # to. (Loop counters start from such registers; taking their destinations'
        # banks gave every counter a float twin and a tag, ~40% of LLVM's phis.)
        fixed = {slot: local_bank(bank) for slot, (bank, _) in self.region.consts.items()
                 if set(self.variants.get(slot, [local_bank(bank)])) == {local_bank(bank)}}
        for block in self.region.blocks:
            for pairs in _remaps(block.terminator):
                for s, _ in pairs:
                    if s in fixed:
                        self.variants[s] = [fixed[s]]
        changed = True
        while changed:
            changed = False
            for block in self.region.blocks:
                for pairs in _remaps(block.terminator):
                    for s, d in pairs:
                        for a, b in ((s, d), (d, s)):
                            if b in fixed:
                                continue
                            for bank in list(self.variants.get(a, [])):
                                if bank not in self.variants.get(b, []):
                                    self._use(b, bank)
                                    changed = True
        for block in self.region.blocks:
            for pairs in _remaps(block.terminator):
                for s, d in pairs:
                    if s in self.variants:
                        self.written.add(d)
        # One bank order for every slot: tags are copied between slots by remaps,
        # so a tag must mean the same bank in both.
        for slot, banks in self.variants.items():
            banks.sort(key=_BANK_ORDER.index)

    def _untyped(self, instr) -> list:
        """(register, bank, written) for the numeric registers in `instr`'s
        untyped lists: a compiled call's operands and results, by the callee's
        calling convention (vmvx_entry_code.py: an import call's operands)."""
        callee = self.region.callees.get(instr.args[0]) if instr.op.mnemonic == "vm.call" else None
        if callee is None:
            return []
        cconv = callee.cconv
        return ([(raw, CCONV_BANKS[ch], False) for ch, raw in zip(cconv.args, instr.args[1])
                 if ch in CCONV_BANKS]
                + [(raw, CCONV_BANKS[ch], True) for ch, raw in zip(cconv.results, instr.args[2])])

    def _multi(self, slot: int) -> bool:
        return len(self.variants.get(slot, ())) > 1

    def constant(self, slot: int, bank: str):
        """The value `slot` holds everywhere after the entry block, if known."""
        known = self.region.consts.get(slot)
        if known is None or local_bank(known[0]) != local_bank(bank) or self._multi(slot):
            return None
        return int(known[1])

    def _assign(self, slot: int, bank: str, expr: str) -> list:
        lines = [f"{_var(slot, bank)} = {CAST[bank]}({expr})"]
        if self._multi(slot):
            lines.append(f"t{slot} = {self.variants[slot].index(local_bank(bank))}")
        return lines

    # ops ------------------------------------------------------------------------

    def tag(self, prefix: str = "") -> str:
        """A fresh suffix for the names of one optimized loop or nest."""
        self.tags += 1
        return f"_{prefix}{self.tags}"

    def fault_site(self, pc: int) -> int:
        """What generated code puts in `err[1]` for a fault at `pc`."""
        if self.fault_pcs is None:
            return pc
        if pc not in self.fault_pcs:
            self.fault_pcs.append(pc)
        return self.fault_pcs.index(pc)

    def _fault(self, kind: int, pc: int, *values) -> str:
        parts = [f"err[0] = {kind}", f"err[1] = {self.fault_site(pc)}"]
        parts += [f"err[{i + 2}] = {v}" for i, v in enumerate(values)]
        return "; ".join(parts + [self.fail_return])

    def _view(self, buf: int, code: str) -> str:
        self.views.add((buf, code))
        return f"b{buf}_{code.replace('.', '')}"

    # How the loop optimizer names a buffer register's memory (region mode:
    # the region's fixed buffers; vmvx_entry_code.py overrides these for handles).

    def _view_expr(self, raw: int, code: str) -> str:
        return self._view(self.buffer_index[raw & isa.REF_MASK], code)

    def _addr_of(self, buf: int) -> str:
        return f"addrs[{buf}]"

    def _addr_expr(self, raw: int) -> str:
        return self._addr_of(self.buffer_index[raw & isa.REF_MASK])

    def _len_expr(self, raw: int) -> str:
        return f"len{self.buffer_index[raw & isa.REF_MASK]}"

    def _mut_expr(self, raw: int) -> str:
        return f"mut{self.buffer_index[raw & isa.REF_MASK]}"

    def _handle_checks(self, raw: int) -> list:
        return []

    def instr(self, instr) -> list:
        m = instr.op.mnemonic
        fields, args = instr.op.fields, instr.args
        if m in TEMPLATES:
            reads = [_var(v, f.bank) for f, v in zip(fields, args) if f.kind.startswith("R.")]
            (w_field, w), = [(f, v) for f, v in zip(fields, args) if f.kind.startswith("W.")]
            lines = []
            if m in FAULTS:
                lines.append(f"if {FAULTS[m].format(*reads)}: "
                             + self._fault(FAULT_ARITHMETIC, instr.pc, *reads[:2], FAULT_OPS.index(m)))
            return lines + self._assign(w, w_field.bank, template(m).format(*reads))
        if m in CONST_OPS:
            bank = m.split(".")[2]
            w = args[-1]
            value = args[0] if len(args) == 2 else 0
            return self._assign(w, bank, _literal(bank, value))
        if m in SWITCH_OPS:
            return self._switch(instr)
        if m in BUFFER_OPS:
            return self._buffer(instr)
        if m == "vm.call":
            return self._call(instr)
        raise AssertionError(m)

    def _call(self, instr) -> list:
        """A native call of a compiled callee: buffers go as (address, length,
        mutable); a fault inside records the callee's frame and leaves. A moved
        ref operand keeps its buffer (compiled code cannot clear `refs`): nothing
        reads a register after a move, so only when the buffer is freed differs."""
        callee = self.region.callees[instr.args[0]]
        args = []
        for ch, raw in zip(callee.cconv.args, instr.args[1]):
            if ch == "r":
                args += [self._addr_expr(raw), self._len_expr(raw), self._mut_expr(raw)]
            else:
                args.append(_var(raw, CCONV_BANKS[ch]))
        out = "c" + self.tag()
        lines = [f"{out} = {callee.fn_name}({', '.join(args + ['err', 'counts'])})",
                 f"if {out}[0] < 0: callee_frame(err, {callee.ordinal}); "
                 f"err[1] = {self.fault_site(instr.pc)}; "
                 + self.fail_return]
        for k, (ch, raw) in enumerate(zip(callee.cconv.results, instr.args[2])):
            lines += self._assign(raw, CCONV_BANKS[ch], f"{out}[{k + 1}]")
        return lines

    def _switch(self, instr) -> list:
        index, default, values, w = instr.args
        bank = instr.op.mnemonic.split(".")[2]
        lines = []
        for i, raw in enumerate(values):
            value = _var(raw, bank)
            if instr.op.mnemonic == "vm.switch.i64":
                value = f"w32({value})"
            lines.append(f"{'if' if i == 0 else 'elif'} {_var(index, 'i32')} == {i}:")
            lines += ["    " + s for s in self._assign(w, bank, value)]
        default_lines = self._assign(w, bank, _var(default, bank))
        if not lines:
            return default_lines
        return lines + ["else:"] + ["    " + s for s in default_lines]

    def _buffer(self, instr) -> list:
        m = instr.op.mnemonic
        buf = self.buffer_index[instr.args[0] & isa.REF_MASK]
        pc = instr.pc
        if m == "vm.buffer.length":
            return self._assign(instr.args[1], "i64", f"len{buf}")
        kind, code = m.split(".")[2], ".".join(m.split(".")[3:])
        dtype, size = _VIEWS[code]
        view = self._view(buf, code)
        oob = self._fault(FAULT_BOUNDS, pc, "{off}", "{length}", size, f"len{buf}")
        if kind == "load":
            _, index, w = instr.args
            k = _var(index, "i64")
            bank = "f32" if code == "f32" else "f64" if code == "f64" else ("i64" if code == "i64" else "i32")
            return [f"if {k} < 0 or {k} >= {view}.shape[0]: "
                    + oob.format(off=f"{k} * {size}", length=size)] + self._assign(w, bank, f"{view}[ix({k})]")
        ro = self._fault(FAULT_READ_ONLY, pc)
        if kind == "store":
            _, index, value = instr.args
            k = _var(index, "i64")
            bank = element_bank(code)
            return [f"if mut{buf} == 0: " + ro,
                    f"if {k} < 0 or {k} >= {view}.shape[0]: " + oob.format(off=f"{k} * {size}", length=size),
                    f"{view}[ix({k})] = {_var(value, bank)}{_STORE_MASK.get(code, '')}"]
        _, offset, count, value = instr.args
        start, n = _var(offset, "i64"), _var(count, "i64")
        bank = element_bank(code)
        return [f"if mut{buf} == 0: " + ro,
                f"if {start} < 0 or {n} < 0 or {start} + {n} > {view}.shape[0]: "
                + oob.format(off=f"{start} * {size}", length=f"{n} * {size}"),
                f"{view}[{start}:{start} + {n}] = {_var(value, bank)}{_STORE_MASK.get(code, '')}"]

    # control flow -------------------------------------------------------------------

    def _remap(self, pairs) -> list:
        lines = []
        for s, d in pairs:
            for bank in self.variants.get(s, []):
                lines.append(f"{_var(d, bank)} = {_var(s, bank)}")
            if self._multi(d) and self._multi(s):
                lines.append(f"t{d} = t{s}")
            elif self._multi(d) and s in self.variants:
                lines.append(f"t{d} = {self.variants[d].index(self.variants[s][0])}")
        return lines

    def _goto(self, target: int, pairs) -> list:
        lines = self._remap(pairs)
        if target in self.block_ids:
            return lines + [f"bb = {self.block_ids[target]}", "continue"]
        if target not in self.exits:
            self.exits.append(target)
        return lines + [f"ex = {self.exits.index(target)}", "break"]

    def terminator(self, instr) -> list:
        m = instr.op.mnemonic
        if m == "vm.br":
            return self._goto(instr.args[0], instr.args[1])
        if m == "vm.cond_br":
            cond, t_pc, t_pairs, f_pc, f_pairs = instr.args
            return ([f"if {_var(cond, 'i32')} != 0:"] + ["    " + s for s in self._goto(t_pc, t_pairs)]
                    + self._goto(f_pc, f_pairs))
        index, d_pc, d_pairs, _, cases = instr.args
        lines = []
        for i, (pc, pairs) in enumerate(cases):
            lines.append(f"if {_var(index, 'i32')} == {i}:")
            lines += ["    " + s for s in self._goto(pc, pairs)]
        return lines + self._goto(d_pc, d_pairs)


def _optimized_loop(gen: _Gen, plan: LoopPlan) -> tuple[list, str]:
    """The header block of a simple innermost loop, versioned: when the entry
    checks hold, a tight loop with unchecked affine accesses, the promoted
    element in a register and loop-invariant ops hoisted; otherwise the
    literal translation follows."""
    tag = gen.tag()
    iv, step, bound = (_var(r, "i64") for r in (plan.iv, plan.step, plan.bound))
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
        code = instr.op.mnemonic.split(".", 3)[3]
        raw = instr.args[0]
        view = f"v{tag}_{k}"
        c, d = f"c{tag}_{k}", f"d{tag}_{k}"
        pre += [f"{view} = {gen._view_expr(raw, code)}",
                f"{c} = {source(form.coef(plan.iv))}", f"{d} = {source(form.offset)}"]
        first = f"{c} * {iv} + {d}"
        last = f"{c} * ({iv} + (n{tag} - 1) * {step}) + {d}"
        checks += gen._handle_checks(raw)
        checks += [f"-1048576 < {c} < 1048576", f"-1125899906842624 < {d} < 1125899906842624",
                   f"(n{tag} == 0 or (0 <= {first} < {view}.shape[0] and 0 <= {last} < {view}.shape[0]))"]
        if instr.op.mnemonic.startswith("vm.buffer.store."):
            checks.append(f"{gen._mut_expr(raw)} != 0")
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
        pre.append(f"{view} = {gen._view_expr(raw, code)}")
        k = _var(index, "i64")
        checks += gen._handle_checks(raw)
        checks += [f"0 <= {k} < {view}.shape[0]", f"{gen._mut_expr(raw)} != 0"]
        others = []
        for other in plan.others:
            checks += gen._handle_checks(other | isa.REF_BIT)
            others += _spans(plan, other, spans)
        checks += _apart(gen, tag, [ranges.Span(raw, k, k, code)], others)
        setup = [f"p{tag} = {CAST[code]}({view}[ix({k})])", f"w{tag} = False"] + setup
        flush = [f"if w{tag}:", f"    {view}[ix({k})] = p{tag}"]
        notes.append(f"element of buffer %r{buf} at %i{index} kept in a register")
    if hoisted:
        stores = [i for i in plan.body.instrs if i.op.mnemonic.startswith(licm.STORES) and i.pc != promoted[4]]
        for store in stores:
            checks += gen._handle_checks(store.args[0])
        written = [spans.get(i.pc, ranges.Span(i.args[0])) for i in stores]
        checks += _apart(gen, tag, [spans[pc] for pc in loads], written)
        notes.append(f"{len(hoisted)} loop-invariant op(s) hoisted ({len(loads)} load(s))")
    loop = gen.instr(plan.header.instrs[0])
    cond = plan.header.terminator.args[0]
    loop += [f"if {_var(cond, 'i32')} == 0:", "    break"]
    for instr in plan.body.instrs[:-1]:
        m = instr.op.mnemonic
        if kept and instr.pc == promoted[3]:
            loop += gen._assign(instr.args[2], promoted[2], f"p{tag}")
        elif kept and instr.pc == promoted[4]:
            loop += [f"p{tag} = {CAST[promoted[2]]}({_var(instr.args[2], promoted[2])})", f"w{tag} = True"]
        elif instr.pc == plan.update_pc:
            loop += gen._assign(plan.iv, "i64", f"{iv} + 1")
        elif instr.pc in replaced:
            loop += replaced[instr.pc]
        elif instr.pc in proven:
            code = m.split(".", 3)[3]
            k = _var(instr.args[1], "i64")
            bank = element_bank(code)
            if m.startswith("vm.buffer.load."):
                loop += gen._assign(instr.args[2], bank, f"{proven[instr.pc]}[ix({k})]")
            else:
                loop.append(f"{proven[instr.pc]}[ix({k})] = "
                            f"{_var(instr.args[2], bank)}{_STORE_MASK.get(code, '')}")
        else:
            loop += gen.instr(instr)
    if not notes:
        return [], ""
    _, _, _, exit_pc, exit_pairs = plan.header.terminator.args
    head = f"loop at {plan.header.pc:08X}"
    fast = setup + ["while True:"] + ["    " + x for x in loop] + flush
    lines = pre + counters.versioned(gen, head, checks, fast, "False", gen._goto(exit_pc, exit_pairs),
                                     f"n{tag} > 0")
    return lines, f"{head}: " + "; ".join(notes)


def _hoist(gen: _Gen, hoisted: list, tag: str, pre: list, checks: list, spans: dict) -> tuple[list, dict]:
    """Temporaries for the hoisted ops (licm.py), computed before the loop:
    the setup lines and, per hoisted op's pc, its replacement in the loop.
    A hoisted load's bounds check goes to `checks`, its element to `spans`."""
    setup, replaced = [], {}
    for n, (instr, operands) in enumerate(hoisted):
        m, args = instr.op.mnemonic, instr.args
        if m in CONST_OPS:
            bank, w = m.split(".")[2], args[-1]
            expr = _literal(bank, args[0] if len(args) == 2 else 0)
        elif m in TEMPLATES:
            fields = instr.op.fields
            reads = [f"h{tag}_{operands[v]}" if v in operands else _var(v, f.bank)
                     for f, v in zip(fields, args) if f.kind.startswith("R.")]
            (w_field, w), = [(f, v) for f, v in zip(fields, args) if f.kind.startswith("W.")]
            bank, expr = w_field.bank, template(m).format(*reads)
        else:
            raw, index, w = args
            code = m.split(".", 3)[3]
            bank, view, k = element_bank(code), f"v{tag}_h{n}", _var(index, "i64")
            pre.append(f"{view} = {gen._view_expr(raw, code)}")
            checks += gen._handle_checks(raw) + [f"0 <= {k} < {view}.shape[0]"]
            spans[instr.pc] = ranges.Span(raw, k, k, code)
            expr = f"{view}[ix({k})]"
        setup.append(f"h{tag}_{n} = {CAST[bank]}({expr})")
        replaced[instr.pc] = gen._assign(w, bank, f"h{tag}_{n}")
    return setup, replaced


def _apart(gen: _Gen, tag: str, written: list, others: list) -> list:
    """The check that `written` and `others` spans are disjoint, vacuous when
    the loop runs no iteration (its computed ranges are then meaningless)."""
    apart = ranges.disjoint(gen, written, others)
    return [f"(n{tag} == 0 or ({' and '.join(apart)}))"] if apart else []


def _spans(plan: LoopPlan, buf: int, spans: dict) -> list:
    """The byte ranges the loop's accesses to buffer register `buf` touch:
    their computed ranges (`spans`: access pc -> Span) when every access has
    one, else the whole buffer."""
    found = [i.pc for i in plan.body.instrs if i.op.mnemonic.startswith("vm.buffer.")
             and i.op.mnemonic != "vm.buffer.length" and i.args[0] & isa.REF_MASK == buf]
    if all(pc in spans for pc in found):
        return [spans[pc] for pc in found]
    return [ranges.Span(buf | isa.REF_BIT)]


def _literal(bank: str, value) -> str:
    """An exact literal (NaN, -0 and inf included) for a constant of `bank`."""
    if bank == "f32":
        return f"bitcast_i32_f32({struct.unpack('<i', struct.pack('<f', value))[0]})"
    if bank == "f64":
        return f"bitcast_i64_f64({struct.unpack('<q', struct.pack('<d', value))[0]})"
    return str(int(value))


def emit_blocks(gen: _Gen, blocks) -> tuple[list, list]:
    """The block-dispatch body for `blocks` (loop headers versioned) and the
    optimizer's notes."""
    consts = gen.region.consts
    plans = innermost_loops(blocks, consts)
    ids = {b.pc: i for i, b in enumerate(blocks)}
    body, notes = [], []
    for i, block in enumerate(blocks):
        body.append(f"{'if' if i == 0 else 'elif'} bb == {i}:")
        block_lines = []
        nest, reason = find_nest(block, blocks, plans, gen.region.live, consts)
        if nest is not None:
            if nest.blocked:
                reordered, note = blocked_nest(gen, nest)
            elif nest.jam:
                reordered, note = jammed_nest(gen, nest, reason)
            else:
                reordered, note = interchanged_nest(gen, nest, ids)
            block_lines += reordered
            notes.append(note)
        elif reason:
            notes.append(f"loop nest at {block.pc:08X}: not interchanged ({reason})")
        plan = plans.get(block.pc)
        if plan is not None:
            optimized, note = _optimized_loop(gen, plan)
            block_lines += optimized
            if note:
                notes.append(note)
        for instr in block.instrs[:-1]:
            block_lines += gen.instr(instr)
        block_lines += gen.terminator(block.terminator)
        body += ["    " + s for s in block_lines]
    return body, notes


def generate(region: Region, name: str) -> RegionCode:
    gen = _Gen(region)
    gen.fault_pcs = []
    body, notes = emit_blocks(gen, region.blocks)
    body += ["else:", "    err[0] = 0; return -1"]

    int_vars = sorted((s, b) for s, banks in gen.variants.items() for b in banks if b in INT_BANKS)
    float_vars = sorted((s, b) for s, banks in gen.variants.items() for b in banks if b not in INT_BANKS)
    multi = sorted(s for s in gen.variants if gen._multi(s))
    lines = [f"def {name}(entry, ri, rf, tags, addrs, lens, mut, err, counts):"]
    lines += [f"    {_var(s, b)} = " + (f"np.int64({gen.constant(s, b)})" if gen.constant(s, b) is not None
                                       else f"ri[{i}]") for i, (s, b) in enumerate(int_vars)]
    lines += [f"    {_var(s, b)} = {CAST[b]}(rf[{i}])" for i, (s, b) in enumerate(float_vars)]
    lines += [f"    t{s} = tags[{i}]" for i, s in enumerate(multi)]
    lines += [f"    seen{s} = False" for s in range(len(gen.sites))]
    # Buffer lengths and mutability become locals: LLVM cannot prove stores
    # through the buffers leave the `lens`/`mut` arrays alone, so reading them
    # inside loops would reload them after every store.
    for buf in range(len(region.buffer_registers)):
        lines.append(f"    len{buf} = lens[{buf}]")
        lines.append(f"    mut{buf} = mut[{buf}]")
    lines += ["    " + s for s in buffer_views(gen)]
    lines += ["    ex = 0", "    bb = entry", "    while True:"]
    lines += ["        " + s for s in body]
    out = _written_out(gen)
    lines += [f"    ri[{i}] = {_var(s, b)}" for i, (s, b) in enumerate(int_vars) if s in out]
    lines += [f"    rf[{i}] = {_var(s, b)}" for i, (s, b) in enumerate(float_vars) if s in out]
    lines += [f"    tags[{i}] = t{s}" for i, s in enumerate(multi) if s in out]
    lines.append("    return ex")
    source = "\n".join(lines) + "\n"
    entry_ids = {pc: gen.block_ids[pc] for pc in region.entries}
    return RegionCode(source, name, int_vars, float_vars, multi, sorted(out),
                      gen.variants, entry_ids, gen.exits, notes, gen.sites, gen.fault_pcs,
                      gen.reordered_nests)


def _written_out(gen: _Gen) -> set:
    """The written registers a region hands back: those live where it may exit. A
    temporary dead at every exit (a compare's result, an address) is then a value
    inside one block, not a variable LLVM carries through every block of the
    region's loops (ShuffleNet's regions: a third of LLVM's instructions were phis)."""
    live = gen.region.live
    if any(pc not in live for pc in gen.exits):
        return set(gen.written)
    return gen.written & set().union(*(live[pc] for pc in gen.exits))


def buffer_views(gen: _Gen) -> list:
    """The typed views of the buffers `gen`'s code accesses (their lengths are locals)."""
    lines = []
    for buf, code in sorted(gen.views):
        dtype, size = _VIEWS[code]
        lines.append(f"b{buf}_{code.replace('.', '')} = carray(voidptr({gen._addr_of(buf)}), "
                     f"len{buf} // {size}, {dtype})")
    return lines


MODULE_HEADER = """\
# Compiled with the SLP vectorizer on (tiering.compile_function); the disk cache keys on this text.
import numpy as np
from numba import carray, njit

from vmvxjit.kernels.views import ix
from vmvxjit.vm.jit.helpers import *
from vmvxjit.native.numba_intrinsics import stack_array, voidptr

"""
