"""The real-models suite as tests: each light ONNX model in each configuration, run by vmvxjit
through the library, must give iree-run-module's result bit for bit and be close to ONNX's, and
a warm call must spend at most MAX_PYTHON_SHARE of its time in loop regions run as Python.

Modules and IREE's results come from tools/models (cached under `.cache/models/`). Only the
native-code runs of the two small models (ShuffleNet, SqueezeNet dyn-llvm) take seconds; the
other dyn-llvm runs and the small models' interpreted configurations are `slow` (sampled), and
the interpreted configurations of the big models run only with `--full` or VMVXJIT_MODELS=all
(minutes each in IREE's interpreter and in a cold JIT).
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from tools.models import build, catalog, compare, iree_runs, iree_tools, prepare, suite, warm

FAST = {("shufflenet", "dyn-llvm"), ("squeezenet", "dyn-llvm")}
SMALL_MODELS = {"shufflenet", "squeezenet"}
RUN_TIMEOUT_S = 900.0
MAX_PYTHON_SHARE = 0.05    # of a warm call, in loop regions left to run as Python
WARM_CALLS = 8             # the last one is measured: regions get hot over the first few (ShuffleNet's
                           # static build has a region of 3,000 loop visits per call, compiled once
                           # it passes auto's 20,000; measured after 4 calls it ran ~5% as Python)


def _heavy(model: str, config: str) -> bool:
    return config != "dyn-llvm" and model not in SMALL_MODELS


def _cases():
    for model in catalog.MODELS:
        for config in catalog.CONFIGS:
            marks = () if (model, config) in FAST else (pytest.mark.slow,)
            yield pytest.param(model, config, marks=marks, id=f"{model}-{config}")


@pytest.fixture(scope="module")
def tools_present():
    pytest.importorskip("onnx", reason="the light models ship in the onnx wheel")
    if iree_tools.missing():
        pytest.skip(f"IREE tools missing: {', '.join(iree_tools.missing())}")


def _iree_results(built: build.Built, prepared: prepare.Prepared) -> list[np.ndarray]:
    reference = suite.iree_reference(built, prepared)
    if reference is None:
        result = iree_runs.run_module(built, prepared, RUN_TIMEOUT_S)
        assert result.ok, f"iree-run-module failed: {result.stderr[-500:]}"
        reference = suite.iree_reference(built, prepared)
    return compare.load(reference)


@pytest.mark.parametrize("model, config", _cases())
def test_model(model, config, request, tools_present):
    if _heavy(model, config) and not (request.config.getoption("--full")
                                      or os.environ.get("VMVXJIT_MODELS") == "all"):
        pytest.skip("interpreted run of a big model (minutes): set VMVXJIT_MODELS=all or --full")
    import vmvxjit

    prepared = prepare.prepare(model)
    built = build.compile_model(build.import_model(prepared), config, RUN_TIMEOUT_S)
    expected_iree = _iree_results(built, prepared)
    module = vmvxjit.load(str(built.vmfb))
    function = module[built.function]
    inputs = [np.load(path) for path in prepared.inputs]
    results = function(*inputs)
    results = [np.array(r) for r in (results if isinstance(results, tuple) else (results,))]

    assert compare.bit_identical(results, expected_iree), "differs from iree-run-module's result"
    entry = catalog.model(model)
    mismatch = compare.onnx_mismatch(results, compare.load(prepared.expected), entry.rtol, entry.atol)
    assert mismatch is None, mismatch

    for _ in range(WARM_CALLS):
        before, start = module.jit_stats(), time.perf_counter()
        function(*inputs)
    after = module.jit_stats()
    shares = warm.warm_shares(before, after, time.perf_counter() - start)
    slowest = sorted(after["run_as_python"], key=lambda r: -r["seconds"])[:3]
    assert shares["python_share"] <= MAX_PYTHON_SHARE, (
        f"a warm call spent {shares['python_share']:.0%} of its time in loop regions run as "
        f"Python; longest over all calls: {[(r['entries'][:1], r['seconds'], r['why']) for r in slowest]}; "
        f"not compiled: {after['not_compiled']}")
