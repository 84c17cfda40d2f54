"""ONNX backend node tests, CI sample: no case IREE passes may fail with vmvxjit.

Runs a fixed, deterministic sample -- every `SAMPLE_STRIDE`-th case by name (111 of the 1,884
cases of onnx 1.23.2, 444 case/configuration pairs) in all four configurations -- through
`tools/conformance/`: import, compile, run with `iree-run-module` and with vmvxjit,
compare both with ONNX's reference outputs. Bounded by the stride, not by a clock, so every run
checks the same cases: with empty caches it took 2 min 36 s on 2 cores (2 workers); the caches
under `.cache/conformance/` make reruns take seconds. `VMVXJIT_ONNX_SAMPLE=k` changes the stride
(1 = all), `VMVXJIT_ONNX_JOBS=n` the number of workers.

The full run, which rewrites `docs/conformance.md`, is one command:

    python -m tools.conformance --full --jobs 2
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from tools.common.mlir import main_function
from tools.conformance import cases, config, harness
from tools.conformance.compare import compare_array

STRIDE = int(os.environ.get("VMVXJIT_ONNX_SAMPLE", str(config.SAMPLE_STRIDE)))
JOBS = int(os.environ.get("VMVXJIT_ONNX_JOBS", "2"))


@pytest.fixture(scope="module")
def report():
    pytest.importorskip("onnx", reason="the ONNX conformance sample needs the `onnx` package "
                                       "(pip install -e '.[test]')")
    missing = harness.missing_tools()
    if missing:
        pytest.skip(f"IREE tools not found: {', '.join(missing)}")
    result = harness.run(sample=STRIDE, jobs=JOBS)
    target = config.CACHE_ROOT / f"report-pytest-sample-{STRIDE}.md"
    target.write_text(result.markdown(f"pytest {__file__} (VMVXJIT_ONNX_SAMPLE={STRIDE})"))
    return result


@pytest.mark.parametrize("config", list(config.CONFIGS))
def test_no_case_passes_with_iree_and_fails_with_vmvxjit(report, config):
    regressions = report.regressions(config)
    assert not regressions, (
        f"{len(regressions)} case(s) pass with IREE and fail with vmvxjit in {config}:\n" + "\n".join(
            f"  {r['case']}: {r['vmvxjit']['status']}: {r['vmvxjit']['detail']}"
            for r in regressions))


@pytest.mark.parametrize("config", list(config.CONFIGS))
def test_sample_exercises_the_configuration(report, config):
    """Guards the harness itself: the sample must compile and pass real cases with IREE."""
    counts = report.counts(config)
    assert counts["runnable"] >= 0.9 * counts["cases"], counts
    assert counts["imported"] >= 0.8 * counts["runnable"], counts
    assert counts["iree"] >= 0.3 * counts["runnable"], counts
    assert not report.not_run, report.not_run


# --- the harness's own rules, checked without IREE ----------------------------------------------

def test_compare_array_tolerances_and_exactness():
    f = np.array([1.0, np.nan, np.inf, -0.0], np.float32)
    assert compare_array(f, f.copy()) is None
    assert compare_array(f * (1 + 5e-4), f) is None           # within rtol 1e-3
    assert compare_array(f + np.float32(2e-3), f) is not None
    assert compare_array(np.array([1e-6], np.float32), np.array([0], np.float32)) is None
    assert compare_array(np.array([-np.inf], np.float32), np.array([np.inf], np.float32))
    assert compare_array(np.array([1], np.int32), np.array([1], np.int64))   # element type
    assert compare_array(np.zeros((2, 3), np.float32), np.zeros((3, 2), np.float32))
    assert compare_array(np.array([3], np.int64), np.array([4], np.int64))
    # signless integers: IREE writes a ui8 result as int8; the bits are compared
    assert compare_array(np.array([-1], np.int8), np.array([255], np.uint8)) is None
    assert compare_array(np.array([-1], np.int8), np.array([254], np.uint8))
    # f64 programs compiled with demotion answer in f32: compared with the f64 reference
    assert compare_array(np.array([0.1], np.float32), np.array([0.1]), demoted=True) is None


def test_subbyte_packing_round_trips():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    for name, values in [("int4", [-8, -1, 0, 7, 3]), ("uint4", [0, 15, 9]),
                         ("int2", [-2, -1, 0, 1, 1]), ("uint2", [3, 0, 2])]:
        dtype = np.dtype(getattr(ml_dtypes, name))
        array = np.array(values, dtype)
        _, bits, kind = config.RAW_DTYPES[name]
        raw = cases._pack_subbyte(array, bits)
        assert len(raw) == cases.raw_byte_length(name, array.size)
        back = cases.unpack_subbyte(raw, bits, kind, dtype, array.size)
        assert back.astype(np.int64).tolist() == values, name
    # IREE's layout: element 0 in the low bits of byte 0
    assert cases._pack_subbyte(np.array([1, 2], np.dtype(ml_dtypes.uint4)), 4) == bytes([0x21])


def test_main_function_is_read_from_the_imported_mlir():
    mlir = ('module {\n  func.func private @helper(%a: i32) -> i32\n'
            '  func.func @test_abs(%arg0: !torch.vtensor<[3],f32>) -> !torch.vtensor<[3],f32> {\n')
    assert main_function(mlir) == "test_abs"
    assert main_function('func.func @"odd.name-1"(%arg0: i32)') == "odd.name-1"


@pytest.mark.parametrize("config", list(config.CONFIGS))
def test_results_do_not_depend_on_the_thread_count(report, config):
    """Each completed vmvxjit run is repeated with --threads=1 (tools/conformance/runs.py):
    the outputs on every core and on one are the same bits."""
    ran = [r for r in report.rows(config) if "same_at_one_thread" in (r.get("vmvxjit") or {})]
    assert ran, "no case ran to completion at both thread counts"
    dependent = report.thread_dependent(config)
    assert not dependent, [r["case"] for r in dependent]
