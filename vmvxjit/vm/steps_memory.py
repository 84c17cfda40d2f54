"""Interpreter steps for globals, rodata, `vm.buffer`, `vm.list` and ref ops.

Ref operands arrive as raw register values: ordinal = raw & REF_MASK, and the
MOVE bit means the source register is released (set to null) after use.
"""

from __future__ import annotations

import struct

from vmvxjit.errors import InvalidArgumentError, OutOfRangeError
from vmvxjit.vm import isa
from vmvxjit.vm.allocation_limit import zeroed
from vmvxjit.vm.buffer import ACCESS_NAMES, VmBuffer, load_expression, store_expression
from vmvxjit.vm.bytecode_module import ANY_TYPE
from vmvxjit.vm.elements import FILLS, LOADS, STORES
from vmvxjit.vm.hashing import siphash24
from vmvxjit.vm.list import VALUE_TYPES, VmList
from vmvxjit.vm.ref import type_name_of

_GLOBAL_STRUCTS = {t: struct.Struct(f) for t, f in
                   (("i32", "<i"), ("i64", "<q"), ("f32", "<f"), ("f64", "<d"))}
_MASK = isa.REF_MASK
_MOVE = isa.MOVE_BIT


def _null(name: str) -> InvalidArgumentError:
    return InvalidArgumentError(f"{name} is null")


def _buffer(value, name: str) -> VmBuffer:
    if value.__class__ is VmBuffer:
        return value
    if value is None:
        raise _null(name)
    raise InvalidArgumentError(f"{name} type mismatch; expected vm.buffer but have {type_name_of(value)}")


def _list(value, name: str = "list") -> VmList:
    if value.__class__ is VmList:
        return value
    if value is None:
        raise _null(name)
    raise InvalidArgumentError(f"{name} type mismatch; expected vm.list but have {type_name_of(value)}")


def check_ref_type(value, expected):
    """Null passes; otherwise `value` must be an instance of `expected` (IREE's text)."""
    if value is not None and expected is not ANY_TYPE and not isinstance(value, expected):
        raise InvalidArgumentError(
            f"source ref type mismatch (expected {expected.type_name}, have {type_name_of(value)})")
    return value


# -- globals ------------------------------------------------------------------

def _global_type(instr) -> str:
    return instr.op.mnemonic.rsplit(".", 1)[1]


def build_global_load(instr, env):
    st = _GLOBAL_STRUCTS[_global_type(instr)]
    offset, w = instr.args
    if instr.op.mnemonic == "vm.global.load.indirect.f64" and w & 1:
        return _misencoded_f32_load(offset, w, env.state.rwdata)
    view = env.state.rwdata_view
    if "indirect" not in instr.op.mnemonic:
        def step(regs, refs):
            regs[w] = st.unpack_from(view, offset)[0]
        return step
    size = len(view)

    def step(regs, refs):
        at = regs[offset]
        if at < 0 or at + st.size > size:
            raise OutOfRangeError(f"global byte_offset out of range: {at} (rwdata={size})")
        regs[w] = st.unpack_from(view, at)[0]
    return step


def _misencoded_f32_load(offset, w, rwdata):
    """What IREE 3.13 does with the f32 indirect load its compiler encodes as an
    f64 load into an odd register: bounds-check 4 bytes, load 8 bytes into
    slots w and w+1. Slot w (the value the program reads) gets the f32 at the
    offset, slot w+1 the next 4 bytes."""
    size = rwdata.shape[0]

    def step(regs, refs):
        at = regs[offset]
        if at < 0 or at + 4 > size:
            raise OutOfRangeError(f"global byte_offset out of range: {at} (rwdata={size})")
        raw = bytes(rwdata[at:at + 8]).ljust(8, b"\0")
        regs[w], regs[w + 1] = _MISENCODED.unpack(raw)
    return step


_MISENCODED = struct.Struct("<fi")


