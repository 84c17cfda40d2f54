"""The native entry of an export compiled whole: LLVM IR that takes the numpy
arrays themselves (PyObject pointers), checks each argument against the
declaration, lays out the buffer table and register files of the function's
region code on its stack and calls it.

    entry(ctx, argument arrays..., allocation arrays...) ->
        0: done; 1: an argument is not an aligned C-contiguous ndarray of the
        declared dtype and shape (the caller takes the interpreter's path, which
        converts or rejects it); 2: the code faulted before writing any argument
        (the caller runs the call again on the interpreter's path, which raises
        the fault's exact error)

`ctx` is an int64 array: numpy.ndarray's type object, each argument's dtype
object, each rodata span's address. The arrays' fields are read at numpy's
PyArrayObject offsets, which `layout_problem` checks once against this process.
"""

from __future__ import annotations

import ctypes

import numpy as np

from vmvxjit.native import memory_parts, trap
from vmvxjit.native.native_workers import Job
from vmvxjit.vm.deadline import NEVER_NS, NO_FUEL_LIMIT
from vmvxjit.vm.jit import codegen, parallel_code
from vmvxjit.vm.jit.vmvx_entry_code import ENTRY_ERR_SIZE, ENTRY_FUEL

# PyArrayObject_fields (numpy/ndarraytypes.h) on a 64-bit CPython.
OB_TYPE, DATA, ND, DIMENSIONS, DESCR, FLAGS = 8, 16, 24, 32, 56, 64
C_CONTIGUOUS_ALIGNED = 0x0001 | 0x0100      # NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED

DONE, NOT_AS_DECLARED, FAULTED = 0, 1, 2


def layout_problem() -> str | None:
    """Why numpy's array fields are not where the entry reads them, if they are not."""
    if ctypes.sizeof(ctypes.c_void_p) != 8:
        return "not a 64-bit process"
    array = np.zeros((3, 5), np.float32)[:, 1:]
    base = id(array)
    read = ctypes.c_int64.from_address
    dims = read(base + DIMENSIONS).value
    found = (read(base + OB_TYPE).value, read(base + DATA).value, ctypes.c_int32.from_address(base + ND).value,
             read(dims).value, read(dims + 8).value, read(base + DESCR).value,
             ctypes.c_int32.from_address(base + FLAGS).value)
    expected = (id(np.ndarray), array.ctypes.data, 2, 3, 4, id(array.dtype), array.flags.num)
    return None if found == expected else f"numpy {np.__version__}'s array layout is not the one expected"


class _Text:
    def __init__(self):
        self.lines: list = []
        self.count = 0

    def value(self, expression: str) -> str:
        self.count += 1
        name = f"%v{self.count}"
        self.lines.append(f"  {name} = {expression}")
        return name

    def field(self, base: str, offset: int, type_: str) -> str:
        address = self.value(f"getelementptr i8, ptr {base}, i64 {offset}")
        return self.value(f"load {type_}, ptr {address}")

    def require(self, condition: str, fail: str) -> None:
        """Continues in a new block when `condition` holds, else goes to `fail`."""
        self.count += 1
        label = f"ok{self.count}"
        self.lines += [f"  br i1 {condition}, label %{label}, label %{fail}", f"{label}:"]

    def store(self, array: str, index: int, value: str) -> None:
        address = self.value(f"getelementptr i64, ptr {array}, i64 {index}")
        self.lines.append(f"  store i64 {value}, ptr {address}")


def _checked_arguments(t: _Text, plan) -> dict:
    """Lines checking each argument object `%o<k>`; ("argument", k) -> its data address."""
    array_type = t.value("load i64, ptr %ctx")
    data = {}
    for k, (shape, _) in enumerate(plan.arguments):
        obj = f"%o{k}"
        t.require(t.value(f"icmp eq i64 {t.field(obj, OB_TYPE, 'i64')}, {array_type}"), "slow")
        t.require(t.value(f"icmp eq i32 {t.field(obj, ND, 'i32')}, {len(shape)}"), "slow")
        dims = t.field(obj, DIMENSIONS, "ptr")
        for i, dim in enumerate(shape):
            t.require(t.value(f"icmp eq i64 {t.field(dims, 8 * i, 'i64')}, {dim}"), "slow")
        t.require(t.value(f"icmp eq i64 {t.field(obj, DESCR, 'i64')}, {_ctx(t, 1 + k)}"), "slow")
        flags = t.value(f"and i32 {t.field(obj, FLAGS, 'i32')}, {C_CONTIGUOUS_ALIGNED}")
        t.require(t.value(f"icmp eq i32 {flags}, {C_CONTIGUOUS_ALIGNED}"), "slow")
        data[("argument", k)] = t.field(obj, DATA, "i64")
    return data


