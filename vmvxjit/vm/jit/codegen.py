"""Generates the Numba source of one region: typed locals and a block-switch loop.

Each register slot becomes one local per type it is used with (`r5_i64`,
`r5_f32`; i32 and i64 values share the int64 local): valid bytecode only
reads the type it last wrote, so separate locals are exact without any type
inference, and a slot used with several types carries a small tag saying
which local is current. Locals are loaded
from the `ri`/`rf` arrays at entry; each exit stores back the written ones live
where the interpreter goes on. Buffers arrive
as address/length/mutability arrays; every access is bounds-checked and a
failed check returns -1 with the fault described in `err`, before anything
is written. An internal call of a callee that compiles (callees.py) calls
its Numba function; a fault inside it comes back the same way, with the
callee frames it passed through in `err[ERR_FRAMES:]`.

The block-switch loop is `while True: if bb == 0: ... elif bb == 1: ...`,
one arm per basic block, entered at one of the region's entry blocks
(`helpers.entry_block`); a branch sets `bb` and continues, an exit sets `ex`
and breaks. The loop optimizers put their versioned code at the top of a
loop header's arm (loop_versioning.py, nest_code.py, jam.py, block_code.py).
A backward branch that does not close a counted loop (counted.py) spends a
unit of the call deadline's fuel, a local; when it runs out the code reads the
monotonic clock and faults (FAULT_DEADLINE) once the deadline has passed.

The generated function (`counts`: see counters.py):
    region(entry, ri, rf, tags, addrs, lens, mut, err, counts) -> exit index or -1
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vmvxjit.vm import isa
from vmvxjit.vm.elements import ELEMENTS
from vmvxjit.vm.jit import counters, helper_library, parallel_code
from vmvxjit.vm.jit.allocations import ALLOC, DISCARD, SCRATCH
from vmvxjit.vm.jit.block_code import blocked_nest
from vmvxjit.vm.jit.callees import CCONV_BANKS, MAX_NATIVE_DEPTH
from vmvxjit.vm.jit.counted import counted_back_edges
from vmvxjit.vm.jit.jam import jammed_nest
from vmvxjit.vm.jit.loop_versioning import versioned_loop
from vmvxjit.vm.jit.loops import innermost_loops
from vmvxjit.vm.jit.nest_code import interchanged_nest
from vmvxjit.vm.jit.nests import find_nest
from vmvxjit.vm.jit.parallel_loops import MODE as MODE_REGISTER
from vmvxjit.vm.jit.reduction_code import jammed_reduction
from vmvxjit.vm.jit.reductions import find_reduction
from vmvxjit.vm.jit.ops import FAULT_OPS, FAULTS, TEMPLATES, template
from vmvxjit.vm.jit.branches import remaps
from vmvxjit.vm.jit.regions import BUFFER_OPS, CONST_OPS, SWITCH_OPS, Region
from vmvxjit.vm.jit.spelling import CAST, STORE_MASK, VIEWS, literal, local_bank, var
from vmvxjit.vm.semantics import SWITCHES_WRAPPING_CASES

INT_BANKS = ("i32", "i64")
_BRANCH = re.compile(r"\bbb = (\d+)$", re.M)
_EXIT = re.compile(r"\bex = (\d+)")
_BANK_ORDER = ("i32", "i64", "f32", "f64")
NJIT = "@njit(cache=True, error_model='numpy', boundscheck=False, nogil=True)\n"

FAULT_BOUNDS = 1
FAULT_READ_ONLY = 2
FAULT_ARITHMETIC = 3
FAULT_DEADLINE = 4
# err: kind, pc, four fault values, then the number of callee frames and an
# (ordinal, pc) pair per frame, innermost first (at most MAX_NATIVE_DEPTH), then
# the call deadline's fuel (back-edges between clock reads) and when it expires
# (vm/deadline.py: NO_FUEL_LIMIT and NEVER_NS without one), then the time after which
# the loops that allocate leave at their header (`swaps`, tiering.CompiledRegion.run).
ERR_FRAMES = 6
ERR_FUEL = ERR_FRAMES + 1 + 2 * MAX_NATIVE_DEPTH
ERR_SWAP = ERR_FUEL + 2
ERR_SIZE = ERR_FUEL + 3


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
    deopts: list = field(default_factory=list)  # exit ids at which lean code leaves for its full code
    parallel: list = ()         # parallel_loops.ParallelLoop of its loops that may run in chunks
    tiles_left_out: int = 0     # blocked nests that would run in tiles (`tile`) but for `tiles=False`
    allocations: list = ()      # (buffer number, length slot, alignment slot, ref) per allocation (allocations.py)
    given: list = ()            # per exit id, (ref, buffer number, or None to clear it) (allocations.py)
    held: dict = field(default_factory=dict)  # entry id -> buffer numbers of allocations live there
    dead: dict = field(default_factory=dict)  # entry id -> buffer numbers code entered there never reads
    swaps: bool = False         # loops that allocate leave at their headers after the time in err[ERR_SWAP]

    @property
    def module_source(self) -> str:
        """The whole module a compiler builds: header, callees, the region function."""
        return MODULE_HEADER + self.prelude + NJIT + self.source


class RegionEmitter:
    """Translates the blocks of a region into lines of region code.

    What the loop optimizers and the functions that frame the code call
    (`gen` is an emitter):

    * `block_switch(blocks)`: the arms of the block-switch loop, and notes;
    * `instr(instr)`, `terminator(instr)`: the lines of one op;
    * `assign(slot, bank, expr)`: lines setting a register (and its tag);
    * `goto(target, pairs)`: lines branching to a block or leaving;
    * `constant(slot, bank)`, `multi_typed(slot)`: what is known of a slot;
    * `tag(prefix)`: a fresh name suffix; `fault_site(pc)`;
    * `buffer_views()`: the views the code's accesses read and write through;
    * `variants`, `written`, `sites`, `exits`, `views`: what the code uses.

    Hooks: an emitter for other code (callee_code.py, vmvx_entry_code.py)
    overrides these, and nothing else:

    * `fail_return`: the statement that leaves after a fault is recorded;
    * `fault(kind, pc, *values)`: how a fault is recorded and left;
    * `untyped(instr)`: the numeric registers in `instr`'s untyped lists;
    * how a buffer register `raw` is reached: `view_expr(raw, code)`,
      `addr_expr(raw)`, `len_expr(raw)`, `mut_expr(raw)`, `addr_of(buf)` (a
      region buffer's address), `handle_checks(raw)` (what must hold before
      any of them is used), `ref_checks(raw, pc, writable)` (the lines before
      an access) and `access_view(raw, code, pc)` (the view it goes through);
    * `remap(pairs)`: a branch's register copies;
    * `instr`, `terminator`: to translate ops a region never holds, then
      defer to these.
    """

    fail_return = "return -1"
    fuel_slot = ERR_FUEL    # err[fuel_slot]: fuel per clock read; err[fuel_slot + 1]: the deadline
    lean = False            # generate lean code too (block_switch)
    tiles = True            # blocked nests may run in tiles (block_code.py, switch `tile`)
    tiles_left_out = 0      # how many would have, with `tiles` False
    plain_nest_fallbacks = False    # no chunks or lanes in the inner loops of reordered nests
    lean_body: list = []

    def __init__(self, region: Region):
        self.region = region
        self.variants: dict = {}
        self.written: set = set()
        self.buffer_index = {r: i for i, r in enumerate(region.buffer_registers)}
        self.views: set = set()
        self.exits: list = []
        self.deopts: list = []   # lean code: the exit ids that leave at one of its own blocks
        self.block_ids = {b.pc: i for i, b in enumerate(region.blocks)}
        self.sites: list = []    # label per optimized loop or nest with run-time counts (counters.py)
        self.reordered_nests = 0     # of them, nests run reordered (counters.nest_entry)
        # With a table, faults report a site number instead of a bytecode offset, and
        # names are numbered in emission order: regions alike but for where they sit
        # in the bytecode get the same text, hence one compile (the cache keys on it).
        self.fault_pcs: list | None = None
        self.tags = 0
        self.block_pc = None     # the block whose arm is being emitted
        self.branch_pc = None    # the terminator being emitted
        self.counted: set = set()     # (latch pc, header pc) of counted loops' back-edges
        self.deadline_checks = 0      # backward branches that spend fuel
        self._collect()
        for slot in parallel_code.registers(region.parallel):
            self._use(slot, "i64")

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
                for raw, bank, written in self.untyped(instr):
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
            for pairs in remaps(block.terminator):
                for s, _ in pairs:
                    if s in fixed:
                        self.variants[s] = [fixed[s]]
        changed = True
        while changed:
            changed = False
            for block in self.region.blocks:
                for pairs in remaps(block.terminator):
                    for s, d in pairs:
                        for a, b in ((s, d), (d, s)):
                            if b in fixed:
                                continue
                            for bank in list(self.variants.get(a, [])):
                                if bank not in self.variants.get(b, []):
                                    self._use(b, bank)
                                    changed = True
        for block in self.region.blocks:
            for pairs in remaps(block.terminator):
                for s, d in pairs:
                    if s in self.variants:
                        self.written.add(d)
        # One bank order for every slot: tags are copied between slots by remaps,
        # so a tag must mean the same bank in both.
        for slot, banks in self.variants.items():
            banks.sort(key=_BANK_ORDER.index)

    def untyped(self, instr) -> list:
        """Hook: (register, bank, written) for the numeric registers in `instr`'s
        untyped lists; here a compiled call's operands and results, by the
        callee's calling convention."""
        callee = self.region.callees.get(instr.args[0]) if instr.op.mnemonic == "vm.call" else None
        if callee is None:
            return []
        cconv = callee.cconv
        return ([(raw, CCONV_BANKS[ch], False) for ch, raw in zip(cconv.args, instr.args[1])
                 if ch in CCONV_BANKS]
                + [(raw, CCONV_BANKS[ch], True) for ch, raw in zip(cconv.results, instr.args[2])])

    def multi_typed(self, slot: int) -> bool:
        """Whether `slot` has several typed locals, and a tag `t<slot>` saying which is current."""
        return len(self.variants.get(slot, ())) > 1

    def constant(self, slot: int, bank: str):
        """The value `slot` holds everywhere after the entry block, if known."""
        known = self.region.consts.get(slot)
        if known is None or local_bank(known[0]) != local_bank(bank) or self.multi_typed(slot):
            return None
        return int(known[1])

    def assign(self, slot: int, bank: str, expr: str) -> list:
        """Lines setting register `slot` of `bank` to `expr` (and its tag)."""
        lines = [f"{var(slot, bank)} = {CAST[bank]}({expr})"]
        if self.multi_typed(slot):
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

    def fault(self, kind: int, pc: int, *values) -> str:
        """Hook: the statement recording fault `kind` (FAULT_*) at `pc` with its
        values in `err` and leaving."""
        parts = [f"err[0] = {kind}", f"err[1] = {self.fault_site(pc)}"]
        parts += [f"err[{i + 2}] = {v}" for i, v in enumerate(values)]
        return "; ".join(parts + [self.fail_return])

    def _view(self, buf: int, code: str) -> str:
        self.views.add((buf, code))
        return f"b{buf}_{code.replace('.', '')}"

    # How code reaches a buffer register's memory: here the region's fixed
    # buffers, whose views and lengths are locals (vmvx_entry_code.py: handles).

    def view_expr(self, raw: int, code: str) -> str:
        """Hook: buffer register `raw`'s memory as an array of element `code`."""
        return self._view(self.buffer_index[raw & isa.REF_MASK], code)

    def addr_of(self, buf: int) -> str:
        """Hook: the address of the region's buffer number `buf`."""
        return f"addrs[{buf}]"

    def addr_expr(self, raw: int) -> str:
        """Hook: buffer register `raw`'s address."""
        return self.addr_of(self.buffer_index[raw & isa.REF_MASK])

    def len_expr(self, raw: int) -> str:
        """Hook: buffer register `raw`'s length in bytes."""
        return f"len{self.buffer_index[raw & isa.REF_MASK]}"

    def mut_expr(self, raw: int) -> str:
        """Hook: nonzero when buffer register `raw` is writable."""
        return f"mut{self.buffer_index[raw & isa.REF_MASK]}"

    def handle_checks(self, raw: int) -> list:
        """Hook: conditions that must hold before the expressions above are used."""
        return []

    def ref_checks(self, raw: int, pc: int, writable: bool) -> list:
        """Hook: the lines before the access at `pc` to buffer register `raw`
        that fault unless it may be accessed (written, when `writable`)."""
        return [f"if {self.mut_expr(raw)} == 0: " + self.fault(FAULT_READ_ONLY, pc)] if writable else []

    def access_view(self, raw: int, code: str, pc: int) -> tuple[list, str]:
        """Hook: the lines that make the view the access at `pc` goes through, and its name."""
        return [], self.view_expr(raw, code)

    def instr(self, instr) -> list:
        m = instr.op.mnemonic
        fields, args = instr.op.fields, instr.args
        if m in TEMPLATES:
            reads = [var(v, f.bank) for f, v in zip(fields, args) if f.kind.startswith("R.")]
            (w_field, w), = [(f, v) for f, v in zip(fields, args) if f.kind.startswith("W.")]
            lines = []
            if m in FAULTS:
                lines.append(f"if {FAULTS[m].format(*reads)}: "
                             + self.fault(FAULT_ARITHMETIC, instr.pc, *reads[:2], FAULT_OPS.index(m)))
            return lines + self.assign(w, w_field.bank, template(m).format(*reads))
        if m in CONST_OPS:
            bank = instr.op.result_bank
            w = args[-1]
            value = args[0] if len(args) == 2 else 0
            return self.assign(w, bank, literal(bank, value))
        if m in SWITCH_OPS:
            return self._switch(instr)
        if m in BUFFER_OPS:
            return self._buffer(instr)
        if m == ALLOC:
            return self._allocation(instr)
        if m == DISCARD:        # the region's exits clear the refs (allocations.py)
            return []
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
                args += [self.addr_expr(raw), self.len_expr(raw), self.mut_expr(raw)]
            else:
                args.append(var(raw, CCONV_BANKS[ch]))
        out = "c" + self.tag()
        lines = [f"{out} = {callee.fn_name}({', '.join(args + ['err', 'counts'])})",
                 f"if {out}[0] < 0: callee_frame(err, {callee.ordinal}); "
                 f"err[1] = {self.fault_site(instr.pc)}; "
                 + self.fail_return]
        for k, (ch, raw) in enumerate(zip(callee.cconv.results, instr.args[2])):
            lines += self.assign(raw, CCONV_BANKS[ch], f"{out}[{k + 1}]")
        return lines

    def _switch(self, instr) -> list:
        index, default, values, w = instr.args
        bank = instr.op.result_bank
        lines = []
        for i, raw in enumerate(values):
            value = var(raw, bank)
            if instr.op.mnemonic in SWITCHES_WRAPPING_CASES:
                value = f"w32({value})"
            lines.append(f"{'if' if i == 0 else 'elif'} {var(index, 'i32')} == {i}:")
            lines += ["    " + s for s in self.assign(w, bank, value)]
        default_lines = self.assign(w, bank, var(default, bank))
        if not lines:
            return default_lines
        return lines + ["else:"] + ["    " + s for s in default_lines]

    def _buffer(self, instr) -> list:
        """A checked `vm.buffer` op, through the buffer hooks."""
        m, raw, pc = instr.op.mnemonic, instr.args[0], instr.pc
        if m == "vm.buffer.length":
            return self.ref_checks(raw, pc, False) + self.assign(instr.args[1], "i64", self.len_expr(raw))
        kind, code = m.split(".")[2], ".".join(m.split(".")[3:])
        size = VIEWS[code][1]
        lines = self.ref_checks(raw, pc, kind != "load")
        setup, view = self.access_view(raw, code, pc)
        lines += setup
        oob = self.fault(FAULT_BOUNDS, pc, "{off}", "{length}", size, self.len_expr(raw))
        bank = ELEMENTS[code].bank
        if kind in ("load", "store"):
            _, index, reg = instr.args
            k = var(index, "i64")
            lines.append(f"if {k} < 0 or {k} >= {view}.shape[0]: "
                         + oob.format(off=f"{k} * {size}", length=size))
            if kind == "load":
                return lines + self.assign(reg, bank, f"{view}[ix({k})]")
            return lines + [f"{view}[ix({k})] = {var(reg, bank)}{STORE_MASK.get(code, '')}"]
        _, offset, count, value = instr.args
        start, n = var(offset, "i64"), var(count, "i64")
        return lines + [f"if {start} < 0 or {n} < 0 or {start} + {n} > {view}.shape[0]: "
                        + oob.format(off=f"{start} * {size}", length=f"{n} * {size}"),
                        f"{view}[{start}:{start} + {n}] = {var(value, bank)}{STORE_MASK.get(code, '')}"]

    def _allocation(self, instr) -> list:
        """A `vm.buffer.alloc` run on the region's buffer made for it: zeroed, in words then bytes."""
        raw = instr.args[2]
        n = self.len_expr(raw)
        words, tail = self.view_expr(raw, "i64"), self.view_expr(raw, "i8")
        return [f"{words}[0:{n} // 8] = 0", f"{tail}[{n} // 8 * 8:{n}] = 0"]

    # control flow -------------------------------------------------------------------

    def remap(self, pairs) -> list:
        """Hook: the copies of a branch's (source, destination) register pairs."""
        lines = []
        for s, d in pairs:
            for bank in self.variants.get(s, []):
                lines.append(f"{var(d, bank)} = {var(s, bank)}")
            if self.multi_typed(d) and self.multi_typed(s):
                lines.append(f"t{d} = t{s}")
            elif self.multi_typed(d) and s in self.variants:
                lines.append(f"t{d} = {self.variants[d].index(self.variants[s][0])}")
        return lines

    def goto(self, target: int, pairs) -> list:
        """Lines branching to block `target` with register copies `pairs`, or
        leaving the region there when `target` is not one of its blocks."""
        lines = self.remap(pairs)
        if self.region.parallel:
            lines += parallel_code.edge(self, self.block_pc, target)
        if target in self.block_ids:
            if target <= self.block_pc and (self.block_pc, target) not in self.counted:
                lines += self.deadline_check()
            if target <= self.block_pc and target in self.region.placed.swaps:
                chunk = f" and {var(MODE_REGISTER, 'i64')} != {parallel_code.CHUNK}" if self.region.parallel else ""
                lines.append(f"if monotonic_ns() > err[{ERR_SWAP}]{chunk}: ex = {self.exit_index(target)}; break")
            return lines + [f"bb = {self.block_ids[target]}", "continue"]
        return lines + [f"ex = {self.exit_index(target)}", "break"]

    def deadline_check(self) -> list:
        """Lines spending a unit of fuel at the backward branch being emitted; out of
        fuel, the clock is read and, past the deadline, the code faults there."""
        self.deadline_checks += 1
        return ["fuel -= 1",
                "if fuel < 0:",
                f"    fuel = err[{self.fuel_slot}]",
                f"    if monotonic_ns() > err[{self.fuel_slot + 1}]: "
                + self.fault(FAULT_DEADLINE, self.branch_pc)]

    def fuel_prologue(self) -> list:
        """The line starting a function's fuel, if it has backward branches that spend it."""
        return [f"fuel = err[{self.fuel_slot}]"] if self.deadline_checks else []

    def exit_index(self, target: int) -> int:
        """The exit number of leaving the region for block `target`."""
        if target not in self.exits:
            self.exits.append(target)
        return self.exits.index(target)

    def terminator(self, instr) -> list:
        m = instr.op.mnemonic
        self.branch_pc = instr.pc
        if m == "vm.br":
            return self.goto(instr.args[0], instr.args[1])
        if m == "vm.cond_br":
            cond, t_pc, t_pairs, f_pc, f_pairs = instr.args
            return ([f"if {var(cond, 'i32')} != 0:"] + ["    " + s for s in self.goto(t_pc, t_pairs)]
                    + self.goto(f_pc, f_pairs))
        index, d_pc, d_pairs, _, cases = instr.args
        lines = []
        for i, (pc, pairs) in enumerate(cases):
            lines.append(f"if {var(index, 'i32')} == {i}:")
            lines += ["    " + s for s in self.goto(pc, pairs)]
        return lines + self.goto(d_pc, d_pairs)

    # whole blocks ---------------------------------------------------------------------

    def block_switch(self, blocks) -> tuple[list, list]:
        """The arms of the block-switch loop for `blocks` (loop headers
        versioned) and the optimizers' notes. With `self.lean` set, the arms of
        the lean code too (`lean_body`): there a versioned innermost loop whose
        entry checks fail leaves the region (`deopt`) instead of running its
        literal code, and arms no branch reaches any more are left out."""
        consts = self.region.consts
        plans = innermost_loops(blocks, consts)
        self.counted = counted_back_edges(blocks, consts)
        ids = {b.pc: i for i, b in enumerate(blocks)}
        nests = {b.pc: find_nest(b, blocks, plans, self.region.live, consts) for b in blocks}
        reductions = {b.pc: find_reduction(b, blocks, plans, self.region.live, consts)
                      for b in blocks if nests[b.pc][0] is None and nests[b.pc][1]}
        # The inner loops of reordered nests run when their nest's checks fail (a jammed
        # nest of fewer rows than it jams, buffers that overlap).
        fallbacks = {nest.inner.header.pc for nest, _ in [*nests.values(), *reductions.values()]
                     if nest is not None and self.plain_nest_fallbacks}
        arms, lean_arms, notes = [], [], []
        for i, block in enumerate(blocks):
            self.block_pc = block.pc
            block_lines = self.allocation_checks(block)
            nest, reason = nests[block.pc]
            if nest is not None:
                if nest.blocked:
                    reordered, note = blocked_nest(self, nest)
                elif nest.jam:
                    reordered, note = jammed_nest(self, nest, reason)
                else:
                    reordered, note = interchanged_nest(self, nest, ids)
                block_lines += reordered
                notes.append(note)
            elif reason:
                notes.append(f"loop nest at {block.pc:08X}: not interchanged ({reason})")
                reduction, why_not = reductions[block.pc]
                if reduction is not None:
                    reordered, note = jammed_reduction(self, reduction)
                    block_lines += reordered
                    notes.append(note)
                elif why_not:
                    notes.append(f"loop nest at {block.pc:08X}: reduction nest not run side by side ({why_not})")
            plan = plans.get(block.pc)
            lean_lines = None
            if plan is not None:
                optimized, note = versioned_loop(self, plan, rarely_run=block.pc in fallbacks)
                block_lines += optimized
                if note:
                    notes.append(note)
                if optimized and self.lean and nest is None:
                    lean_lines = counters.leaving(block_lines, self.deopt(block.pc))
            for instr in block.instrs[:-1]:
                block_lines += self.instr(instr)
            block_lines += self.terminator(block.terminator)
            arms.append((i, block_lines))
            lean_arms.append((i, block_lines if lean_lines is None else lean_lines))
        if self.lean:
            entries = [self.block_ids[pc] for pc in self.region.entries]
            self.lean_body = _switch(_reachable(lean_arms, entries))
        return _switch(arms), notes

    def allocation_checks(self, block) -> list:
        """Lines leaving the region at `block` when it allocates and the entry did not
        make the region's buffers (allocations.py): the interpreter runs the block."""
        for instr in block.instrs:
            if instr.op.mnemonic == ALLOC and any(a.pc == instr.pc for a in self.region.placed.allocations):
                return [f"if {self.mut_expr(instr.args[2])} != {SCRATCH}: ex = {self.exit_index(block.pc)}; break"]
        return []

    def deopt(self, pc: int) -> list:
        """Lines leaving lean code at its block `pc`: a region exit whose target is that
        block, where the region's full code goes on (tiering.CompiledRegion.run_code)."""
        exit_id = self.exit_index(pc)
        if exit_id not in self.deopts:
            self.deopts.append(exit_id)
        return [f"ex = {exit_id}", "break"]

    def buffer_views(self) -> list:
        """The typed views of the region buffers the code accesses (their lengths are locals)."""
        lines = []
        for buf, code in sorted(self.views):
            dtype, size = VIEWS[code]
            lines.append(f"b{buf}_{code.replace('.', '')} = carray(voidptr({self.addr_of(buf)}), "
                         f"len{buf} // {size}, {dtype})")
        return lines


