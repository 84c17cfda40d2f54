"""Interchanged loop nests (nests.py, nest_code.py): bit-identical to the interpreter with
every transformation on, off, and each one off alone, on conv2d and on generated nests whose
buffers alias."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vmvxjit
from tests.support.modules import DYNAMIC_VMVX, STATIC, compile_mlir
from vmvxjit.errors import Error
from vmvxjit.vm.jit import switches

PROGRAMS = Path(__file__).parent / "programs"
CONV = """
func.func @conv(%x: tensor<1x{h}x{w}x{c}xf32>, %f: tensor<3x3x{c}x{n}xf32>) -> tensor<1x{oh}x{ow}x{n}xf32> {{
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x{oh}x{ow}x{n}xf32>
  %a = linalg.fill ins(%z : f32) outs(%e : tensor<1x{oh}x{ow}x{n}xf32>) -> tensor<1x{oh}x{ow}x{n}xf32>
  %r = linalg.conv_2d_nhwc_hwcf {{dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}}
         ins(%x, %f : tensor<1x{h}x{w}x{c}xf32>, tensor<3x3x{c}x{n}xf32>)
         outs(%a : tensor<1x{oh}x{ow}x{n}xf32>) -> tensor<1x{oh}x{ow}x{n}xf32>
  return %r : tensor<1x{oh}x{ow}x{n}xf32>
}}
"""
SETTINGS = ["all", "none"] + [f"no-{name}" for name in switches.NAMES]


@pytest.fixture(params=SETTINGS)
def setting(request, monkeypatch):
    if request.param == "none":
        monkeypatch.setattr(switches, "ENABLED", False)
    elif request.param != "all":
        monkeypatch.setattr(switches, "DISABLED", frozenset({request.param[3:]}))
    return request.param


@pytest.mark.parametrize("flags", [STATIC, DYNAMIC_VMVX], ids=["static", "dyn-vmvx"])
def test_conv2d_is_bit_identical_to_the_interpreter(flags, setting):
    h, w, c, n = 7, 6, 5, 16
    path = compile_mlir(CONV.format(h=h, w=w, c=c, n=n, oh=h - 2, ow=w - 2), flags)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((1, h, w, c)).astype(np.float32)
    f = (rng.standard_normal((3, 3, c, n)) / 5).astype(np.float32)
    expected = vmvxjit.load(path, tier="interp").conv(x, f)
    actual = vmvxjit.load(path, tier="jit").conv(x, f)
    assert actual.tobytes() == expected.tobytes()


def _outcome(module, args):
    try:
        return module.run(*args)
    except Error as error:
        return type(error), str(error)


@pytest.fixture(scope="module")
def nest_modules():
    path = compile_mlir((PROGRAMS / "nest.mlir").read_text(), ["--compile-mode=vm"])
    return vmvxjit.load(path, tier="interp"), vmvxjit.load(path, tier="jit")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nj=st.integers(0, 40), nk=st.integers(0, 6), at=st.integers(-3, 260),
       off=st.integers(-3, 260), stride=st.integers(-3, 70), alias=st.integers(0, 1))
def test_generated_nests_match_the_interpreter(nest_modules, nj, nk, at, off, stride, alias):
    """`dst[at + j] = dst[at + j] * 0.5 + src[off + k * stride + j]` with src the same buffer
    or another one, in bounds or not: same hash of dst, or the same error."""
    interp, jit = nest_modules
    args = (nj, nk, at, off, stride, alias)
    assert _outcome(jit, args) == _outcome(interp, args)