def _ctx(t: _Text, index: int) -> str:
    return t.value(f"load i64, ptr {t.value(f'getelementptr i64, ptr %ctx, i64 {index}')}")


def _span_address(t: _Text, plan, span, data: dict) -> str:
    memory = span.memory
    if memory.kind == "rodata":
        base = _ctx(t, 1 + len(plan.arguments) + rodata_spans(plan).index(span))
    else:
        base = data[(memory.kind, memory.index)]
    return t.value(f"add i64 {base}, {span.offset}")


def _define(name: str, params: list, t: _Text) -> str:
    t.lines += ["slow:", f"  ret i64 {NOT_AS_DECLARED}"]
    return "\n".join([f"define i64 @\"{name}\"({', '.join(params)}) {{", *t.lines, "}", ""])


def entry_ir(name: str, region_symbol: str, plan, sizes: dict, loops=None, zeroed: tuple = ()) -> str:
    """The IR of entry `name` for HostPlan `plan` whose region code is `region_symbol`
    (`sizes`: element counts of its ri, rf, tags, err and counts arrays), running the
    loops of host_chunks.HostLoops `loops` in chunks; it zeroes the allocations numbered
    `zeroed` (the caller passes them uninitialized) in `loops.parts` parts on the native
    workers first, so that each core holds the part it zeroed, which its chunks then
    write (a 256^3 matmul's result: 181 -> 168 us on two cores)."""
    objects = len(plan.arguments) + len(plan.allocations)
    t = _Text()
    t.lines.append("entry:")
    arrays = {}
    for array, element in (("ri", "i64"), ("rf", "double"), ("tags", "i64"), ("err", "i64"), ("counts", "i64")):
        count = max(1, sizes[array])
        arrays[array] = t.value(f"alloca [{count} x {element}], align 8")
        t.lines.append(f"  store [{count} x {element}] zeroinitializer, ptr {arrays[array]}")
    t.store(arrays["err"], codegen.ERR_FUEL, str(NO_FUEL_LIMIT))     # no deadline (HostRoute)
    t.store(arrays["err"], codegen.ERR_FUEL + 1, str(NEVER_NS))
    buffers = max(1, len(plan.spans))
    for array in ("addrs", "lens", "mut"):
        arrays[array] = t.value(f"alloca [{buffers} x i64], align 8")
    data = _checked_arguments(t, plan)
    for j, memory in enumerate(plan.allocations):
        data[("allocation", memory.index)] = t.field(f"%o{len(plan.arguments) + j}", DATA, "i64")
    if loops is not None:       # the workers' runner's record, for the memory work and the chunks
        t.lines.append(f"  %trap = alloca [{trap.RECORD_BYTES} x i8], align 8")
    if zeroed:
        operations = [(data[("allocation", plan.allocations[j].index)], None, str(plan.allocations[j].length))
                      for j in zeroed]
        _memory_in_parts(t, operations, [_ctx(t, word) for word in loops.memory_words()], loops.parts)
    for b, span in enumerate(plan.spans):
        t.store(arrays["addrs"], b, _span_address(t, plan, span, data))
        t.store(arrays["lens"], b, str(span.length))
        t.store(arrays["mut"], b, "1" if span.memory.kind == "allocation" else "0")
    if loops is None:
        exit_index = t.value(f"call i64 @\"{region_symbol}\"(i64 0, " + _frame(arrays) + ")")
    else:
        exit_index = _chunked_region(t, region_symbol, arrays, sizes, loops)
    faulted = t.value(f"icmp slt i64 {exit_index}, 0")
    status = t.value(f"select i1 {faulted}, i64 {FAULTED}, i64 {DONE}")
    t.lines.append(f"  ret i64 {status}")
    if loops is not None:
        t.lines += ["chunk.faulted:", f"  ret i64 {FAULTED}"]
    if zeroed:
        t.lines += ["faulted:", f"  ret i64 {FAULTED}"]      # a memory part never fails
    return _define(name, ["ptr %ctx"] + [f"ptr %o{i}" for i in range(objects)], t)


_FRAME = ("ri", "rf", "tags", "addrs", "lens", "mut", "err", "counts")
_OWN = {"ri": "i64", "rf": "double", "tags": "i64", "err": "i64", "counts": "i64"}   # a chunk's own arrays


def _frame(arrays: dict) -> str:
    return ", ".join(f"ptr {arrays[a]}" for a in _FRAME)


