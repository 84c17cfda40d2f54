"""The asv suites: asv finds them from the repository root, and a real model whose module is
not built is skipped with the command that builds it."""

import importlib
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("asv") is None, reason="asv not installed (the bench extra)")
def test_asv_checks_the_suites_from_the_repository_root():
    result = subprocess.run(["asv", "check", "--python=same"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0 and "No problems found" in result.stdout, result.stdout + result.stderr


def test_a_model_not_built_is_skipped_with_the_command_that_builds_it(tmp_path, monkeypatch):
    pytest.importorskip("onnx", reason="the light models ship in the onnx wheel")
    from tools.models import catalog

    monkeypatch.setattr(catalog, "CACHE_ROOT", tmp_path)
    models = importlib.import_module("benchmarks.benchmarks.models")
    benchmark = models.ColdProcess()
    with pytest.raises(NotImplementedError, match="squeezenet static is not built: "
                                                  "python -m tools.models --models squeezenet --configs static"):
        benchmark.setup("squeezenet", "static")
    benchmark.teardown("squeezenet", "static")


def test_the_threads_table_times_each_build_and_reports_ratios(monkeypatch, capsys):
    """benchmarks/threads.py: IREE inline, IREE full HAL (local-task) and vmvxjit per thread
    count (buffer views, numpy arrays), on the same program; the timings are stubbed here,
    the builds are real."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    threads = importlib.import_module("threads")
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda _: {0, 1})
    monkeypatch.setattr(threads, "iree_seconds", lambda vmfb, case, reps, device=None:
                        0.004 if device == "local-task" else 0.008)
    monkeypatch.setattr(threads, "vmvxjit_seconds", lambda case, n, reps, warmup: 0.010 / n)
    monkeypatch.setattr(threads, "vmvxjit_numpy_seconds", lambda case, n, reps, warmup: 0.008 / n)
    monkeypatch.setattr(threads, "iree_python_seconds", lambda case, reps, warmup: 0.012)
    assert threads.main(["--case", "matmul256", "--repetitions", "1"]) == 0
    row = capsys.readouterr().out.splitlines()[-1]
    assert "linalg.matmul 256x256x256" in row and "dyn-llvm" in row
    assert row.endswith("| 8 ms | 4 ms | 12 ms | 10 ms | 5 ms | 8 ms | 4 ms | 1.60× | 0.80× | 2.00× | 2.00× "
                        "| 1.00× | 3.00× |"), row
    assert "tensor<512x512xf32>" in threads.programs.sized_matmul(512).source


def test_the_threads_table_gives_each_ratio_from_its_own_round(monkeypatch, capsys):
    """With --rounds, times are medians over the rounds and each ratio the median of the
    rounds' ratios, with their range: a machine that slows between rounds moves both."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    threads = importlib.import_module("threads")
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda _: {0})
    speeds = iter([1, 1, 2, 2, 4, 4])       # each round's IREE full HAL, then vmvxjit: slower by round
    monkeypatch.setattr(threads, "_round", lambda case, counts, reps, warmup:
                        [0.008, 0.004 * next(speeds), 0.012, 0.002 * next(speeds), 0.008])
    assert threads.main(["--case", "matmul256", "--rounds", "3"]) == 0
    row = capsys.readouterr().out.splitlines()[-1]
    assert row.endswith("| 8 ms | 8 ms | 12 ms | 4 ms | 8 ms | 2.00× (1.00–4.00) | 2.00× (2.00–2.00) "
                        "| 1.00× (1.00–1.00) | 1.00× (1.00–1.00) | 1.00× (0.50–2.00) | 1.50× (1.50–1.50) |"), row


def test_the_threads_table_times_numpy_calls_in_a_child(monkeypatch, tmp_path):
    """vmvxjit's library API on the inline build, IREE's Python API on the full-HAL one."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    threads = importlib.import_module("threads")
    case = threads.CASES["matmul256"](tmp_path)
    assert 0 < threads.vmvxjit_numpy_seconds(case, 2, 2, 1) < 1
    assert 0 < threads.iree_python_seconds(case, 2, 1) < 1


def test_side_by_side_checks_the_last_call_as_well_as_the_first(tmp_path, monkeypatch):
    """Later calls run other code than the first (O3 recompiles, exports compiled whole from the
    second call): a wrong result there must show in the check column."""
    import numpy as np

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    side_by_side = importlib.import_module("side_by_side")
    expected, out = tmp_path / "iree.npy", tmp_path / "add4-static-vmvxjit.npy"
    np.save(expected, np.arange(4, dtype=np.float32))
    np.save(out, np.arange(4, dtype=np.float32))
    np.save(side_by_side.last_output(out), np.arange(4, dtype=np.float32))
    assert side_by_side.check_calls(out, expected, 0) == "exact"
    np.save(side_by_side.last_output(out), np.arange(1, 5, dtype=np.float32))
    assert side_by_side.check_calls(out, expected, 0).startswith("1st call exact; last call MISMATCH")