def build_global_store(instr, env):
    st = _GLOBAL_STRUCTS[_global_type(instr)]
    offset, value = instr.args
    view = env.state.rwdata_view
    if "indirect" not in instr.op.mnemonic:
        def step(regs, refs):
            st.pack_into(view, offset, regs[value])
        return step
    size = len(view)

    def step(regs, refs):
        at = regs[offset]
        if at < 0 or at + st.size > size:
            raise OutOfRangeError(f"global byte_offset out of range: {at} (rwdata={size})")
        st.pack_into(view, at, regs[value])
    return step


def build_global_load_ref(instr, env):
    slot, type_id, w = instr.args
    expected = env.module.ref_type_of(type_id)
    globals_ = env.state.global_refs
    dst = w & _MASK
    indirect = "indirect" in instr.op.mnemonic

    def step(regs, refs):
        index = regs[slot] if indirect else slot
        if indirect and not 0 <= index < len(globals_):
            raise OutOfRangeError(f"global ref ordinal out of range: {index} (table={len(globals_)})")
        refs[dst] = check_ref_type(globals_[index], expected)
    return step


def build_global_store_ref(instr, env):
    slot, type_id, value = instr.args
    expected = env.module.ref_type_of(type_id)
    globals_ = env.state.global_refs
    src, move = value & _MASK, value & _MOVE
    indirect = "indirect" in instr.op.mnemonic

    def step(regs, refs):
        index = regs[slot] if indirect else slot
        if indirect and not 0 <= index < len(globals_):
            raise OutOfRangeError(f"global ref ordinal out of range: {index} (table={len(globals_)})")
        globals_[index] = check_ref_type(refs[src], expected)
        if move:
            refs[src] = None
    return step


# -- rodata and plain refs ------------------------------------------------------

def build_const_ref_zero(instr, env):
    dst = instr.args[0] & _MASK

    def step(regs, refs):
        refs[dst] = None
    return step


def build_const_ref_rodata(instr, env):
    buffer = env.module.rodata[instr.args[0]]
    dst = instr.args[1] & _MASK

    def step(regs, refs):
        refs[dst] = buffer
    return step


def build_assign_ref(instr, env):
    src, dst = instr.args
    s, d, move = src & _MASK, dst & _MASK, src & _MOVE

    def step(regs, refs):
        value = refs[s]
        if move and s != d:
            refs[s] = None
        refs[d] = value
    return step


def build_cast_any_ref(instr, env):
    src, type_id, dst = instr.args
    expected = env.module.ref_type_of(type_id)
    s, d, move = src & _MASK, dst & _MASK, src & _MOVE

    def step(regs, refs):
        value = check_ref_type(refs[s], expected)
        if move and s != d:
            refs[s] = None
        refs[d] = value
    return step


def build_select_ref(instr, env):
    cond, type_id, true_raw, false_raw, dst = instr.args
    t, f, d = true_raw & _MASK, false_raw & _MASK, dst & _MASK
    t_move, f_move = true_raw & _MOVE, false_raw & _MOVE
    # IREE checks the selected ref against the type; `!vm.opaque` matches no
    # concrete ref there, so any non-null value fails (nulls pass).
    expected = env.module.ref_type_of(type_id)
    opaque = expected is ANY_TYPE

    def step(regs, refs):
        if regs[cond]:
            value = refs[t]
            if t_move and t != d:
                refs[t] = None
            if f_move and f != d:
                refs[f] = None
        else:
            value = refs[f]
            if f_move and f != d:
                refs[f] = None
            if t_move and t != d:
                refs[t] = None
        if value is not None and (opaque or not isinstance(value, expected)):
            raise InvalidArgumentError("source ref type mismatch")
        refs[d] = value
    return step


def build_switch_ref(instr, env):
    index, _type_id, default_raw, values, dst = instr.args
    d = dst & _MASK
    sources = [(raw & _MASK, raw & _MOVE) for raw in values]
    default = (default_raw & _MASK, default_raw & _MOVE)

    def step(regs, refs):
        i = regs[index]
        s, move = sources[i] if 0 <= i < len(sources) else default
        value = refs[s]
        if move and s != d:
            refs[s] = None
        refs[d] = value
    return step