def _chunked_region(t: _Text, region_symbol: str, arrays: dict, sizes: dict, loops) -> str:
    """Lines calling the region until it returns, running each loop it leaves at the
    header of (host_chunks.py) in chunks or as one; the exit status it returned."""
    t.store(arrays["ri"], loops.mode_index, _ctx(t, loops.mode_word))
    frames = [arrays] + [_chunk_frame(t, arrays, sizes) for _ in range(loops.parts - 1)]
    tables = [_table(t, frame) for frame in frames]
    statuses = t.value(f"alloca [{loops.parts} x i64], align 8")
    jobs = t.value(f"alloca [{loops.parts * ctypes.sizeof(Job)} x i8], align 8")
    t.lines += ["  br label %start", "start:", "  br label %run", "run:"]
    resumes = [(f"resume{h.k}", h.loop.exit_block) for h in loops.loops if _next_loop(loops, h) is None]
    at = t.value("phi i64 [0, %start]" + "".join(f", [{block}, %{label}]" for label, block in resumes))
    exit_index = t.value(f"call i64 @\"{region_symbol}\"(i64 {at}, {_frame(arrays)})")
    cases = " ".join(f"i64 {h.header_status}, label %loop{h.k}" for h in loops.loops)
    t.lines.append(f"  switch i64 {exit_index}, label %finish [ {cases} ]")
    for h in loops.loops:
        _loop_lines(t, region_symbol, loops, h, frames, tables, statuses, jobs, sizes)
    t.lines.append("finish:")
    return exit_index


def _chunk_frame(t: _Text, arrays: dict, sizes: dict) -> dict:
    """A chunk's frame: arrays of its own for what code writes, the buffers' shared."""
    frame = dict(arrays)
    for array, element in _OWN.items():
        frame[array] = t.value(f"alloca [{max(1, sizes[array])} x {element}], align 8")
    return frame


def _table(t: _Text, frame: dict) -> str:
    """The frame's eight array addresses, as native_chunks.CHUNK_IR reads them."""
    table = t.value(f"alloca [{len(_FRAME)} x ptr], align 8")
    for k, array in enumerate(_FRAME):
        slot = t.value(f"getelementptr ptr, ptr {table}, i64 {k}")
        t.lines.append(f"  store ptr {frame[array]}, ptr {slot}")
    return table


def _copy(t: _Text, into: dict, source: dict, sizes: dict, arrays) -> None:
    """Copies frame `source`'s `arrays` (8-byte elements) into frame `into`'s."""
    for array in arrays:
        _memcpy(t, into[array], source[array], 8 * max(1, sizes[array]))


def _chunk_start(t: _Text, start: str, step: str, n: str, c: int, parts: int) -> str:
    """The counter's value at chunk `c`'s first iteration of `n`: start + step * (n * c / parts)."""
    iterations = t.value(f"sdiv i64 {t.value(f'mul i64 {n}, {c}')}, {parts}")
    return t.value(f"add i64 {start}, {t.value(f'mul i64 {step}, {iterations}')}")


