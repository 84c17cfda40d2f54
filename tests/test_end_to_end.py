"""End-to-end: every corpus case x configuration, run by real IREE and by vmvxjit, same stdout.

The corpus is described in ``tests/corpus/cases.py``.  For each (case, configuration):

1. compile the ``.mlir`` with ``iree-compile`` (cached by content hash, ``tests/support/modules.py``);
2. run it with ``iree-run-module`` (the oracle; run once per session and shared between tests);
3. run it with vmvxjit in-process (``vmvxjit.cli.main``) and compare stdout exactly -- or, for
   cases that call libm functions, with a small float tolerance; for cases where IREE fails,
   both must exit 1 and vmvxjit's stderr must contain IREE's key error text.

Options (environment variables):

* Sampling of ``slow`` cases is done by ``tests/conftest.py``: ``VMVXJIT_SAMPLE=k`` runs every
  k-th slow test (by node id; default 4), ``--full`` or ``VMVXJIT_SAMPLE=1`` runs all of them,
  ``-m "not slow"`` none.
* Tiers (``tests/support/tiers.py``): every case without ``--tier`` (the CLI's default tier) and a
  fixed sample of the cases not marked ``slow`` also with ``--tier=jit``;
  ``VMVXJIT_TIERS=interp,jit`` runs every case at each listed tier instead.
* Threads (``tests/support/threads.py``): every run with ``--threads=2``, every dispatch with
  several workgroups split, and a fixed sample also with ``--threads=1``;
  ``VMVXJIT_TEST_THREADS=1,2`` runs every case at each listed count instead.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from tests.corpus.cases import ALL_CONFIGS, CASES, CORPUS_DIR, DYNAMIC_LLVM, DYNAMIC_VMVX, STATIC, Case
from tests.support import modules
from tests.support.oracle import (
    assert_same_failure, assert_same_output, floats_close, have_iree, run_iree, run_vmvxjit,
)
from tests.support.threads import split_dispatches, with_threads
from tests.support.tiers import with_tiers

# Float tolerance for `transcendental` cases: ulps of the element type (on top of %G printing).
TRANSCENDENTAL_ULPS = 4

CONFIG_FLAGS = {
    STATIC: modules.STATIC,
    DYNAMIC_LLVM: modules.DYNAMIC_LLVM,
    DYNAMIC_VMVX: modules.DYNAMIC_VMVX,
}
_GENERIC_LLVM = [f for f in modules.DYNAMIC_LLVM if not f.startswith("--iree-llvmcpu-target-cpu=")]
# More configurations, each run on the cases of its base configuration (and expecting the
# same errors): host-CPU and system-library llvm-cpu code, VMVX with microkernels and with
# data tiling (mmt4d/pack). They are marked slow, so CI runs a sample of them.
VARIANTS = {
    "dynamic_llvm_host": (DYNAMIC_LLVM, [*_GENERIC_LLVM, "--iree-llvmcpu-target-cpu=host"]),
    "dynamic_llvm_system": (DYNAMIC_LLVM, [*modules.DYNAMIC_LLVM,
                                           "--iree-llvmcpu-link-embedded=false"]),
    "dynamic_vmvx_ukernels": (DYNAMIC_VMVX, [*modules.DYNAMIC_VMVX,
                                             "--iree-vmvx-enable-microkernels"]),
    "dynamic_vmvx_dt": (DYNAMIC_VMVX, [*modules.DYNAMIC_VMVX, "--iree-vmvx-enable-microkernels",
                                       "--iree-opt-data-tiling"]),
}
CONFIG_FLAGS.update({name: flags for name, (_, flags) in VARIANTS.items()})
BASE_CONFIG = {name: base for name, (base, _) in VARIANTS.items()}

requires_iree = pytest.mark.skipif(not have_iree(), reason="iree-run-module not on PATH")


def _params():
    out = []
    for case in CASES:
        for config in case.configs:
            marks = [pytest.mark.slow] if case.slow else []
            out.append(pytest.param(case, config, marks=marks, id=f"{case.name}-{config}"))
        for variant, base in BASE_CONFIG.items():
            if base in case.configs:
                out.append(pytest.param(case, variant, marks=[pytest.mark.slow],
                                        id=f"{case.name}-{variant}"))
    return out


PARAMS = _params()


def compile_case(case: Case, config: str) -> Path:
    try:
        return modules.compile_mlir(case.path.read_text(), [*CONFIG_FLAGS[config], *case.flags])
    except modules.CompileError as error:
        if config not in BASE_CONFIG:
            raise
        pytest.skip(f"iree-compile 3.13 rejects {case.name} in {config}: "
                    f"{str(error).splitlines()[-1][:160]}")


def error_for(case: Case, config: str, iree=None):
    """The error text both must report, or None when both must succeed.

    Variant configurations follow IREE's actual run: where IREE fails in a
    variant (e.g. its own microkernel path rejecting a case), vmvxjit must fail
    with the same status and message head."""
    expected = case.error_for(BASE_CONFIG.get(config, config))
    if expected is None and config in BASE_CONFIG and iree is not None and iree[0] != 0:
        match = re.search(r"([A-Z_]+; [^;(]+)", iree[2])
        expected = match.group(1).strip() if match else ""
    return expected


@functools.lru_cache(maxsize=None)
def _iree_cached(vmfb: str, function: str, inputs: tuple[str, ...]) -> tuple[int, str, str]:
    return run_iree(vmfb, function, inputs)


def iree_result(case: Case, config: str) -> tuple[Path, tuple[int, str, str]]:
    vmfb = compile_case(case, config)
    return vmfb, _iree_cached(str(vmfb), case.function, tuple(case.inputs))


def check_iree_result(case: Case, config: str, result: tuple[int, str, str]) -> None:
    """The oracle still behaves as recorded in cases.py."""
    rc, out, err = result
    expected_error = error_for(case, config, result)
    if expected_error is None:
        assert rc == 0, f"iree-run-module failed (rc={rc}) on {case.name} [{config}]:\n{err}"
        assert out.startswith(f"EXEC @{case.function}\n"), out
    else:
        assert rc == 1, f"iree-run-module rc={rc} on {case.name} [{config}], expected failure:\n{out}\n{err}"
        assert expected_error in err, f"IREE error changed; expected {expected_error!r} in:\n{err}"


@requires_iree
@pytest.mark.parametrize("case, config", PARAMS)
def test_iree_oracle(case: Case, config: str):
    """IREE half only: the case compiles in this configuration and iree-run-module behaves as
    recorded.  Runs without vmvxjit; a failure here means the corpus table is stale."""
    _, result = iree_result(case, config)
    check_iree_result(case, config, result)


@requires_iree
@pytest.mark.parametrize("case, config, tier, threads", with_threads(with_tiers(PARAMS)))
def test_end_to_end(case: Case, config: str, tier: str | None, threads: int, monkeypatch):
    vmfb, iree = iree_result(case, config)
    check_iree_result(case, config, iree)
    split_dispatches(threads, monkeypatch)
    ours = run_vmvxjit(vmfb, case.function, case.inputs, tier=tier, threads=threads)
    expected_error = error_for(case, config, iree)
    if expected_error is not None:
        assert_same_failure(iree, ours, expected_error)
        return
    rc, out, err = ours
    assert rc == 0, f"vmvxjit exited {rc}\nstdout:\n{out}\nstderr:\n{err}"
    assert_same_output(iree[1], out, float_ulps=TRANSCENDENTAL_ULPS if case.transcendental else None)


# ----------------------------------------------------------------------------------------------
# Table hygiene (cheap, no IREE needed)
# ----------------------------------------------------------------------------------------------

def test_corpus_table_is_consistent():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    used = {c.source for c in CASES}
    on_disk = {p.name for p in CORPUS_DIR.glob("*.mlir")}
    assert used <= on_disk, f"cases refer to missing files: {used - on_disk}"
    assert on_disk <= used, f"corpus files without a case: {on_disk - used}"
    for c in CASES:
        assert c.configs and set(c.configs) <= set(ALL_CONFIGS), c.name
        assert set(c.expect_error_by_config) <= set(c.configs), c.name
        assert f"func.func @{c.function}(" in c.path.read_text(), (c.name, c.function)


def test_output_comparison_rules():
    """The comparator itself: exact by default, tolerance only on float elements when asked."""
    a = "EXEC @f\nresult[0]: hal.buffer_view\n4xf32=1 2.71828 NAN -0\n"
    assert_same_output(a, a)
    b = "EXEC @f\nresult[0]: hal.buffer_view\n4xf32=1 2.71829 -NAN -0\n"
    with pytest.raises(AssertionError):
        assert_same_output(a, b)
    assert_same_output(a, b, float_ulps=4)          # last printed digit and NaN sign may differ
    c = "EXEC @f\nresult[0]: hal.buffer_view\n4xf32=1 2.7184 NAN -0\n"
    with pytest.raises(AssertionError):
        assert_same_output(a, c, float_ulps=4)      # but not by more
    d = "EXEC @f\nresult[0]: hal.buffer_view\n2x2xf32=[1 2.71828][NAN -0]\n"
    with pytest.raises(AssertionError):
        assert_same_output(a, d, float_ulps=4)      # shape and layout are always exact
    assert not floats_close("INF", "3.40282E+38", "f32", 4)
    assert floats_close("1E-45", "1.4013E-45", "f32", 4)
    i = "EXEC @f\nresult[0]: hal.buffer_view\n2xi32=1 2\n"
    with pytest.raises(AssertionError):
        assert_same_output(i, i.replace("2\n", "3\n"), float_ulps=100)  # ints are never tolerant
