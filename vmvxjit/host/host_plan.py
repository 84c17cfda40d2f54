"""Works out an export's host code once, from its declaration: which memory each
ref holds where, what every `hal_inline` call returns, and whether any check fails.

The export qualifies when its arguments are tensors of static shape, its results
buffer views over fresh allocations, and every `hal_inline` call, `vm.buffer.alloc`
and ref move has operands known before it runs (constants, the declared
arguments). Then the host code leaves nothing to do at run time but the
allocations, and the function becomes region code (`plan.blocks`): the numeric
ops and buffer accesses, each ref operand renamed to the number of the byte span
it reaches (`plan.spans`), each numeric result of a host call a constant, and
the return a branch out. Anything else raises Unsupported with the reason
`--trace` gives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vmvxjit.errors import Error
from vmvxjit.hal_inline import element_types
from vmvxjit.hal_inline.buffer import BufferView, HalBuffer, calculate_range, element_count
from vmvxjit.hal_inline.module import HalInlineModule
from vmvxjit.loaders.executable import LibraryExecutable
from vmvxjit.loaders.hal_loader_module import MAX_BINDINGS
from vmvxjit.loaders.vmvx_executable import VmvxExecutable
from vmvxjit.vm import isa
from vmvxjit.vm.buffer import VmBuffer
from vmvxjit.vm.decoder import Instr
from vmvxjit.vm.jit.branches import BRANCH_OPS, edges
from vmvxjit.vm.jit.regions import BUFFER_OPS, COMPILABLE, Block, split_blocks
from vmvxjit.vm.steps_control import call_site

MAX_BLOCKS = 64         # bigger functions (models) keep their compiled loop regions
EXIT_PC = 1 << 40       # the pc the return branches to (no block has it)


class Unsupported(Exception):
    """Why an export is not compiled whole."""


@dataclass(frozen=True)
class Memory:
    """One piece of host memory: an argument's array, an allocation (by the pc
    that makes it) or a rodata segment. `zeroed`: whether the program may read an
    allocation before writing it and find zeros there (vm.buffer.alloc's contents);
    a `hal_inline.buffer.allocate`'s are undefined until the program writes them
    (IREE's runtime allocates it "with uninitialized contents", and its compiler
    writes every byte it reads)."""
    kind: str           # "argument", "allocation", "rodata"
    index: int
    length: int
    zeroed: bool = True


@dataclass(frozen=True)
class Span:
    """A hal.buffer or vm.buffer: `length` bytes at `offset` of `memory`."""
    memory: Memory
    offset: int
    length: int
    vm: bool            # a vm.buffer (storage), not a hal.buffer


@dataclass(frozen=True)
class View:
    span: Span
    shape: tuple
    element_type: int
    encoding: int


@dataclass(frozen=True)
class Loaded:
    """A ref the code loads from a global only the initializer sets: an executable."""
    value: object


@dataclass
class Dispatch:
    """A `hal_loader.executable.dispatch` of a native library or VMVX executable,
    decided but for the memory of its bindings (Spans)."""
    executable: object
    ordinal: int
    counts: tuple
    constants: tuple
    bindings: list


@dataclass
class Result:
    memory: Memory      # an allocation
    offset: int
    shape: tuple
    dtype: object       # numpy dtype
    element_type: int   # the buffer view's, as the code creates it
    encoding: int


@dataclass
class HostPlan:
    blocks: list            # regions.Block, rewritten (see the module docstring)
    spans: list             # Span per buffer number the blocks use
    arguments: list         # (shape, numpy dtype) per argument
    results: list           # Result per result
    allocations: list       # Memory of each allocation, in the order the entry takes them
    dispatches: list        # Dispatch, in the order the code makes them (then `blocks` has no
                            # buffer ops and no branches)
    element_types: list     # the declared element type of each argument

    def read_only_arguments(self) -> frozenset:
        """The arguments nothing in the call may write: the host code writes none
        (_VM_MUTABLE) and returns none (results are allocations), and each dispatch
        binding one is a VMVX export's binding it never writes
        (VmvxExecutable.written_bindings; a native library's may write any)."""
        written = set()
        for dispatch in self.dispatches:
            executable = dispatch.executable
            writes = executable.written_bindings(dispatch.ordinal) if isinstance(executable, VmvxExecutable) else None
            written.update(span.memory.index for j, span in enumerate(dispatch.bindings)
                           if span.memory.kind == "argument" and (writes is None or j in writes))
        return frozenset(range(len(self.arguments))) - written

    def whole_result(self, memory: Memory):
        """The result that is all of allocation `memory` (made as its own array), if one is."""
        users = [r for r in self.results if r.memory == memory]
        if len(users) == 1 and users[0].offset == 0:
            return users[0]
        return None


_CONFLICT = object()        # a ref that differs between the paths reaching a point
_VM_MUTABLE = {"allocation": True, "argument": False, "rodata": False}


def plan(module, ordinal: int, declaration, global_refs=()) -> HostPlan:
    """The HostPlan of function `ordinal` of `module` (whose ref globals hold
    `global_refs` once its initializer ran); raises Unsupported."""
    function = module.functions[ordinal]
    if declaration is None:
        raise Unsupported("no iree.abi.declaration")
    cconv = function.cconv
    if set(cconv.args) != {"r"} and cconv.args or any(ch != "r" for ch in cconv.results):
        raise Unsupported(f"calling convention {cconv.text}: numbers in or out")
    blocks = split_blocks(function.instrs)
    if len(blocks) > MAX_BLOCKS:
        raise Unsupported(f"{len(blocks)} blocks (at most {MAX_BLOCKS})")
    return _Planner(module, blocks, _argument_views(declaration, len(cconv.args)), global_refs).run()


def _argument_views(declaration, count: int) -> list:
    views = []
    if len(declaration.inputs) != count:
        raise Unsupported("declaration and calling convention disagree")
    for i, spec in enumerate(declaration.inputs):
        if not spec.is_tensor or None in spec.shape:
            raise Unsupported(f"argument {i} is not a tensor of static shape")
        element_type = element_types.parse_element_type(spec.element_type)
        dtype = _dtype(element_type)
        if dtype is None:
            raise Unsupported(f"argument {i} has elements ({spec.element_type}) numpy does not hold one per item")
        length = element_types.byte_size(element_type, math.prod(spec.shape))
        span = Span(Memory("argument", i, length), 0, length, False)
        views.append((View(span, tuple(spec.shape), element_type, 1), dtype))
    return views


def _dtype(element_type: int):
    """The numpy dtype of one element of `element_type`, when it has one of the same size."""
    dtype = element_types.numpy_dtype(element_type)
    if dtype is None or dtype.itemsize * 8 != element_types.bit_count(element_type):
        return None
    return dtype


def _const_instr(bank: str, slot: int, value: int, pc: int) -> Instr:
    op = isa.BY_MNEMONIC[f"vm.const.{bank}"]
    return Instr(pc, pc, op, (value, slot))


class _Planner:
    def __init__(self, module, blocks: list, arguments: list, global_refs):
        self.module, self.blocks, self.arguments = module, blocks, arguments
        self.global_refs = global_refs
        self.dispatches: dict = {}      # pc -> Dispatch
        self.by_pc = {b.pc: b for b in blocks}
        self.spans: list = []
        self.results: list | None = None
        self.allocations: dict = {}     # pc -> Memory
        self.hal = HalInlineModule()

    # run ------------------------------------------------------------------------------

    def run(self) -> HostPlan:
        entry = {"consts": {}, "refs": {i: view for i, (view, _) in enumerate(self.arguments)}}
        states = {self.blocks[0].pc: entry}
        work = [self.blocks[0].pc]
        visits: dict = {}
        while work:
            pc = work.pop(0)
            visits[pc] = visits.get(pc, 0) + 1
            if visits[pc] > 4 * len(self.blocks) + 8:
                raise Unsupported("host values do not settle")
            out = self._block(self.by_pc[pc], states[pc], rewrite=None)
            for target, pairs in edges(self.by_pc[pc].terminator):
                merged = _merge(states.get(target), _remapped(out, pairs))
                if merged != states.get(target):
                    states[target] = merged
                    if target not in work:
                        work.append(target)
        self._check_allocations_once(states)
        rewritten = []
        for block in self.blocks:
            if block.pc not in states:
                continue        # unreachable
            instrs: list = []
            self._block(block, states[block.pc], rewrite=instrs)
            rewritten.append(Block(block.pc, instrs, [t for t, _ in edges(instrs[-1])]))
        if self.results is None:
            raise Unsupported("never returns")
        if self.dispatches and (len(rewritten) > 1 or self.spans):
            raise Unsupported("dispatches next to branches or VM buffer accesses")
        return HostPlan(rewritten, self.spans, [(v.shape, d) for v, d in self.arguments],
                        self.results, list(self.allocations.values()),
                        [self.dispatches[pc] for pc in sorted(self.dispatches)],
                        [v.element_type for v, _ in self.arguments])

    def _check_allocations_once(self, states: dict) -> None:
        """An allocation in a loop would be several memories, not one."""
        for pc, memory in self.allocations.items():
            block = next(b for b in self.blocks if any(i.pc == pc for i in b.instrs))
            seen, stack = set(), [t for t, _ in edges(block.terminator)]
            while stack:
                target = stack.pop()
                if target == block.pc:
                    raise Unsupported(f"allocation at {pc:08X} runs in a loop")
                if target in seen or target not in self.by_pc:
                    continue
                seen.add(target)
                stack += [t for t, _ in edges(self.by_pc[target].terminator)]

    # one block ----------------------------------------------------------------------------

    def _block(self, block, state: dict, rewrite: list | None) -> dict:
        consts, refs = dict(state["consts"]), dict(state["refs"])
        for instr in block.instrs:
            m = instr.op.mnemonic
            if m in BRANCH_OPS:
                if rewrite is not None:
                    rewrite.append(_without_refs(instr))
                continue
            if m == "vm.return":
                self._return(instr, refs)
                if rewrite is not None:
                    rewrite.append(Instr(instr.pc, instr.next_pc, isa.BY_MNEMONIC["vm.br"], (EXIT_PC, ())))
                continue
            out = self._instr(instr, consts, refs)
            _forget(consts, _written(instr))
            if rewrite is not None:
                rewrite += out
            for (bank, slot, value) in _numbers_of(out):
                consts[slot] = (bank, value)
        return {"consts": consts, "refs": refs}

    def _instr(self, instr, consts: dict, refs: dict) -> list:
        """The region code `instr` becomes; updates `refs` (and constants through the
        const ops it returns)."""
        m, args = instr.op.mnemonic, instr.args
        if m == "vm.const.ref.zero":
            refs[args[0] & isa.REF_MASK] = None
            return []
        if m == "vm.const.ref.rodata":
            length = self.module.rodata[args[0]].length
            refs[args[1] & isa.REF_MASK] = Span(Memory("rodata", args[0], length), 0, length, True)
            return []
        if m == "vm.discard.refs":
            for raw in args[0]:
                refs[raw & isa.REF_MASK] = None
            return []
        if m == "vm.buffer.alloc":
            length, alignment = _number(consts, args[0], "i64"), _number(consts, args[1], "i32")
            if alignment < 0 or alignment & (alignment - 1) or length < 0:
                raise Unsupported(f"vm.buffer.alloc at {instr.pc:08X} fails")
            memory = self.allocations.setdefault(instr.pc, Memory("allocation", instr.pc, length))
            refs[args[2] & isa.REF_MASK] = Span(memory, 0, length, True)
            return []
        if m in ("vm.call", "vm.call.variadic"):
            return self._call(instr, consts, refs)
        if m == "vm.global.load.ref":
            refs[instr.arg("value") & isa.REF_MASK] = self._global(instr.arg("global"), instr.pc)
            return []
        if m in BUFFER_OPS:
            raw = args[0]
            span = _ref(refs, raw, instr.pc)
            if not isinstance(span, Span) or not span.vm:
                raise Unsupported(f"{m} at {instr.pc:08X} on a {_kind(span)}")
            if ".store." in m or ".fill." in m:
                if not _VM_MUTABLE[span.memory.kind]:
                    raise Unsupported(f"{m} at {instr.pc:08X} writes {span.memory.kind} "
                                      f"{span.memory.index}")
            if span not in self.spans:
                self.spans.append(span)
            number = isa.REF_BIT | self.spans.index(span)
            return [instr._replace(args=(number, *args[1:]))]
        if m in COMPILABLE:
            return [instr]
        raise Unsupported(f"{m} at {instr.pc:08X}")

    def _call(self, instr, consts: dict, refs: dict) -> list:
        ordinal = instr.args[0]
        if not ordinal & isa.IMPORT_BIT:
            raise Unsupported(f"internal call at {instr.pc:08X}")
        import_def = self.module.imports[ordinal & ~isa.IMPORT_BIT]
        handler = _HOST_CALLS.get(import_def.full_name)
        if handler is None:
            raise Unsupported(f"{import_def.full_name} at {instr.pc:08X}")
        segments = instr.arg("segment_sizes") if "variadic" in instr.op.mnemonic else None
        site = call_site(import_def, {ordinal: None}, ordinal, instr.arg("operands"),
                         instr.arg("results"), segments)
        cconv_args = import_def.cconv.args
        values = [_operand(refs, consts, item, ch, instr.pc) for item, ch in zip(site.args, cconv_args)]
        try:
            results = handler(self, instr.pc, *values)
        except Error as error:
            raise Unsupported(f"{import_def.full_name} at {instr.pc:08X} fails: {error}") from None
        if len(site.stores) == 1:
            results = (results,)
        lines = []
        for (is_ref, slot, ch), value in zip(site.stores, results or ()):
            if is_ref:
                refs[slot] = value
            else:
                bank = "i64" if ch == "I" else "i32"
                _forget(consts, [(slot, bank)])
                lines.append(_const_instr(bank, slot, _signed(value, bank), instr.pc))
        for released in site.releases:
            refs[released] = None
        return lines

    def _return(self, instr, refs: dict) -> None:
        if not instr.arg("operands"):
            raise Unsupported("returns nothing")
        results = []
        for raw in instr.arg("operands"):
            view = _ref(refs, raw, instr.pc)
            if not isinstance(view, View):
                raise Unsupported(f"returns a {_kind(view)}")
            span, memory = view.span, view.span.memory
            dtype = _dtype(view.element_type)
            if (memory.kind != "allocation" or dtype is None or span.offset % dtype.itemsize
                    or dtype.itemsize * math.prod(view.shape) != span.length):
                raise Unsupported("a result is not dense in a fresh allocation")
            if any(r.memory == memory and r.offset < span.offset + span.length
                   and span.offset < r.offset + r.dtype.itemsize * math.prod(r.shape) for r in results):
                raise Unsupported("two results overlap")
            results.append(Result(memory, span.offset, view.shape, dtype, view.element_type, view.encoding))
        if self.results is not None and self.results != results:
            raise Unsupported("returns differ between paths")
        self.results = results

    def _global(self, number: int, pc: int) -> Loaded:
        """The executable a ref global holds, when only the initializer stores ref globals."""
        for function in self.module.functions:
            if function.name != "__init" and any(
                    "global.store" in i.op.mnemonic and "ref" in i.op.mnemonic for i in function.instrs):
                raise Unsupported(f"{function.name} stores a ref global")
        value = self.global_refs[number] if number < len(self.global_refs) else None
        if not isinstance(value, (LibraryExecutable, VmvxExecutable)):
            raise Unsupported(f"global ref {number} at {pc:08X} is not a loaded executable")
        return Loaded(value)

    # hal_inline ------------------------------------------------------------------------------

    def allocate(self, pc: int, length: int) -> tuple:
        memory = self.allocations.setdefault(pc, Memory("allocation", pc, length, zeroed=False))
        return Span(memory, 0, length, False), Span(memory, 0, length, True)


def _signed(value: int, bank: str) -> int:
    bits = 64 if bank == "i64" else 32
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _hal_buffer(value, pc: int) -> Span:
    if not isinstance(value, Span) or value.vm:
        raise Unsupported(f"hal_inline call at {pc:08X} on a {_kind(value)}")
    return value


def _as_view(value, pc: int) -> View:
    if not isinstance(value, View):
        raise Unsupported(f"hal_inline call at {pc:08X} on a {_kind(value)}")
    return value


def _subspan(span: Span, offset: int, length: int) -> Span:
    offset, length = calculate_range(span.length, offset, length)
    return Span(span.memory, span.offset + offset, length, span.vm)


def _assert(planner, pc, view, message, element_type, encoding, dims):
    """Decided here: the same check as hal_inline's on a stand-in with the view's
    type and shape (a failing one keeps the export on the interpreter's path,
    which raises the error)."""
    view = _as_view(view, pc)
    stand_in = BufferView(HalBuffer.__new__(HalBuffer), view.shape, view.element_type, view.encoding)
    if not isinstance(message, Span):
        raise Unsupported(f"assert at {pc:08X} without a message buffer")
    planner.hal.buffer_view_assert(stand_in, VmBuffer(b""), element_type, encoding, dims)


def _create(planner, pc, buffer, offset, length, element_type, encoding, dims):
    span = _hal_buffer(buffer, pc)
    if offset != 0 or length != span.length:
        span = _subspan(span, offset, length)
    if element_types.byte_size(element_type & 0xFFFFFFFF, element_count(dims)) > span.length:
        raise Unsupported("buffer view larger than its buffer")
    return View(span, tuple(dims), element_type & 0xFFFFFFFF, encoding & 0xFFFFFFFF)


def _allocate(planner, pc, alignment, length):
    if length < 0:
        raise Unsupported(f"allocation of {length} bytes")
    return planner.allocate(pc, length)


def _storage(planner, pc, buffer):
    span = _hal_buffer(buffer, pc)
    return Span(span.memory, span.offset, span.length, True)


def _dim(planner, pc, view, index):
    shape = _as_view(view, pc).shape
    return shape[index] if 0 <= index < len(shape) else 0


def _executable(value, pc: int):
    if not isinstance(value, Loaded):
        raise Unsupported(f"hal_loader call at {pc:08X} on a {_kind(value)}")
    return value.value


def _lookup(planner, pc, executable, name):
    if not isinstance(name, Span) or name.memory.kind != "rodata":
        raise Unsupported(f"export name at {pc:08X} not a rodata")
    data = planner.module.rodata[name.memory.index].data[name.offset:name.offset + name.length]
    return _executable(executable, pc).lookup(bytes(data).decode())


def _dispatch(planner, pc, executable, ordinal, count_x, count_y, count_z, constants, bindings):
    """Checked as hal_loader's dispatch and Executable.dispatch check (any failure keeps
    the interpreter's path, which raises it)."""
    executable = _executable(executable, pc)
    counts = tuple(c & 0xFFFFFFFF for c in (count_x, count_y, count_z))
    if len(bindings) > MAX_BINDINGS:
        raise Unsupported(f"dispatch at {pc:08X} has more than {MAX_BINDINGS} bindings")
    try:
        executable.check_dispatch(ordinal, counts, len(constants), len(bindings))
    except Error as error:
        raise Unsupported(f"dispatch at {pc:08X} fails its checks: {error}") from None
    spans = []
    for buffer, offset, length in bindings:
        if not isinstance(buffer, Span) or not buffer.vm or offset < 0 or length < 0 \
                or offset + length > buffer.length:
            raise Unsupported(f"binding of the dispatch at {pc:08X} is not a span of a buffer")
        spans.append(Span(buffer.memory, buffer.offset + offset, length, True))
    planner.dispatches[pc] = Dispatch(executable, ordinal, counts,
                                      tuple(c & 0xFFFFFFFF for c in constants), spans)


# hal_inline and hal_loader exports a compiled export may call, and what each returns
# when run on the planner's symbolic values (same checks as hal_inline/module.py and
# loaders/hal_loader_module.py).
_HOST_CALLS = {
    "hal_inline.buffer_view.assert": _assert,
    "hal_inline.buffer_view.create": _create,
    "hal_inline.buffer_view.buffer": lambda planner, pc, view: _as_view(view, pc).span,
    "hal_inline.buffer_view.element_type": lambda planner, pc, view: _as_view(view, pc).element_type,
    "hal_inline.buffer_view.encoding_type": lambda planner, pc, view: _as_view(view, pc).encoding,
    "hal_inline.buffer_view.rank": lambda planner, pc, view: len(_as_view(view, pc).shape),
    "hal_inline.buffer_view.dim": _dim,
    "hal_inline.buffer.allocate": _allocate,
    "hal_inline.buffer.storage": _storage,
    "hal_inline.buffer.length": lambda planner, pc, buffer: _hal_buffer(buffer, pc).length,
    "hal_inline.buffer.subspan": lambda planner, pc, buffer, offset, length:
        _subspan(_hal_buffer(buffer, pc), offset, length),
    "hal_loader.executable.lookup.function": _lookup,
    "hal_loader.executable.dispatch": _dispatch,
}


def _kind(value) -> str:
    if value is None:
        return "null ref"
    if value is _CONFLICT:
        return "ref that differs between paths"
    if isinstance(value, View):
        return "buffer view"
    if isinstance(value, Loaded):
        return "executable"
    return "vm.buffer" if value.vm else "hal.buffer"


def _ref(refs: dict, raw: int, pc: int):
    ordinal = raw & isa.REF_MASK
    if ordinal not in refs or refs[ordinal] is _CONFLICT:
        raise Unsupported(f"ref %r{ordinal} at {pc:08X} not known before the call")
    return refs[ordinal]


def _number(consts: dict, slot: int, bank: str) -> int:
    known = consts.get(slot)
    if known is None or known[0] != bank:
        raise Unsupported(f"%i{slot} ({bank}) is not a constant where the host code reads it")
    return known[1]


def _operand(refs: dict, consts: dict, item, ch: str, pc: int):
    """One cconv argument: a value, or for a variadic span (`ch` "CI", "CrII") the
    list of its values (of tuples of them when the span has several)."""
    if len(ch) > 1:
        span = ch[1:]
        if len(span) == 1:
            return [_operand(refs, consts, v, span, pc) for v in item]
        return [tuple(_operand(refs, consts, v, c, pc) for v, c in zip(group, span)) for group in item]
    is_ref, slot = item
    if is_ref:
        return _ref(refs, isa.REF_BIT | slot, pc)
    return _number(consts, slot, "i64" if ch == "I" else "i32")


def _numbers_of(instrs: list):
    """(bank, slot, value) of the constants among `instrs`."""
    for instr in instrs:
        m = instr.op.mnemonic
        if m.startswith(("vm.const.i32", "vm.const.i64")):
            yield instr.op.result_bank, instr.args[-1], instr.args[0] if len(instr.args) == 2 else 0


_WIDTH = {"i32": 1, "f32": 1, "i64": 2, "f64": 2}


def _written(instr) -> list:
    """(slot, bank) of the numeric registers `instr` writes (calls: see _call)."""
    if instr.op.mnemonic.startswith("vm.call"):
        return []
    return [(value, f.bank) for f, value in zip(instr.op.fields, instr.args)
            if f.is_register and f.kind.startswith("W.") and f.bank != "ref"]


def _forget(consts: dict, written) -> None:
    """Drops the constants that writes of (slot, bank) overwrite (an i64 spans two slots)."""
    for slot, bank in written:
        end = slot + _WIDTH.get(bank, 2)
        for known in [s for s, (b, _) in consts.items() if s < end and slot < s + _WIDTH[b]]:
            del consts[known]


def _remapped(state: dict, pairs) -> dict:
    """`state` after a branch's copies (numeric copies forget their destinations)."""
    consts, refs = dict(state["consts"]), dict(state["refs"])
    moved = {}
    for s, d in pairs:
        if s & isa.REF_BIT:
            moved[d & isa.REF_MASK] = refs.get(s & isa.REF_MASK, _CONFLICT)
        else:
            _forget(consts, [(d, "i32")])     # remaps copy single slots
    refs.update(moved)
    return {"consts": consts, "refs": refs}


def _merge(old: dict | None, new: dict) -> dict:
    if old is None:
        return new
    consts = {k: v for k, v in old["consts"].items() if new["consts"].get(k) == v}
    refs = {k: (v if new["refs"].get(k, _CONFLICT) == v else _CONFLICT)
            for k, v in old["refs"].items()}
    for k in new["refs"]:
        refs.setdefault(k, _CONFLICT)
    return {"consts": consts, "refs": refs}


def _without_refs(instr) -> Instr:
    """A branch without its ref copies (the plan tracks refs)."""
    args = []
    for f, value in zip(instr.op.fields, instr.args):
        if f.kind == "remap":
            value = tuple((s, d) for s, d in value if not s & isa.REF_BIT)
        elif f.kind.startswith("cases"):
            value = tuple((pc, tuple((s, d) for s, d in pairs if not s & isa.REF_BIT))
                          for pc, pairs in value)
        args.append(value)
    return instr._replace(args=tuple(args))