def _loop_lines(t: _Text, region_symbol: str, loops, h, frames: list, tables: list, statuses: str, jobs: str,
                sizes: dict) -> None:
    """Loop `h`'s blocks: the guard, the chunks on the workers, the run as one chunk."""
    k, main, parts = h.k, frames[0], loops.parts
    t.lines.append(f"loop{k}:")
    values = [t.field(main["ri"], 8 * slot, "i64") for slot in h.slots]
    same = "true"
    for j, value in enumerate(values):
        t.store("%ctx", h.seen + j, value)
        same = t.value(f"and i1 {same}, {t.value(f'icmp eq i64 {value}, {_ctx(t, h.guard + j)}')}")
    state_slot = t.value(f"getelementptr i64, ptr %ctx, i64 {h.state}")
    guarded = t.value(f"icmp eq i64 {t.value(f'load atomic i64, ptr {state_slot} acquire, align 8')}, 1")
    t.lines.append(f"  br i1 {t.value(f'and i1 {guarded}, {same}')}, label %chunks{k}, label %whole{k}")
    t.lines.append(f"chunks{k}:")
    start, bound, step = values[:3]
    span = t.value(f"add i64 {t.value(f'sub i64 {bound}, {start}')}, {t.value(f'sub i64 {step}, 1')}")
    n = t.value(f"sdiv i64 {span}, {step}")
    for c in range(1, parts):
        _copy(t, frames[c], main, sizes, _OWN)
    runner, pool, loop, syscall = (_ptr(t, _ctx(t, word)) for word in loops.runner_words())
    chunks = []
    for c, frame in enumerate(frames):
        first = _chunk_start(t, start, step, n, c, parts)
        end = bound if c == parts - 1 else _chunk_start(t, start, step, n, c + 1, parts)
        t.store(frame["ri"], loops.mode_index, str(parallel_code.CHUNK))
        t.store(frame["ri"], h.iv, first)
        t.store(frame["ri"], loops.chunk_index, end)
        chunks.append(((("loop", loop), ("function", f"@\"{region_symbol}\""), ("environment", tables[c]),
                        ("dispatch_state", t.value(f"getelementptr i64, ptr {statuses}, i64 {c}"))),
                       (h.loop.header_block,)))
    _store_jobs(t, jobs, chunks)
    ran = t.value(f"call i32 {runner}(ptr {pool}, i64 {parts}, ptr {jobs}, ptr %trap, ptr {syscall})")
    t.lines.append(f"  br i1 {t.value(f'icmp ne i32 {ran}, 0')}, label %joined{k}, label %busy{k}")
    t.lines.append(f"joined{k}:")
    for c in range(parts):
        status = t.value(f"load i64, ptr {t.value(f'getelementptr i64, ptr {statuses}, i64 {c}')}")
        t.require(t.value(f"icmp eq i64 {status}, {h.exit_status}"), "chunk.faulted")
    _copy(t, main, frames[-1], sizes, ("ri", "rf", "tags"))
    t.lines.append(f"  br label %resume{k}")
    t.lines.append(f"busy{k}:")         # the workers are another call's: the loop as one chunk
    t.store(main["ri"], h.iv, start)
    t.lines.append(f"  br label %whole{k}")
    t.lines.append(f"whole{k}:")
    t.store(main["ri"], loops.mode_index, str(parallel_code.CHUNK))
    t.store(main["ri"], loops.chunk_index, bound)
    status = t.value(f"call i64 @\"{region_symbol}\"(i64 {h.loop.header_block}, {_frame(main)})")
    t.require(t.value(f"icmp eq i64 {status}, {h.exit_status}"), "chunk.faulted")
    t.lines.append(f"  br label %resume{k}")
    t.lines.append(f"resume{k}:")
    t.store(main["ri"], loops.mode_index, _ctx(t, loops.mode_word))
    following = _next_loop(loops, h)
    t.lines.append(f"  br label %{'run' if following is None else f'loop{following.k}'}")


def _next_loop(loops, h):
    """The loop whose header `h` exits to, if it is one of `loops`: the entry goes on
    there itself (entering the region at a loop's header would run that loop in it,
    never handed over: a fill loop then a conv loop over the same rows)."""
    return next((other for other in loops.loops if other.loop.header_block == h.loop.exit_block), None)


ARENA_ALIGNMENT = 64        # hal_inline's ALLOCATION_ALIGNMENT
ARENA_GUARD = 512           # hal_inline.buffer.GUARD_BYTES: zeros before and after each piece
LIBRARY_WORDS, VMVX_WORDS = 8, 7    # ctx words per dispatch (VMVX: and one per rodata): see library_call, vmvx_call
POOL_WORD, VMVX_POOL_WORD = 6, 4    # of a library's and a VMVX dispatch's words: the native workers' pool
MEMORY_WORDS = 4 + len(memory_parts.LIBC)     # ctx words of an entry's memory work in parts: see _memory_in_parts