def generate(region: Region, name: str) -> RegionCode:
    """The region code of `region` as function `name`."""
    return _generate(region, name, lean=False)[0]


def generate_lean(region: Region, name: str, tiles: bool = True) -> tuple[RegionCode, RegionCode | None]:
    """(lean code, full code) of `region`, or (full code, None) where the lean code
    would be the same: without versioned innermost loops (RegionEmitter.block_switch).
    Both come from one pass of the emitter, so they share their exits and locals.
    `tiles=False` leaves blocked nests out of tiles (code for a quick compile)."""
    return _generate(region, name, lean=True, tiles=tiles)


def same_frame(a: RegionCode, b: RegionCode) -> bool:
    """Whether compiled codes `a` and `b` run on the same frames, counters and fault
    sites, so that one may replace the other between two entries of a region."""
    return all(getattr(a, f) == getattr(b, f) for f in
               ("int_vars", "float_vars", "multi_slots", "written", "variants", "entry_ids", "exits",
                "sites", "fault_pcs", "deopts"))


def _generate(region: Region, name: str, lean: bool, tiles: bool = True) -> tuple[RegionCode, RegionCode | None]:
    gen = RegionEmitter(region)
    gen.lean, gen.tiles = lean, tiles
    gen.fault_pcs = []
    body, notes = gen.block_switch(region.blocks)
    notes += [f"loop at {loop.header:08X}: iterations may run in parallel chunks (their byte ranges "
              f"checked at entry)" for loop in region.parallel]
    notes += [f"loop at {pc:08X}: iterations run one after another ({why})" for pc, why in region.serial_loops.items()]
    notes += [f"vm.buffer.alloc at {a.pc:08X}: on a buffer made when the region is entered"
              for a in region.placed.allocations]
    full = _region_code(gen, name, body, notes, [])
    if not gen.deopts:
        return full, None
    return _region_code(gen, name, gen.lean_body, notes, gen.deopts), full


