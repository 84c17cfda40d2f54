"""Compiles a whole VMVX entry function together with its workgroup loop.

A VMVX executable's export runs once per workgroup; interpreting it costs
tens of microseconds per workgroup even when the work is one microkernel
call. When every op of the function is compilable — the region ops plus
binding-list lookups, scratch allocations, ref moves and calls to the vmvx
kernels in `compiled_calls.CALLS` — the function body and the z/y/x loop
around it become one function, lowered by llvm_lower.py, or compiled by Numba
when it calls the microkernels (vmvx_entry_runner.py).

Refs become integer handles into a buffer table (0 local memory,
1 constants, 2.. bindings, then one row per allocation site, then one per
rodata segment the function references; -1 is null, -2 the bindings list). Every access and kernel operand is checked as the
interpreter checks it; on any failure the compiled code stops and reports
the workgroup, which the caller re-runs in the interpreter to raise the
exact error (the invocation fails either way).

    entry(first_x, end_x, first_y, end_y, first_z, end_z, count_x, count_y, count_z,
          taddr, tlen, tmut, nbind, err, counts) -> 0 or -1

runs the workgroups of one box of ids (z outermost, x innermost) of a dispatch of
count_x × count_y × count_z, so that the caller may run a dispatch in parts at once
(it is compiled `nogil`), each with its own tables, local memory and `err`
(allocations write their rows in the table). `counts`: how often each optimized
loop or nest ran which version (counters.py). `err[4]` and `err[5]` hold the call
deadline's fuel and expiry (codegen.ERR_FUEL's pair): a loop that runs past the
deadline stops as a faulting workgroup, whose interpreted run then raises it.
"""

from __future__ import annotations

from vmvxjit.vm import isa
from vmvxjit.vm.jit import codegen
from vmvxjit.vm.jit.callees import CCONV_BANKS
from vmvxjit.vm.jit.regions import COMPILABLE, MAX_REGION_BLOCKS, Region, remaps, split_blocks
from vmvxjit.vm.jit.spelling import CAST, VIEWS, var

LIST_HANDLE = -2
NULL_HANDLE = -1
ENTRY_FUEL = 4            # err[ENTRY_FUEL], err[ENTRY_FUEL + 1]: the deadline's fuel and expiry
ENTRY_ERR_SIZE = ENTRY_FUEL + 2
REF_OPS = frozenset({"vm.list.get.ref", "vm.discard.refs", "vm.assign.ref", "vm.const.ref.zero",
                     "vm.const.ref.rodata", "vm.buffer.alloc", "vm.return", "vm.call"})
_ENTRY_SLOTS = ("x", "y", "z", "1", "1", "1", "count_x", "count_y", "count_z")


def _reaches_itself(blocks) -> set:
    by_pc = {b.pc: b for b in blocks}
    cyclic = set()
    for block in blocks:
        stack, seen = list(block.successors), set()
        while stack:
            pc = stack.pop()
            if pc == block.pc:
                cyclic.add(block.pc)
                break
            if pc in seen or pc not in by_pc:
                continue
            seen.add(pc)
            stack.extend(by_pc[pc].successors)
    return cyclic


def compilable_entry(function, imports, calls: dict):
    """The function's blocks if the whole entry function can be compiled, else None."""
    blocks = split_blocks(function.instrs)
    if len(blocks) > MAX_REGION_BLOCKS:  # Numba's compile time grows quadratically with blocks
        return None
    cyclic = _reaches_itself(blocks)
    for block in blocks:
        for instr in block.instrs:
            m = instr.op.mnemonic
            if m == "vm.call":
                callee = instr.args[0]
                if not callee & isa.IMPORT_BIT:
                    return None
                name = imports[callee & ~isa.IMPORT_BIT].full_name
                if not name.startswith("vmvx.") or name[5:] not in calls:
                    return None
            elif m == "vm.buffer.alloc" and block.pc in cyclic:
                return None
            elif m not in COMPILABLE and m not in REF_OPS:
                return None
    return blocks