def dispatch_entry_ir(name: str, plan, arenas: dict, words: list, dispatch_fields: dict,
                      vmvx_entries: dict, copied_results: bool, boxes: dict, wrapped: frozenset,
                      read_only: frozenset, memory_work: tuple | None = None) -> str:
    """The IR of entry `name` for a HostPlan with dispatches:

        entry(ctx, trap record, argument arrays..., results arena, scratch arena
              [, result arrays...]) -> status | offset << 8

    With `copied_results` the entry copies each result into its result array (the
    caller's new arrays of the results' shapes and dtypes) before it returns. A library
    dispatch with `boxes[d]` runs in those parts on the native workers (library_call).

    Each arena is a uint8 array of `arenas[kind][1]` bytes that holds, from its first
    ARENA_ALIGNMENT-aligned byte after ARENA_GUARD bytes, the pieces its layout
    `arenas[kind][0]` places ((kind, index) -> offset), each followed by ARENA_GUARD
    zeros: "results" the allocations (what results are views of: `offset` is where
    its aligned byte is), "scratch" the argument copies and local memories, which
    the caller does not keep. The entry zeroes both arenas but the copies (it writes
    them whole) and the hal_inline allocations (not Memory.zeroed: IREE leaves their
    contents undefined, and its compiler writes them before reading; zeroing a 4 MiB
    result was a fifth of an elementwise call on two cores). The arguments
    `wrapped` reach the dispatches as they are, the others as copies (a native library
    may write any binding, and IREE writes arguments in place: with numpy arrays only
    HostPlan.read_only_arguments are wrapped, with buffer views all are); those in
    `read_only` are read-only bindings of VMVX dispatches. `words`: the ctx index where each dispatch's words start
    (LIBRARY_WORDS or VMVX_WORDS: `library_call`, `vmvx_call`); `dispatch_fields`: the
    byte offsets of the state fields the entry sets in a library's dispatch and
    workgroup states; `vmvx_entries`: (length of its counts array, allocation rows,
    rodata lengths) of each VMVX dispatch's compiled entry, by dispatch number (the
    others are libraries'). With `memory_work` (its first ctx word, parts), the copies and
    zeroing run in that many parts on the native workers (_memory_in_parts), each copy
    writing only the cuts where the scratch arena's last copy differs (memory_parts.py)."""
    n_args = len(plan.arguments)
    t = _Text()
    t.lines.append("entry:")
    data = _checked_arguments(t, plan)
    layout, size = arenas["scratch"]
    bases = {}
    for j, kind in enumerate(("results", "scratch")):
        array = t.field(f"%o{n_args + j}", DATA, "i64")
        start = t.value(f"add i64 {array}, {ARENA_GUARD + ARENA_ALIGNMENT - 1}")
        bases[kind] = (array, t.value(f"and i64 {start}, {-ARENA_ALIGNMENT}"))
    base = bases["scratch"][1]
    copies = [(layout[("copy", k)], dtype.itemsize * _count(shape))
              for k, (shape, dtype) in enumerate(plan.arguments) if ("copy", k) in layout]
    operations = _zero_around(t, copies, size, *bases["scratch"])
    pieces = [(arenas["results"][0][("allocation", m.index)], m.length) for m in plan.allocations if not m.zeroed]
    operations += _zero_around(t, pieces, arenas["results"][1], *bases["results"])
    for k, (shape, dtype) in enumerate(plan.arguments):
        if k in wrapped:
            continue
        copy = t.value(f"add i64 {base}, {layout[('copy', k)]}")
        operations.append((copy, data[("argument", k)], str(dtype.itemsize * _count(shape))))
        data[("argument", k)] = copy
    if memory_work is None:
        for target, source, length in operations:
            if source is None:
                _memset(t, target, length)
            else:
                _memcpy(t, _ptr(t, target), _ptr(t, source), length)
    else:
        first, parts = memory_work
        _memory_in_parts(t, operations, [_ctx(t, first + i) for i in range(MEMORY_WORDS)], parts, compare=True)
    results_base = bases["results"][1]
    for memory in plan.allocations:
        data[("allocation", memory.index)] = t.value(
            f"add i64 {results_base}, {arenas['results'][0][('allocation', memory.index)]}")
    for d, dispatch in enumerate(plan.dispatches):
        bindings = [_span_address(t, plan, span, data) for span in dispatch.bindings]
        parts = len(boxes.get(d, [None]))
        locals_ = [t.value(f"add i64 {base}, {layout[('local', d, k)]}") if ("local", d, k) in layout else None
                   for k in range(parts)]
        if d in vmvx_entries:
            count = VMVX_WORDS + len(vmvx_entries[d][2])
            vmvx_call(t, dispatch, [_ctx(t, words[d] + i) for i in range(count)], bindings, locals_,
                      vmvx_entries[d], read_only, boxes.get(d))
        else:
            library_call(t, dispatch, [_ctx(t, words[d] + i) for i in range(LIBRARY_WORDS)], bindings,
                         locals_, dispatch_fields, boxes.get(d))
    results = plan.results if copied_results else []
    for r, result in enumerate(results):
        source = t.value(f"add i64 {data[('allocation', result.memory.index)]}, {result.offset}")
        target = t.field(f"%o{n_args + 2 + r}", DATA, "i64")
        _memcpy(t, _ptr(t, target), _ptr(t, source), result.dtype.itemsize * _count(result.shape))
    offset = t.value(f"sub i64 {results_base}, {bases['results'][0]}")
    t.lines.append(f"  ret i64 {t.value(f'shl i64 {offset}, 8')}")
    t.lines += ["faulted:", f"  ret i64 {FAULTED}"]
    params = ["ptr %ctx", "ptr %trap"] + [f"ptr %o{i}" for i in range(n_args + 2 + len(results))]
    return _define(name, params, t) + ("declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)\n"
                                       "declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)\n")