def _region_code(gen: RegionEmitter, name: str, body: list, notes: list, deopts: list) -> RegionCode:
    """The function `name` around the block-switch arms `body`."""
    region = gen.region
    body = body + ["else:", "    err[0] = 0; return -1"]
    int_vars = sorted((s, b) for s, banks in gen.variants.items() for b in banks if b in INT_BANKS)
    float_vars = sorted((s, b) for s, banks in gen.variants.items() for b in banks if b not in INT_BANKS)
    multi = sorted(s for s in gen.variants if gen.multi_typed(s))
    lines = [f"def {name}(entry, ri, rf, tags, addrs, lens, mut, err, counts):"]
    lines += [f"    {var(s, b)} = " + (f"np.int64({gen.constant(s, b)})" if gen.constant(s, b) is not None
                                      else f"ri[{i}]") for i, (s, b) in enumerate(int_vars)]
    lines += [f"    {var(s, b)} = {CAST[b]}(rf[{i}])" for i, (s, b) in enumerate(float_vars)]
    lines += [f"    t{s} = tags[{i}]" for i, s in enumerate(multi)]
    lines += [f"    seen{s} = False" for s in range(len(gen.sites))]
    # Buffer lengths and mutability become locals: LLVM cannot prove stores
    # through the buffers leave the `lens`/`mut` arrays alone, so reading them
    # inside loops would reload them after every store.
    for buf in range(len(region.buffer_registers)):
        lines.append(f"    len{buf} = lens[{buf}]")
        lines.append(f"    mut{buf} = mut[{buf}]")
    lines += ["    " + s for s in gen.buffer_views() + gen.fuel_prologue()]
    entry_ids = {pc: gen.block_ids[pc] for pc in region.entries}
    entered = "".join(f"{i}, " for i in _entered(region, entry_ids))
    lines += ["    ex = 0", f"    bb = entry_block(entry, ({entered}))", "    while True:"]
    handed = parallel_code.handed_back(region.parallel)
    outs = _written_out(gen)
    stores = []
    for exit_out in outs:
        back = exit_out | handed
        stores.append("".join([f"ri[{i}] = {var(s, b)}; " for i, (s, b) in enumerate(int_vars) if s in back]
                              + [f"rf[{i}] = {var(s, b)}; " for i, (s, b) in enumerate(float_vars) if s in exit_out]
                              + [f"tags[{i}] = t{s}; " for i, s in enumerate(multi) if s in exit_out]))
    lines += ["        " + (_EXIT.sub(lambda m: stores[int(m[1])] + m[0], s) if "ex = " in s else s) for s in body]
    lines.append("    return ex")
    out = set().union(*outs)
    source = "\n".join(lines) + "\n"
    index, placed = gen.buffer_index, region.placed
    return RegionCode(source, name, int_vars, float_vars, multi, sorted(out),
                      gen.variants, entry_ids, list(gen.exits), notes, gen.sites, gen.fault_pcs,
                      gen.reordered_nests, deopts=list(deopts), parallel=region.parallel,
                      tiles_left_out=gen.tiles_left_out,
                      allocations=[(index[a.buffer], a.length, a.alignment, a.ref) for a in placed.allocations],
                      given=[[(r, None if a is None else index[a.buffer]) for r, a in placed.given.get(pc, ())]
                             for pc in gen.exits],
                      held={entry_ids[pc]: frozenset(index[b] for b in buffers) for pc, buffers in placed.held.items()},
                      swaps=bool(placed.swaps),
                      dead={} if placed.live is None else {
                          entry_ids[pc]: frozenset(k for k, r in enumerate(region.buffer_registers) if r not in live)
                          for pc, live in placed.live.items()})


