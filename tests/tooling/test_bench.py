"""bench.py's timing and report, and iree_tools.py's reading of iree-benchmark-module."""

import json
import threading

from vmvxjit.tooling import bench, iree_tools
from vmvxjit.vm.jit import background


def test_measure_times_the_first_call_apart_and_skips_warmup():
    calls = []
    report = bench.measure(lambda: calls.append(1), warmup=2, repetitions=5)
    assert len(calls) == 1 + 2 + 5
    assert report["repetitions"] == 5 and report["warmup"] == 2
    assert 0 <= report["min_s"] <= report["median_s"] and report["stddev_s"] >= 0
    assert report["first_call_s"] >= 0


def test_measure_warms_up_while_a_compile_runs_on_a_worker():
    """What a worker compiles changes what calls run, so timing waits for it (a warm-up
    call that finds the worker done ends the settling)."""
    release, calls = threading.Event(), []
    background.submit(background.BACKGROUND_ONLY, release.wait, 10)

    def call():
        calls.append(1)
        if len(calls) == 1 + 2 + 3:
            release.set()
            background.wait_idle()
    report = bench.measure(call, warmup=2, repetitions=5)
    assert report["settled"] == 3 and len(calls) == 1 + 2 + 3 + 5
    assert "after 2 warm-up and 3 while compiles ran:" in bench.format_report({
        **report, "module": "m.vmfb", "function": "f", "tier": "auto", "load_s": 0.05,
        "jit": {"regions_compiled": 0, "compile_seconds": 0.0, "loaded_from_disk_cache": 0}})


def test_report_names_every_figure():
    report = {"module": "m.vmfb", "function": "f", "tier": "auto", "load_s": 0.05,
              "first_call_s": 1.5, "warmup": 1, "repetitions": 10, "min_s": 1e-3, "median_s": 2e-3,
              "mean_s": 2.5e-3, "stddev_s": 1e-4, "iree": {"median_s": 1e-3, "repetitions": 10},
              "ratio_to_iree": 2.0,
              "jit": {"regions_compiled": 3, "compile_seconds": 1.2, "loaded_from_disk_cache": 1}}
    text = bench.format_report(report)
    assert "@f in m.vmfb (tier auto)" in text
    assert "first call:  1.5 s (JIT: 3 regions compiled in 1.2 s, 1 read from the disk cache)" in text
    assert "min 1 ms, median 2 ms, mean 2.5 ms, stddev 100 us" in text
    assert "median 1 ms over 10 repetitions; vmvxjit / IREE = 2.00x" in text


def test_benchmark_times_reads_iterations_in_their_units():
    stdout = json.dumps({"benchmarks": [
        {"run_type": "iteration", "real_time": 250.0, "time_unit": "us"},
        {"run_type": "iteration", "real_time": 2.0, "time_unit": "ms"},
        {"run_type": "aggregate", "aggregate_name": "median", "real_time": 1.0, "time_unit": "ms"}]})
    assert iree_tools.benchmark_times(stdout) == [250e-6, 2e-3]


def test_tool_path_follows_the_environment_override(monkeypatch):
    monkeypatch.setenv("IREE_BENCHMARK_MODULE", "/opt/iree/bin/iree-benchmark-module")
    assert iree_tools.tool_path("iree-benchmark-module") == "/opt/iree/bin/iree-benchmark-module"
