"""Fused blocks (the `auto`/`jit` tiers' straight-line Python) against the reference interpreter.

Every per-opcode case (tests/vm/opcodes) runs in the `interp` tier (one step at a time) and in
`auto` (fused blocks): results and exit codes must be identical, and so must every error text,
including the VM frames with their bytecode offsets (`at module.fn+0x...`): a fused block has to
name the op that failed, not the block it is in.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.support import modules
from tests.support.oracle import run_vmvxjit
from tests.vm.test_opcodes import ALL_CASES, compiled

import vmvxjit

RUNNABLE = [c for c in ALL_CASES if c.kind in ("CASE", "ERROR", "CRASH")]


@pytest.mark.slow
@pytest.mark.parametrize("case", RUNNABLE, ids=lambda c: c.id)
def test_fused_blocks_match_the_interpreter(case):
    reference = run_vmvxjit(compiled(case.file), case.function, case.inputs, tier="interp")
    fused = run_vmvxjit(compiled(case.file), case.function, case.inputs, tier="auto")
    assert fused == reference


def test_every_error_kind_keeps_its_location():
    """The ERROR/CRASH cases (never sampled away): exact error text and frames."""
    failing = [c for c in RUNNABLE if c.kind != "CASE"]
    assert len(failing) > 50
    for case in failing:
        reference = run_vmvxjit(compiled(case.file), case.function, case.inputs, tier="interp")
        fused = run_vmvxjit(compiled(case.file), case.function, case.inputs, tier="auto")
        assert reference[0] == 1 and "+0x" in reference[2], case.id
        assert fused == reference, case.id


_CALLS = """
func.func @scaled(%a: tensor<4xf32>, %s: f32) -> tensor<4xf32> {
  %0 = tensor.empty() : tensor<4xf32>
  %1 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}
      ins(%a : tensor<4xf32>) outs(%0 : tensor<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %m = arith.mulf %x, %s : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  return %1 : tensor<4xf32>
}
"""


def test_a_failing_import_in_a_fused_block_names_the_call_site():
    vmfb = modules.compile_mlir(_CALLS, modules.STATIC)
    messages = {}
    for tier in ("interp", "auto"):
        scaled = vmvxjit.load(str(vmfb), tier=tier)["scaled"]
        np.testing.assert_array_equal(scaled(np.arange(4, dtype=np.float32), 2.0),
                                      np.arange(4, dtype=np.float32) * 2)
        with pytest.raises(vmvxjit.Error) as info:
            scaled(vmvxjit.buffer_view(np.zeros(5, np.float32)), 2.0)
        messages[tier] = str(info.value)
    assert "shape dimension 0 mismatch" in messages["auto"]
    assert "at module.scaled+0x" in messages["auto"]
    assert messages["auto"] == messages["interp"]
