"""One row per op: every per-op and per-element map is derived from one table and
covers exactly its keys (docs/architecture.md, "Where things live")."""

import string
import struct

import numpy as np
import pytest

from vmvxjit.vm import buffer, isa, steps_memory, steps_numeric
from vmvxjit.vm.elements import ACCESSES, ELEMENTS, FILLS, LOADS, STORES
from vmvxjit.vm.jit import ops, regions, spelling
from vmvxjit.vm.semantics import OP_TABLE, PURE_EXPRESSIONS, PURE_OPS, SWITCHES_WRAPPING_CASES, mnemonic

# ISA ops that look like pure ones (numeric registers only, read ones and one written)
# but are not.
NOT_PURE = {f"vm.global.load.indirect.{t}": "reads a module global" for t in ("i32", "i64", "f32", "f64")}


def _banks(name: str, access: str) -> list:
    """The banks of op `name`'s registers read (`R.`) or written (`W.`), in field order."""
    return [f.bank for f in isa.BY_MNEMONIC[name].fields if f.kind.startswith(access)]


def _built_by(builders: dict, build) -> set:
    return {m for m, b in builders.items() if b is build}


def test_every_pure_isa_op_has_one_row():
    looks_pure = {m for m, info in isa.BY_MNEMONIC.items()
                  if all(f.is_register and f.bank != "ref" for f in info.fields)
                  and _banks(m, "R.") and len(_banks(m, "W.")) == 1}
    assert set(NOT_PURE) <= looks_pure
    assert set(OP_TABLE) == looks_pure - set(NOT_PURE)


def test_the_interpreter_maps_have_the_table_keys():
    assert set(PURE_OPS) == set(OP_TABLE)
    assert set(PURE_EXPRESSIONS) == {m for m, op in OP_TABLE.items() if isinstance(op.semantics, str)}
    assert _built_by(steps_numeric.BUILDERS, steps_numeric.build_pure) == set(OP_TABLE)
    assert _built_by(steps_numeric.INLINERS, steps_numeric.inline_pure) == set(OP_TABLE)


def test_the_jit_maps_have_the_table_keys():
    assert set(ops.TEMPLATES) == set(OP_TABLE)
    assert set(ops.FAULTS) == {m for m, op in OP_TABLE.items() if op.fault is not None}
    assert ops.FAULT_OPS == tuple(sorted(ops.FAULTS))
    assert set(OP_TABLE) <= regions.COMPILABLE


@pytest.mark.parametrize("name", sorted(OP_TABLE))
def test_templates_use_the_operands_only(name):
    """Every row has a template; it and the fault condition read operand locals
    `{0}`, `{1}`, ... of the op's read registers and nothing else."""
    op = OP_TABLE[name]
    allowed = {str(i) for i in range(len(_banks(name, "R.")))}
    assert "{0}" in op.template
    for text in filter(None, (op.template, op.fault)):
        assert {f for _, f, _, _ in string.Formatter().parse(text) if f is not None} <= allowed, text


@pytest.mark.parametrize("stem,type_name,name", [
    ("add", "i32", "vm.add.i32"), ("div.u", "i64", "vm.div.i64.u"), ("cmp.lt.s", "i32", "vm.cmp.lt.i32.s"),
    ("cmp.nz", "i64", "vm.cmp.nz.i64"), ("cmp.lte.o", "f64", "vm.cmp.lte.f64.o"),
    ("cmp.nan", "f32", "vm.cmp.nan.f32"), ("round.even", "f32", "vm.round.f32.even"),
    ("round", "f64", "vm.round.f64")])
def test_stem_and_type_give_the_isa_mnemonic(stem, type_name, name):
    assert mnemonic(stem, type_name) == name
    assert name in OP_TABLE


def test_buffer_ops_name_element_codes_of_their_register_bank():
    """Each typed load, store and fill of the ISA has an element code of the table
    whose bank is that of the register the op loads into or stores from."""
    assert set(LOADS.values()) | set(STORES.values()) == set(ELEMENTS)
    assert set(FILLS.values()) == set(STORES.values())
    for name, code in LOADS.items():
        assert _banks(name, "W.") == [ELEMENTS[code].bank], name
    for name, code in {**STORES, **FILLS}.items():
        assert _banks(name, "R.")[-1] == ELEMENTS[code].bank, name


@pytest.mark.parametrize("code", sorted(ELEMENTS))
def test_element_tables_agree(code):
    element = ELEMENTS[code]
    assert np.dtype(element.format).itemsize == struct.calcsize(element.store_format) == element.size
    assert spelling.VIEWS[code] == (f"np.{element.dtype}", element.size)
    if code in LOADS.values():
        assert f"* {element.size}" in buffer.load_expression(code, "b", "i")
    if code in STORES.values():
        assert f"* {element.size}" in buffer.store_expression(code, "b", "i", "v")


def test_narrow_stores_are_masked_in_jit_code():
    assert spelling.STORE_MASK == {"i8": " & 0xFF", "i16": " & 0xFFFF"}


def test_region_op_sets_are_derived_from_the_isa():
    typed = set(LOADS) | set(STORES) | set(FILLS)
    assert set(ACCESSES) == typed and all(m.endswith("." + code) for m, code in ACCESSES.items())
    assert regions.BUFFER_OPS == typed | {"vm.buffer.length"}
    assert typed == (_built_by(steps_memory.BUILDERS, steps_memory.build_buffer_load)
                     | _built_by(steps_memory.BUILDERS, steps_memory.build_buffer_store)
                     | _built_by(steps_memory.BUILDERS, steps_memory.build_buffer_fill))
    assert regions.CONST_OPS == _built_by(steps_numeric.BUILDERS, steps_numeric.build_const)
    assert regions.SWITCH_OPS == _built_by(steps_numeric.BUILDERS, steps_numeric.build_switch)
    assert len(regions.CONST_OPS) == 8 and len(regions.SWITCH_OPS) == 4
    assert SWITCHES_WRAPPING_CASES <= regions.SWITCH_OPS