def library_call(t: _Text, dispatch, words: list, bindings: list, locals_: list, fields: dict,
                 boxes: list | None) -> None:
    """A native library's dispatch: native_dispatch's workgroup loop over the export
    function, with copies of the dispatch and workgroup state templates that point at
    this call's bindings and local memory (`locals_[k]`: part k's). With `boxes`, in
    those parts on the native workers (native_workers.RUN_IR), each with its own
    workgroup state, as loaders/native_dispatch.py runs them; while another dispatch
    has the workers, in one. `words`: the loop, the export function, the executable
    environment, the two templates, the parts runner, its pool, libc's syscall."""
    pointers = t.value(f"alloca [{max(1, len(bindings))} x i64], align 8")
    for b, address in enumerate(bindings):
        t.store(pointers, b, address)
    state = t.value("alloca [48 x i8], align 8")
    _memcpy(t, state, _ptr(t, words[3]), 48)
    slot = t.value(f"getelementptr i8, ptr {state}, i64 {fields['binding_ptrs']}")
    t.lines.append(f"  store ptr {pointers}, ptr {slot}")
    x, y, z = dispatch.counts
    joined = _parallel_library_call(t, words, state, locals_, fields, boxes) if boxes else None
    result = t.value(f"call i32 {_ptr(t, words[0])}(ptr {_ptr(t, words[1])}, ptr {_ptr(t, words[2])}, "
                     f"ptr {state}, ptr {_workgroup_state(t, words, locals_[0], fields)}, i32 0, i32 {x}, "
                     f"i32 0, i32 {y}, i32 0, i32 {z}, ptr {t.value('alloca [3 x i32], align 4')}, ptr %trap)")
    t.require(t.value(f"icmp eq i32 {result}, 0"), "faulted")
    if joined:
        t.lines += [f"  br label %{joined}", f"{joined}:"]


def _workgroup_state(t: _Text, words: list, local: str | None, fields: dict, processor: int = 0) -> str:
    workgroup = t.value("alloca [32 x i8], align 8")
    _memcpy(t, workgroup, _ptr(t, words[4]), 32)
    if local is not None:
        slot = t.value(f"getelementptr i8, ptr {workgroup}, i64 {fields['local_memory']}")
        t.lines.append(f"  store i64 {local}, ptr {slot}")
    if processor:
        slot = t.value(f"getelementptr i8, ptr {workgroup}, i64 {fields['processor_id']}")
        t.lines.append(f"  store i32 {processor}, ptr {slot}")
    return workgroup


def _parallel_library_call(t: _Text, words: list, state: str, locals_: list, fields: dict, boxes: list) -> str:
    """The parts of library_call on the native workers: a Job per box (_run_jobs)."""
    parts = len(boxes)
    slot = t.value(f"getelementptr i8, ptr {state}, i64 {fields['max_concurrency']}")
    t.lines.append(f"  store i32 {parts}, ptr {slot}")
    jobs = _jobs(t, [((("loop", _ptr(t, words[0])), ("function", _ptr(t, words[1])),
                       ("environment", _ptr(t, words[2])), ("dispatch_state", state),
                       ("workgroup_state", _workgroup_state(t, words, locals_[k], fields, k))), box)
                     for k, box in enumerate(boxes)])
    return _run_jobs(t, *(_ptr(t, words[i]) for i in (5, 6, 7)), jobs, parts)


def _jobs(t: _Text, parts: list) -> str:
    """A Job array on the stack (native_workers.Job) holding `parts`: each a list of
    (field, pointer value) and its box's values."""
    jobs = t.value(f"alloca [{len(parts) * ctypes.sizeof(Job)} x i8], align 8")
    _store_jobs(t, jobs, parts)
    return jobs


def _store_jobs(t: _Text, jobs: str, parts: list) -> None:
    """Stores `parts` (as _jobs takes them) into the Job array at `jobs` (a loop's
    chunks reuse one array made in the entry block: an alloca in a loop grows the stack)."""
    for k, (fields, box) in enumerate(parts):
        base = k * ctypes.sizeof(Job)
        for name, value in fields:
            slot = t.value(f"getelementptr i8, ptr {jobs}, i64 {base + getattr(Job, name).offset}")
            t.lines.append(f"  store ptr {value}, ptr {slot}")
        for i, bound in enumerate(box):
            slot = t.value(f"getelementptr i8, ptr {jobs}, i64 {base + Job.box.offset + 4 * i}")
            t.lines.append(f"  store i32 {bound}, ptr {slot}")


