"""The scoreboard's measures of the loop optimizer (issue: loop optimizer on real models):
FLOPs per model, the machine's mul+add peak, and the warm time in nests left alone."""

import statistics
from types import SimpleNamespace

import pytest

from tools.models import catalog, flops, peak, scoreboard, warm


def _conv_model(path):
    onnx = pytest.importorskip("onnx", reason="the FLOP count reads ONNX graphs")
    from onnx import TensorProto, helper

    conv = helper.make_node("Conv", ["x", "w"], ["y"], strides=[2, 2], group=2)
    gemm = helper.make_node("Gemm", ["f", "g"], ["z"], transB=1)
    graph = helper.make_graph(
        [conv, gemm], "toy",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 9, 9]),
         helper.make_tensor_value_info("w", TensorProto.FLOAT, [6, 2, 3, 3]),
         helper.make_tensor_value_info("f", TensorProto.FLOAT, [5, 7]),
         helper.make_tensor_value_info("g", TensorProto.FLOAT, [3, 7])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None),
         helper.make_tensor_value_info("z", TensorProto.FLOAT, None)])
    onnx.save(helper.make_model(graph), str(path))
    return path


def test_flops_count_multiply_adds_of_convolutions_and_products(tmp_path):
    path = _conv_model(tmp_path / "toy.onnx")
    conv = 2 * (1 * 6 * 4 * 4) * (2 * 3 * 3)     # output elements × (in channels per group × kernel)
    gemm = 2 * (5 * 3) * 7
    assert flops.count(path) == conv + gemm


def test_peak_is_measured_on_this_cpu(monkeypatch):
    monkeypatch.setattr(peak, "ITERATIONS", 200_000)
    assert peak.gflops() > 0.5


def _stats(run_seconds, notes):
    return {"compiled_code_seconds": sum(run_seconds), "python_region_seconds": 0.0,
            "compiled": [{"run_seconds": s, "notes": n} for s, n in zip(run_seconds, notes)]}


def test_left_alone_share_counts_regions_with_a_nest_not_interchanged():
    notes = [["loop nest at 00000100: interchanged"],
             ["loop nest at 00000200: not interchanged (the inner loop updates no single element)"],
             []]
    before = _stats([1.0, 2.0, 0.5], notes)
    after = _stats([1.5, 3.0, 0.5], notes)
    shares = warm.warm_shares(before, after, 2.0)
    assert shares["left_alone_share"] == pytest.approx(0.5)
    assert shares["compiled_share"] == pytest.approx(0.75)


def test_scoreboard_shows_gflops_onnxruntime_and_shares(monkeypatch):
    monkeypatch.setattr(flops, "count", lambda path: 4e9)
    model = catalog.MODELS[0]
    warm_run = {"status": "ok", "seconds": 0.5, "compiled_share": 0.9, "python_share": 0.01,
                "left_alone_share": 0.25}
    record = {"model": model, "config": "static", "compile": {"status": "ok", "wall": 1.0},
              "vmvxjit": {"warm": warm_run}, "onnxruntime": {"status": "ok", "seconds": 0.01}}
    page = scoreboard.render({"meta": {"peak_gflops": 120.0}, "records": {f"{model}/static": record}})
    row = next(line for line in page.splitlines() if line.startswith(f"| {model} | static"))
    assert "| 8.0 | 10 ms |" in row and "90% / 1% / 25%" in row
    assert "120 GFLOP/s" in page
    assert row.count("|") == page.splitlines()[page.splitlines().index(row) - 1].count("|")


def test_jit_compile_time_is_set_beside_iree_compiles_wall_and_cpu_time():
    """iree-compile runs on several threads: the JIT's summed CPU time is shown over both."""
    model = catalog.MODELS[0]
    cold = {"status": "ok", "wall": 2.0, "cpu": 3.0, "jit": {"regions": 10, "seconds": 1.5}}
    records = {f"{model}/static": {"model": model, "config": "static", "compile": {"status": "ok", "wall": 1.0},
                                   "vmvxjit": {"cold": cold}},
               f"{model}/dyn-llvm": {"model": model, "config": "dyn-llvm",
                                     "compile": {"status": "ok", "wall": 2.0, "cpu": 3.0}}}
    page = scoreboard.render({"records": records})
    row = next(line for line in page.splitlines() if line.startswith(f"| {model} | static"))
    assert row.endswith("| 0.75× / 0.50× |")


def test_warm_time_is_the_median_of_calls_that_started_with_no_recompile_pending():
    """O3 recompiles land while the first calls run: only the calls after them count, unless
    the budget ran out first (then the later half of the calls after the first)."""
    seconds = [3.0, 0.9, 0.8, 0.2, 0.1, 0.1, 0.3]
    assert warm.warm_seconds(seconds, [False, False, False, True, True, True, True]) == pytest.approx(0.15)
    assert warm.warm_seconds(seconds, [False] * 7) == statistics.median([0.1, 0.1, 0.3])


def test_recompiles_pending_counts_regions_whose_optimized_compile_has_not_finished():
    """A finished one is not pending, taken up or not: a region that an export compiled
    whole replaced is never entered again to take it up (a benchmark waiting for none
    pending waited out its budget)."""
    from concurrent.futures import Future

    from vmvxjit.vm.jit.stats import JitStats

    stats = JitStats()
    finished = Future()
    finished.set_result(None)
    pending, landed, taken, uncompiled = (SimpleNamespace(compiled=SimpleNamespace(upgrade=u), python_seconds=0)
                                          for u in (Future(), finished, None, None))
    uncompiled.compiled = None
    stats.regions += [pending, landed, taken, uncompiled]
    assert stats.as_dict()["recompiles_pending"] == 1


def test_the_command_names_every_result_that_is_not_irees():
    from tools.models.__main__ import disagreements

    record = {"model": "densenet121", "config": "static",
              "vmvxjit": {"cold": {"equal_iree": False, "onnx": "1000/1000 elements off"},
                          "cached": {"equal_iree": True, "onnx": None},
                          "warm": {"equal_iree": None, "onnx": "3 elements off"}}}
    assert disagreements(record) == ["densenet121/static cold: not bit-identical to iree-run-module",
                                     "densenet121/static warm: 3 elements off"]
    assert disagreements({"model": "m", "config": "c", "vmvxjit": {"cold": {"status": "timeout"}}}) == []