def build_cmp_ref(instr, env):
    mnemonic = instr.op.mnemonic
    if mnemonic == "vm.cmp.nz.ref":
        a, w = instr.args[0] & _MASK, instr.args[1]

        def step(regs, refs):
            regs[w] = int(refs[a] is not None)
        return step
    a, b, w = instr.args[0] & _MASK, instr.args[1] & _MASK, instr.args[2]
    equal = mnemonic == "vm.cmp.eq.ref"

    def step(regs, refs):
        regs[w] = int((refs[a] is refs[b]) == equal)
    return step


def _discarded(instr) -> list:
    return [raw & _MASK for raw in instr.args[0] if raw & isa.REF_BIT]


def build_discard_refs(instr, env):
    slots = _discarded(instr)

    def step(regs, refs):
        for s in slots:
            refs[s] = None
    return step


# -- vm.buffer ------------------------------------------------------------------

def build_buffer_load(instr, env):
    code = LOADS[instr.op.mnemonic]
    buf_raw, index, w = instr.args
    b = buf_raw & _MASK

    def step(regs, refs):
        regs[w] = _buffer(refs[b], "source_buffer").load(code, regs[index])
    return step


def build_buffer_store(instr, env):
    code = STORES[instr.op.mnemonic]
    buf_raw, index, value = instr.args
    b = buf_raw & _MASK

    def step(regs, refs):
        _buffer(refs[b], "target_buffer").store(code, regs[index], regs[value])
    return step


def build_buffer_fill(instr, env):
    code = FILLS[instr.op.mnemonic]
    buf_raw, offset, length, value = instr.args
    b = buf_raw & _MASK

    def step(regs, refs):
        _buffer(refs[b], "target_buffer").fill(code, regs[offset], regs[length], regs[value])
    return step


def valid_alignment(alignment: int) -> bool:
    """Whether `vm.buffer.alloc`/`clone` accept `alignment` (0 or a power of two)."""
    return alignment >= 0 and not alignment & (alignment - 1)


def _check_alignment(alignment: int) -> None:
    if not valid_alignment(alignment):
        raise InvalidArgumentError(f"alignments must be powers of two (got {alignment})")


def _buffer_allocator(env):
    """A function making a new zeroed vm.buffer charged to the context's allocation cap."""
    allocate = env.state.allocations.allocate

    def new_buffer(length: int) -> VmBuffer:
        return VmBuffer.over(allocate(length, zeroed, "vm.buffer"))
    return new_buffer


def build_buffer_alloc(instr, env):
    length, alignment, dst = instr.args
    d = dst & _MASK
    new_buffer = _buffer_allocator(env)

    def step(regs, refs):
        _check_alignment(regs[alignment])
        refs[d] = new_buffer(regs[length])
    return step


def build_buffer_clone(instr, env):
    src, offset, length, alignment, dst = instr.args
    s, d = src & _MASK, dst & _MASK
    new_buffer = _buffer_allocator(env)

    def step(regs, refs):
        source = _buffer(refs[s], "source")
        _check_alignment(regs[alignment])
        data = source.bytes_ro(regs[offset], regs[length])
        clone = new_buffer(regs[length])
        clone.data[:] = data
        refs[d] = clone
    return step


def build_buffer_length(instr, env):
    buf_raw, w = instr.args
    b = buf_raw & _MASK

    def step(regs, refs):
        regs[w] = _buffer(refs[b], "buffer").length
    return step


def build_buffer_copy(instr, env):
    src, src_off, dst, dst_off, length = instr.args
    s, d = src & _MASK, dst & _MASK

    def step(regs, refs):
        source = _buffer(refs[s], "source_buffer")
        target = _buffer(refs[d], "target_buffer")
        n = regs[length]
        data = source.bytes_ro(regs[src_off], n)
        target.bytes_rw(regs[dst_off], n)[:] = data
    return step


