"""Steps for globals, refs and lists on corrupted modules: vmvxjit errors, never Python's."""

import numpy as np
import pytest

import vmvxjit
from tests.support.corrupt import instruction_offset
from tests.support.modules import STATIC, compile_mlir
from tools.fuzz.programs import STATEFUL as GLOBAL_REF
from vmvxjit.vm.decoder import decode_function
from vmvxjit.vm.module_def import load_module_def


def test_a_ref_op_typed_with_a_value_type_is_a_type_mismatch():
    """Fuzz finding (tools/fuzz): vm.global.store.ref's type became type 0 (a value type,
    f32); checking the stored buffer against it was an INTERNAL TypeError from
    isinstance(). IREE's value types have a null ref type, which a non-null ref mismatches."""
    data = np.frombuffer(compile_mlir(GLOBAL_REF, STATIC).read_bytes(), np.uint8).copy()
    md = load_module_def(data)
    assert md.types[0] in ("f32", "i32", "i64")
    for ordinal, descriptor in enumerate(md.functions):
        code = bytes(md.bytecode[descriptor.bytecode_offset:][:descriptor.bytecode_length])
        for instr in decode_function(code):
            if instr.op.mnemonic == "vm.global.store.ref":
                type_field = instruction_offset(data, md, ordinal, instr.pc) + 5   # opcode, u32 global
                data[type_field:type_field + 4] = 0
    with pytest.raises(vmvxjit.InvalidArgumentError,
                       match=rf"source ref type mismatch \(expected {md.types[0]}, "
                             r"have vm.buffer\)"):
        vmvxjit.load(data, tier="interp")