def _run_jobs(t: _Text, runner: str, pool: str, syscall: str, jobs: str, parts: int) -> str:
    """Runs `parts` Jobs of `jobs` on the native workers (native_workers.RUN_IR); if the
    runner ran them, goes on at the block it returns the label of (or to "faulted" when
    a part failed), else falls through to the lines that follow (the one-part way)."""
    ran = t.value(f"call i32 {runner}(ptr {pool}, i64 {parts}, ptr {jobs}, ptr %trap, ptr {syscall})")
    t.count += 1
    joined, serial, check = f"joined{t.count}", f"serial{t.count}", f"ran{t.count}"
    t.lines.append(f"  br i1 {t.value(f'icmp ne i32 {ran}, 0')}, label %{check}, label %{serial}")
    t.lines.append(f"{check}:")
    failed = "false"
    for k in range(parts):
        result_slot = t.value(f"getelementptr i8, ptr {jobs}, i64 {k * ctypes.sizeof(Job) + Job.result.offset}")
        result = t.value(f"load i32, ptr {result_slot}")
        failed = t.value(f"or i1 {failed}, {t.value(f'icmp ne i32 {result}, 0')}")
    t.lines.append(f"  br i1 {failed}, label %faulted, label %{joined}")
    t.lines.append(f"{serial}:")
    return joined


def vmvx_call(t: _Text, dispatch, words: list, bindings: list, locals_: list, entry: tuple,
              read_only: frozenset, boxes: list | None = None) -> None:
    """A VMVX dispatch: its compiled entry function (vmvx_entry_code.py) over all its
    workgroups, with the buffer table CompiledEntry.run makes (local memory,
    constants, bindings, the entry's `entry[1]` allocation rows, its rodata of
    lengths `entry[2]`), called as a C function when llvm_lower.py made it (`entry[3]`),
    else with Numba's convention (vmvx_entry_runner.NATIVE_TYPE). With `boxes` (only
    for llvm_lower's), in those parts on the native workers, each with its own tables,
    `err` and local memory (`locals_[k]`), as the interpreter's path runs them; while
    other work has the workers, in one. `words`: the entry, the constants' address, the
    entry's counts array's address (`entry[0]` int64s), the parts runner, its pool, the
    part loop (vmvx_entry_runner.PART_IR), libc's syscall, each rodata's address. The
    bindings of `read_only` arguments are read-only: a store to one faults."""
    counted, alloc_rows, rodata, native = entry
    rows = 2 + len(bindings) + alloc_rows + len(rodata)
    local_size = dispatch.executable.local_memory_size(dispatch.ordinal)
    cells = [(words[1], 4 * len(dispatch.constants), 0)]
    cells += [(address, span.length, int(span.memory.kind != "argument" or span.memory.index not in read_only))
              for address, span in zip(bindings, dispatch.bindings)]
    cells += [("0", 0, 0)] * alloc_rows
    cells += [(address, length, 0) for address, length in zip(words[VMVX_WORDS:], rodata)]

    def tables(local: str | None) -> dict:
        table = {array: t.value(f"alloca [{rows} x i64], align 8") for array in ("taddr", "tlen", "tmut")}
        for row, (address, length, mutable) in enumerate([(local or "0", local_size, 1), *cells]):
            t.store(table["taddr"], row, address)
            t.store(table["tlen"], row, str(length))
            t.store(table["tmut"], row, str(mutable))
        table["err"] = t.value(f"alloca [{ENTRY_ERR_SIZE} x i64], align 8")
        t.store(table["err"], ENTRY_FUEL, str(NO_FUEL_LIMIT))          # no deadline (HostRoute)
        t.store(table["err"], ENTRY_FUEL + 1, str(NEVER_NS))
        return table
    x, y, z = dispatch.counts
    parts = [tables(local) for local in (locals_ if boxes else locals_[:1])]
    joined = _parallel_vmvx_call(t, words, parts, boxes, (x, y, z), len(bindings)) if boxes else None
    table = parts[0]        # untouched when the workers were busy and ran nothing
    arguments = [f"i64 {v}" for v in (0, x, 0, y, 0, z, x, y, z)]
    if native:
        arguments += [f"ptr {table[name]}" for name in ("taddr", "tlen", "tmut")]
        arguments += [f"i64 {len(bindings)}", f"ptr {table['err']}", f"ptr {_ptr(t, words[2])}"]
        status = t.value(f"call i64 {_ptr(t, words[0])}({', '.join(arguments)})")
        t.require(t.value(f"icmp eq i64 {status}, 0"), "faulted")
        if joined:
            t.lines += [f"  br label %{joined}", f"{joined}:"]
        return
    result = t.value("alloca i64, align 8")
    exception = t.value("alloca ptr, align 8")
    arguments += [_numba_array(table[name], rows) for name in ("taddr", "tlen", "tmut")]
    arguments += [f"i64 {len(bindings)}", _numba_array(table["err"], ENTRY_ERR_SIZE),
                  _numba_array(_ptr(t, words[2]), counted)]
    status = t.value(f"call i32 {_ptr(t, words[0])}(ptr {result}, ptr {exception}, {', '.join(arguments)})")
    t.require(t.value(f"icmp eq i32 {status}, 0"), "faulted")
    t.require(t.value(f"icmp eq i64 {t.value(f'load i64, ptr {result}')}, 0"), "faulted")