def build_buffer_compare(instr, env):
    lhs, lhs_off, rhs, rhs_off, length, w = instr.args
    a, b = lhs & _MASK, rhs & _MASK

    def step(regs, refs):
        n = regs[length]
        left = _buffer(refs[a], "lhs_buffer").bytes_ro(regs[lhs_off], n)
        right = _buffer(refs[b], "rhs_buffer").bytes_ro(regs[rhs_off], n)
        regs[w] = int(bytes(left) == bytes(right))
    return step


def build_buffer_hash(instr, env):
    src, offset, length, w = instr.args
    s = src & _MASK

    def step(regs, refs):
        data = _buffer(refs[s], "source_buffer").bytes_ro(regs[offset], regs[length])
        regs[w] = siphash24(bytes(data))
    return step


# -- vm.list ----------------------------------------------------------------------

def build_list_alloc(instr, env):
    type_id, capacity, dst = instr.args
    element = env.module.type_of(type_id)
    d = dst & _MASK
    if element in VALUE_TYPES:
        kind, cls = element, None
    elif element is ANY_TYPE:
        kind, cls = "any", None
    else:
        kind, cls = "ref", element

    def step(regs, refs):
        refs[d] = VmList(kind, cls, regs[capacity])
    return step


def build_list_reserve(instr, env):
    lst, value = instr.args[0] & _MASK, instr.args[1]

    def step(regs, refs):
        _list(refs[lst]).reserve(regs[value])
    return step


def build_list_resize(instr, env):
    lst, value = instr.args[0] & _MASK, instr.args[1]

    def step(regs, refs):
        _list(refs[lst]).resize(regs[value])
    return step


def build_list_size(instr, env):
    lst, w = instr.args[0] & _MASK, instr.args[1]

    def step(regs, refs):
        regs[w] = len(_list(refs[lst]))
    return step


def build_list_get(instr, env):
    value_type = instr.op.mnemonic.rsplit(".", 1)[1]
    lst, index, w = instr.args[0] & _MASK, instr.args[1], instr.args[2]

    def step(regs, refs):
        regs[w] = _list(refs[lst]).get_value(regs[index], value_type)
    return step


def build_list_set(instr, env):
    value_type = instr.op.mnemonic.rsplit(".", 1)[1]
    lst, index, value = instr.args[0] & _MASK, instr.args[1], instr.args[2]

    def step(regs, refs):
        _list(refs[lst]).set_value(regs[index], value_type, regs[value])
    return step


def build_list_get_ref(instr, env):
    lst_raw, index, type_id, dst = instr.args
    expected = env.module.ref_type_of(type_id)
    lst, d = lst_raw & _MASK, dst & _MASK

    def step(regs, refs):
        refs[d] = _list(refs[lst]).get_ref(regs[index], expected)
    return step


def build_list_set_ref(instr, env):
    lst_raw, index, value = instr.args
    lst, s, move = lst_raw & _MASK, value & _MASK, value & _MOVE

    def step(regs, refs):
        _list(refs[lst]).set_ref(regs[index], refs[s])
        if move:
            refs[s] = None
    return step


BUILDERS = {}
for _m in ("vm.global.load.i32", "vm.global.load.i64", "vm.global.load.f32", "vm.global.load.f64",
           "vm.global.load.indirect.i32", "vm.global.load.indirect.i64",
           "vm.global.load.indirect.f32", "vm.global.load.indirect.f64"):
    BUILDERS[_m] = build_global_load
for _m in ("vm.global.store.i32", "vm.global.store.i64", "vm.global.store.f32", "vm.global.store.f64",
           "vm.global.store.indirect.i32", "vm.global.store.indirect.i64",
           "vm.global.store.indirect.f32", "vm.global.store.indirect.f64"):
    BUILDERS[_m] = build_global_store