class EntryEmitter(codegen.RegionEmitter):
    """Region code generation for a whole entry function, refs as buffer-table
    handles `h<slot>`: the buffer hooks index the table, and every fault
    reports the workgroup."""

    fuel_slot = ENTRY_FUEL
    plain_nest_fallbacks = True     # rarely run; under Numba chunks and lanes there cost seconds

    def __init__(self, blocks, function, imports, calls):
        self.imports = imports
        self.calls = calls
        self.function = function
        super().__init__(Region(blocks, [blocks[0].pc], []).know(blocks))
        self.ref_slots: set = set()
        self.alloc_sites: list = []
        self.rodata: list = []          # the rodata ordinals referenced, in table order
        self._collect_refs()

    def _collect_refs(self) -> None:
        for block in self.region.blocks:
            for instr in block.instrs:
                for f, value in zip(instr.op.fields, instr.args):
                    if f.is_register and f.bank == "ref":
                        self.ref_slots.add(value & isa.REF_MASK)
                    elif f.kind.startswith(("list<", "rlist<")):
                        for raw in value:
                            if raw & isa.REF_BIT:
                                self.ref_slots.add(raw & isa.REF_MASK)
                if instr.op.mnemonic == "vm.buffer.alloc":
                    self.alloc_sites.append(instr.pc)
                if instr.op.mnemonic == "vm.const.ref.rodata" and instr.args[0] not in self.rodata:
                    self.rodata.append(instr.args[0])
            for pairs in remaps(block.terminator):
                for s, d in pairs:
                    if s & isa.REF_BIT:
                        self.ref_slots.update((s & isa.REF_MASK, d & isa.REF_MASK))

    def untyped(self, instr) -> list:
        """An import call's numeric operands, by the import's calling convention."""
        if instr.op.mnemonic != "vm.call":
            return []
        cconv = self.imports[instr.args[0] & ~isa.IMPORT_BIT].cconv
        return [(raw, CCONV_BANKS[ch], False) for ch, raw in zip(cconv.args, instr.args[1])
                if ch in CCONV_BANKS]

    def fault(self, kind: int, pc: int, *values) -> str:
        return "err[0] = 1; err[1] = x; err[2] = y; err[3] = z; return -1"

    def _handle(self, raw: int) -> str:
        return f"h{raw & isa.REF_MASK}"

    def view_expr(self, raw: int, code: str) -> str:
        dtype, size = VIEWS[code]
        h = self._handle(raw)
        return f"carray(voidptr(taddr[{h}]), tlen[{h}] // {size}, {dtype})"

    def addr_expr(self, raw: int) -> str:
        return f"taddr[{self._handle(raw)}]"

    def len_expr(self, raw: int) -> str:
        return f"tlen[{self._handle(raw)}]"

    def mut_expr(self, raw: int) -> str:
        return f"tmut[{self._handle(raw)}]"

    def handle_checks(self, raw: int) -> list:
        return [f"{self._handle(raw)} >= 0"]

    def ref_checks(self, raw: int, pc: int, writable: bool) -> list:
        """A null handle (and, for a write, a read-only buffer) faults."""
        extra = f" or {self.mut_expr(raw)} == 0" if writable else ""
        return [f"if {self._handle(raw)} < 0{extra}: " + self.fault(0, pc)]

    def access_view(self, raw: int, code: str, pc: int) -> tuple[list, str]:
        """The view is made at the access: the handle may differ each time."""
        return [f"v{pc} = {self.view_expr(raw, code)}"], f"v{pc}"

    def instr(self, instr) -> list:
        m = instr.op.mnemonic
        args = instr.args
        if m == "vm.list.get.ref":
            lst, index, _, dst = args
            i = var(index, "i32")
            return [f"if {self._handle(lst)} != {LIST_HANDLE} or {i} < 0 or {i} >= nbind: "
                    + self.fault(0, 0), f"{self._handle(dst)} = 2 + {i}"]
        if m == "vm.discard.refs":
            return [f"{self._handle(r)} = {NULL_HANDLE}" for r in args[0] if r & isa.REF_BIT] or ["pass"]
        if m == "vm.assign.ref":
            return [f"{self._handle(args[1])} = {self._handle(args[0])}"]
        if m == "vm.const.ref.zero":
            return [f"{self._handle(args[0])} = {NULL_HANDLE}"]
        if m == "vm.const.ref.rodata":
            return [f"{self._handle(args[1])} = arow + {len(self.alloc_sites) + self.rodata.index(args[0])}"]
        if m == "vm.buffer.alloc":
            length, alignment, dst = args
            n = var(length, "i64")
            row = f"arow + {self.alloc_sites.index(instr.pc)}"
            # The site's array from an earlier workgroup is reused, zeroed
            # again, when it is big enough: nothing outlives its workgroup. An
            # allocation that failed is shorter (llvm_lower's np.zeros: empty).
            return [f"if {n} < 0: " + self.fault(0, 0),
                    f"if a{instr.pc}.shape[0] < {n}:",
                    f"    a{instr.pc} = np.zeros({n}, np.uint8)",
                    f"    if a{instr.pc}.shape[0] < {n}: " + self.fault(0, 0),
                    "else:",
                    f"    a{instr.pc}[:{n}] = 0",
                    f"taddr[{row}] = a{instr.pc}.ctypes.data",
                    f"tlen[{row}] = {n}", f"tmut[{row}] = 1",
                    f"{self._handle(dst)} = {row}"]
        if m == "vm.call":
            return self._import_call(instr)
        return super().instr(instr)

    def _import_call(self, instr) -> list:
        """A call of a vmvx kernel: the export's argument checks, then its inlined body."""
        import_def = self.imports[instr.args[0] & ~isa.IMPORT_BIT]
        export = import_def.full_name[5:]
        kind, size, callee = self.calls[export]
        ops = instr.args[1]
        ints = [var(r, "i64") for r in ops]
        fault = self.fault(0, 0)

        def operand(at, writable):
            raw = ops[at]
            h = self._handle(raw)
            off, s0, s1 = ints[at + 1:at + 4]
            return h, off, s0, s1, [
                *self.ref_checks(raw, instr.pc, writable),
                f"if region_status(tlen[{h}], {size}, {off}, {s0}, {s1}, n0, n1) != 0: " + fault]

        data = "carray(voidptr(taddr[{0}]), tlen[{0}], np.uint8)"
        if kind == "fill":
            value, out = var(ops[0], "i32"), ops[1]
            h = self._handle(out)
            off, stride, n0, n1 = ints[2:6]
            return [f"n0 = {n0}", f"n1 = {n1}", *self.ref_checks(out, instr.pc, True),
                    f"if region_status(tlen[{h}], 4, {off}, {stride}, 1, n0, n1) != 0: " + fault,
                    f"{callee}{value}, {data.format(h)}, {off}, {stride}, n0, n1)"]
        count = 3 if kind == "binary" else 2
        lines = [f"n0 = {ints[4 * count]}", f"n1 = {ints[4 * count + 1]}"]
        call_args = []
        for i in range(count):
            h, off, s0, s1, checks = operand(4 * i, writable=(i == count - 1))
            lines += checks
            call_args += [data.format(h), off, s0, s1]
        call = f"{callee}{', '.join(call_args)}, n0, n1)"
        if kind == "binary":
            return lines + [f"if {call} != 0: " + fault]
        return lines + [call]

    def terminator(self, instr) -> list:
        if instr.op.mnemonic == "vm.return":
            return ["break"]
        return super().terminator(instr)

    def remap(self, pairs) -> list:
        lines = super().remap([(s, d) for s, d in pairs if not s & isa.REF_BIT])
        for s, d in pairs:
            if s & isa.REF_BIT:
                lines.append(f"{self._handle(d)} = {self._handle(s)}")
        return lines