def _parallel_vmvx_call(t: _Text, words: list, tables: list, boxes: list, counts: tuple, bindings: int) -> str:
    """The parts of vmvx_call on the native workers: a Job per box whose loop calls the
    entry on its own `tables[k]` (_run_jobs)."""
    shared = t.value("alloca [5 x i64], align 8")
    for k, value in enumerate((*counts, bindings, words[2])):
        t.store(shared, k, str(value))
    parts = []
    for table, box in zip(tables, boxes):
        own = t.value("alloca [4 x i64], align 8")
        for k, name in enumerate(("taddr", "tlen", "tmut", "err")):
            t.store(own, k, t.value(f"ptrtoint ptr {table[name]} to i64"))
        parts.append(((("loop", _ptr(t, words[5])), ("function", _ptr(t, words[0])), ("environment", own),
                       ("dispatch_state", shared)), box))
    return _run_jobs(t, *(_ptr(t, words[i]) for i in (3, 4, 6)), _jobs(t, parts), len(boxes))


def _numba_array(pointer: str, count: int) -> str:
    """The arguments of a C-contiguous int64 array of `count` at `pointer` (NATIVE_ARRAY)."""
    return f"ptr null, ptr null, i64 {count}, i64 8, ptr {pointer}, i64 {count}, i64 8"


def _zero_around(t: _Text, pieces: list, size: int, arena: str, base: str) -> list:
    """(target, None, length) zeroing an arena of `size` bytes from `arena` but its
    `pieces` ((offset from `base`, length), in order), which are written whole before
    anything reads them."""
    cursor, zeroes = arena, []
    for offset, length in pieces:
        start = t.value(f"add i64 {base}, {offset}")
        zeroes.append((cursor, None, t.value(f"sub i64 {start}, {cursor}")))
        cursor = t.value(f"add i64 {start}, {length}")
    end = t.value(f"add i64 {arena}, {size}")
    zeroes.append((cursor, None, t.value(f"sub i64 {end}, {cursor}")))
    return zeroes


def _memory_in_parts(t: _Text, operations: list, words: list, parts: int, compare: bool = False) -> None:
    """Memory `operations` ((target, source or None to zero, length) as i64 values) split
    in `parts` on the native workers (native/memory_parts.py), or as one part on this
    thread while they are busy; with `compare`, copies write only what differs from the
    target. `words`: the runner, its pool, the part loop, libc's syscall, memcpy, memset
    and memcmp."""
    runner, pool, part, syscall, memcpy, memset, memcmp = (_ptr(t, word) for word in words)
    table = t.value(f"alloca [{2 + 3 * len(operations)} x i64], align 8")
    t.store(table, 0, str(len(operations)))
    t.store(table, 1, str(int(compare)))
    for i, (target, source, length) in enumerate(operations):
        for j, value in enumerate((target, source or "0", length)):
            t.store(table, 2 + 3 * i + j, value)
    fields = (("loop", part), ("function", table), ("environment", memcpy), ("dispatch_state", memset),
              ("workgroup_state", memcmp))
    joined = _run_jobs(t, runner, pool, syscall, _jobs(t, [(fields, (k, parts)) for k in range(parts)]), parts)
    t.value(f"call i32 {part}(ptr {table}, ptr {memcpy}, ptr {memset}, ptr {memcmp}, i32 0, i32 1, i32 0, "
            "i32 0, i32 0, i32 0, ptr null, ptr %trap)")
    t.lines += [f"  br label %{joined}", f"{joined}:"]


def _memcpy(t: _Text, target: str, source: str, length) -> None:
    """A copy of `length` bytes between two pointers (ptr values)."""
    t.lines.append(f"  call void @llvm.memcpy.p0.p0.i64(ptr {target}, ptr {source}, i64 {length}, i1 false)")


def _memset(t: _Text, address: str, length: str) -> None:
    t.lines.append(f"  call void @llvm.memset.p0.i64(ptr {_ptr(t, address)}, i8 0, i64 {length}, i1 false)")


def _ptr(t: _Text, value: str) -> str:
    return t.value(f"inttoptr i64 {value} to ptr")


def _count(shape) -> int:
    count = 1
    for dim in shape:
        count *= dim
    return count


def rodata_spans(plan) -> list:
    """The rodata spans (accessed or bound) in the order their rodata's addresses
    follow the dtypes in `ctx`."""
    found = []
    for span in [*plan.spans, *(b for d in plan.dispatches for b in d.bindings)]:
        if span.memory.kind == "rodata" and span not in found:
            found.append(span)
    return found