BUILDERS.update({m: build_buffer_load for m in LOADS})
BUILDERS.update({m: build_buffer_store for m in STORES})
BUILDERS.update({m: build_buffer_fill for m in FILLS})
BUILDERS.update({
    "vm.global.load.ref": build_global_load_ref,
    "vm.global.load.indirect.ref": build_global_load_ref,
    "vm.global.store.ref": build_global_store_ref,
    "vm.global.store.indirect.ref": build_global_store_ref,
    "vm.const.ref.zero": build_const_ref_zero,
    "vm.const.ref.rodata": build_const_ref_rodata,
    "vm.assign.ref": build_assign_ref,
    "vm.cast.any.ref": build_cast_any_ref,
    "vm.select.ref": build_select_ref,
    "vm.switch.ref": build_switch_ref,
    "vm.cmp.eq.ref": build_cmp_ref,
    "vm.cmp.ne.ref": build_cmp_ref,
    "vm.cmp.nz.ref": build_cmp_ref,
    "vm.discard.refs": build_discard_refs,
    "vm.buffer.alloc": build_buffer_alloc,
    "vm.buffer.clone": build_buffer_clone,
    "vm.buffer.length": build_buffer_length,
    "vm.buffer.copy": build_buffer_copy,
    "vm.buffer.compare": build_buffer_compare,
    "vm.buffer.hash": build_buffer_hash,
    "vm.list.alloc": build_list_alloc,
    "vm.list.reserve": build_list_reserve,
    "vm.list.resize": build_list_resize,
    "vm.list.size": build_list_size,
    "vm.list.get.i32": build_list_get,
    "vm.list.get.i64": build_list_get,
    "vm.list.get.f32": build_list_get,
    "vm.list.get.f64": build_list_get,
    "vm.list.set.i32": build_list_set,
    "vm.list.set.i64": build_list_set,
    "vm.list.set.f32": build_list_set,
    "vm.list.set.f64": build_list_set,
    "vm.list.get.ref": build_list_get_ref,
    "vm.list.set.ref": build_list_set_ref,
})


# -- inline forms for fused blocks (see fused_blocks.py) ------------------------

def _checked_buffer(slot: int, name: str) -> str:
    """A line binding `buffer` to `refs[slot]` as a VmBuffer (checked like
    `_buffer`, without a call in the common case)."""
    return (f"buffer = refs[{slot}] if refs[{slot}].__class__ is VmBuffer "
            f"else buffer_ref(refs[{slot}], {name!r})")


_ACCESS_NAMES = {"buffer_ref": _buffer, "VmBuffer": VmBuffer, **ACCESS_NAMES}


def inline_buffer_load(instr, env, tag):
    buf_raw, index, w = instr.args
    code = LOADS[instr.op.mnemonic]
    return ([_checked_buffer(buf_raw & _MASK, "source_buffer"),
             f"regs[{w}] = " + load_expression(code, "buffer", f"regs[{index}]")], _ACCESS_NAMES)


def inline_buffer_store(instr, env, tag):
    buf_raw, index, value = instr.args
    code = STORES[instr.op.mnemonic]
    return ([_checked_buffer(buf_raw & _MASK, "target_buffer"),
             store_expression(code, "buffer", f"regs[{index}]", f"regs[{value}]")], _ACCESS_NAMES)


def inline_const_ref_rodata(instr, env, tag):
    return ([f"refs[{instr.args[1] & _MASK}] = rodata{tag}"],
            {f"rodata{tag}": env.module.rodata[instr.args[0]]})


def inline_const_ref_zero(instr, env, tag):
    return [f"refs[{instr.args[0] & _MASK}] = None"], {}


def inline_discard_refs(instr, env, tag):
    return [f"refs[{slot}] = None" for slot in _discarded(instr)], {}


INLINERS = {m: inline_buffer_load for m in LOADS}
INLINERS.update({m: inline_buffer_store for m in STORES})
INLINERS.update({
    "vm.const.ref.rodata": inline_const_ref_rodata,
    "vm.const.ref.zero": inline_const_ref_zero,
    "vm.discard.refs": inline_discard_refs,
})