def _entered(region: Region, entry_ids: dict) -> list:
    """The blocks a region's code may be entered at: its entries (`entry_ids`' blocks, a
    lean code's deopts among them) and where the region goes on after a loop run in
    chunks (parallel_run.py)."""
    blocks = set(entry_ids.values())
    blocks |= {loop.exit_block for loop in region.parallel if loop.exit_block is not None}
    return sorted(blocks)


def _switch(arms: list) -> list:
    """The lines of the block-switch loop's arms, from (block id, lines) pairs."""
    body = []
    for n, (i, block_lines) in enumerate(arms):
        body.append(f"{'if' if n == 0 else 'elif'} bb == {i}:")
        body += ["    " + s for s in block_lines]
    return body


def _reachable(arms: list, entry_ids: list) -> list:
    """The (block id, lines) `arms` that a branch (`bb = <id>`) reaches from an entry."""
    targets = {i: {int(t) for t in _BRANCH.findall("\n".join(lines))} for i, lines in arms}
    seen, stack = set(), list(entry_ids)
    while stack:
        i = stack.pop()
        if i not in seen:
            seen.add(i)
            stack.extend(targets.get(i, ()))
    return [(i, lines) for i, lines in arms if i in seen]


def _written_out(gen: RegionEmitter) -> list:
    """Per exit, the written registers the region hands back there: those live where
    it goes on. Each exit stores its own before it leaves, so a register is carried
    through the region's blocks only to the exits where it is live, not merged from
    every block into one store at the end (a temporary dead at every exit, a compare's
    result or an address, is then a value inside one block)."""
    live = gen.region.live
    return [gen.written & live[pc] if pc in live else set(gen.written) for pc in gen.exits]


HELPER_NAMES = helper_library.names()


def module_header(*imports: str) -> str:
    """The head of a generated module: its imports, `imports` (lines) among them.
    Generated code names helpers.py's functions explicitly, so nothing else
    of that module can shadow or be shadowed by a generated name."""
    return "\n".join([
        "# Compiled with the SLP vectorizer on (tiering.compile_function); the disk cache keys on this text.",
        "import numpy as np",
        "from numba import carray, njit",
        "",
        *imports,
        "from vmvxjit.kernels.views import ix",
        f"from vmvxjit.vm.jit.helpers import ({', '.join(HELPER_NAMES)})",
        "from vmvxjit.native.numba_intrinsics import stack_array, vector_range, voidptr",
        "", ""])


MODULE_HEADER = module_header()
