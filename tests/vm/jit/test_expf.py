"""The inline `expf` (expf.py): which one the JIT calls, and that it is libm's to the last bit."""

import os
import subprocess
import sys

import numpy as np
import pytest

from vmvxjit.vm.jit import expf, expf_data, llvm_expf, ops, switches

CHOSEN = expf.choose()
FUSED = dict(expf_data.VARIANTS)
inline = pytest.mark.skipif(CHOSEN not in FUSED, reason="libm's expf is not glibc's algorithm")


def _f32(*bits):
    return np.array(bits, dtype=np.uint32).view(np.float32)


def _around(value, ulps):
    base = np.array([value], dtype=np.float32).view(np.int32)
    return (base + np.arange(-ulps, ulps + 1, dtype=np.int32)).view(np.float32)


@pytest.mark.parametrize("codegen,chooser", [("numba", expf), ("llvm", llvm_expf)])
def test_template_names_the_choice_of_the_code_generator_in_use(monkeypatch, codegen, chooser):
    monkeypatch.setattr(switches, "CODEGEN", codegen)
    monkeypatch.setattr(chooser, "choose", lambda: "libm_f32_exp")
    assert ops.template("vm.exp.f32") == "libm_f32_exp({0})"
    assert ops.template("vm.exp.f64") == ops.TEMPLATES["vm.exp.f64"]


def test_mismatch_falls_back_to_libm(monkeypatch):
    monkeypatch.setattr(expf, "mismatches", lambda inputs, fused: 1)
    assert expf.choose.__wrapped__() == "libm_f32_exp"


def test_fma_mismatch_picks_sse2(monkeypatch):
    monkeypatch.setattr(expf, "mismatches", lambda inputs, fused: int(fused))
    assert expf.choose.__wrapped__() == "inline_expf_sse2"


def test_probes_tell_the_builds_apart():
    inputs = expf_data.probes()
    assert len(inputs) > 90_000
    # glibc 2.36's FMA and SSE2 builds differ on exactly these two float32 inputs
    distinct = _f32(0x4202422F, 0xC27C65D9)
    assert np.isin(distinct, inputs).all()
    for x in distinct:
        assert expf._expf(x, True) != expf._expf(x, False)


@inline
def test_special_values():
    inputs = np.concatenate([
        _f32(0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7F800001,
             0xFF800001, 0x7FBFFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 0x00000001, 0x807FFFFF, 0x7F7FFFFF,
             0xFF7FFFFF),
        _around(88.0, 64), _around(-88.0, 64),
        _around(float.fromhex("0x1.62e42ep6"), 64),  # 88.72...: inf above
        _around(-float.fromhex("0x1.9fe368p6"), 64),  # -103.97...: 0 below
        _around(-float.fromhex("0x1.9d1d9ep6"), 64),  # -103.28...: 2^-149 below
        np.linspace(-103.9, -87.3, 4001, dtype=np.float32),  # subnormal results
    ])
    assert expf.mismatches(inputs, FUSED[CHOSEN]) == 0
    results = np.array([expf._expf(x, FUSED[CHOSEN]) for x in inputs[:4]], dtype=np.float32)
    assert results.view(np.uint32).tolist() == [0x3F800000, 0x3F800000, 0x7F800000, 0]


@inline
def test_sse2_build_chosen_without_fma():
    """With AVX2 and FMA hidden from glibc, its ifunc takes the SSE2 build, and so does choose()."""
    env = dict(os.environ, GLIBC_TUNABLES="glibc.cpu.hwcaps=-AVX2,-FMA")
    out = subprocess.run([sys.executable, "-c", "from vmvxjit.vm.jit import expf; print(expf.choose())"],
                         env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert out == "inline_expf_sse2" if CHOSEN == "inline_expf_fma" else out == CHOSEN


@pytest.mark.slow
@inline
def test_millions_of_inputs():
    rng = np.random.default_rng(7)
    patterns = rng.integers(0, 2**32, 4_000_000, dtype=np.uint32).view(np.float32)
    in_range = rng.uniform(-104.0, 89.0, 4_000_000).astype(np.float32)
    assert expf.mismatches(patterns, FUSED[CHOSEN]) == 0
    assert expf.mismatches(in_range, FUSED[CHOSEN]) == 0