def generate_entry(function, imports, calls, name: str) -> tuple[str, int, list, list, list]:
    """Source of the compiled entry function, how many allocation rows it needs, the
    rodata ordinals of the rows after them, the loop optimizer's notes and its
    counted sites (counters.py)."""
    blocks = compilable_entry(function, imports, calls)
    gen = EntryEmitter(blocks, function, imports, calls)
    body, notes = gen.block_switch(blocks)
    frame = [f"{var(s, b)} = {CAST[b]}({gen.constant(s, b) or 0})"
             for s, banks in sorted(gen.variants.items()) for b in banks]
    frame += [f"t{s} = 0" for s in sorted(gen.variants) if gen.multi_typed(s)]
    frame += [f"seen{s} = False" for s in range(len(gen.sites))]
    frame += [f"h{r} = {NULL_HANDLE}" for r in sorted(gen.ref_slots)]
    frame += ["h0 = 0", "h1 = 1", f"h2 = {LIST_HANDLE}", "n0 = 0", "n1 = 0"]
    frame += [f"{var(slot, 'i32')} = np.int64({value})"
              for slot, value in enumerate(_ENTRY_SLOTS) if slot in gen.variants]
    lines = [f"def {name}(first_x, end_x, first_y, end_y, first_z, end_z, count_x, count_y, count_z,",
             "          taddr, tlen, tmut, nbind, err, counts):",
             "    arow = 2 + nbind"]
    lines += ["    " + s for s in gen.fuel_prologue()]
    lines += [f"    a{pc} = np.zeros(0, np.uint8)" for pc in gen.alloc_sites]
    lines += ["    for z in range(first_z, end_z):",
             "        for y in range(first_y, end_y):",
             "            for x in range(first_x, end_x):"]
    lines += ["                " + s for s in frame]
    lines += ["                bb = 0", "                while True:"]
    lines += ["                    " + s for s in body]
    lines += ["                    else:", "                        break"]
    lines.append("    return 0")
    return "\n".join(lines) + "\n", len(gen.alloc_sites), gen.rodata, notes, gen.sites


HEADER = codegen.module_header(
    "from vmvxjit.kernels.compiled_calls import binary_2d, copy_2d, fill_2d_x32, unary_2d",
    "from vmvxjit.kernels.buffer_regions import region_status")
