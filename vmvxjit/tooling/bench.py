"""`python -m vmvxjit bench`: per-call timings in the manner of iree-benchmark-module.

The inputs are parsed once (as iree-benchmark-module does); the first call, which
prepares the module's functions and compiles what the JIT compiles, is reported
apart from the warm calls, and so is the JIT's compile time. With `--compare-iree`
the same module and inputs run under `iree-benchmark-module` and the ratio is printed.
"""

from __future__ import annotations

import statistics
import time

SETTLE_S = 30.0     # at most this long of extra warm-up calls while compiles run on a worker

def measure(call, warmup: int, repetitions: int, settle_s: float = SETTLE_S) -> dict:
    """Times `call()`: the first call, then `warmup` untimed calls and more, up to
    `settle_s`, while a compile runs on a worker (what it compiles changes what a call
    runs: with a cold disk cache a 3x3 conv2d's warm calls read 752 us after 20 warm-up
    calls, 98 us once its compiles were done), then `repetitions` timed ones."""
    from vmvxjit.vm.jit import background

    start = time.perf_counter()
    call()
    first = time.perf_counter() - start
    for _ in range(warmup):
        call()
    settled, until = 0, time.perf_counter() + settle_s
    while not background.idle() and time.perf_counter() < until:
        call()
        settled += 1
    times = []
    for _ in range(repetitions):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return {"first_call_s": first, "warmup": warmup, "settled": settled, "repetitions": repetitions,
            "min_s": min(times), "median_s": statistics.median(times),
            "mean_s": statistics.fmean(times),
            "stddev_s": statistics.stdev(times) if len(times) > 1 else 0.0}


def compare_with_iree(report: dict, module: str, function: str, inputs: list[str],
                      repetitions: int, timeout: float) -> None:
    """Adds iree-benchmark-module's median per call and vmvxjit's ratio to it."""
    from vmvxjit.tooling.iree_tools import benchmark_seconds

    seconds = statistics.median(benchmark_seconds(module, function, inputs, repetitions, timeout))
    report["iree"] = {"median_s": seconds, "repetitions": repetitions}
    report["ratio_to_iree"] = report["median_s"] / seconds if seconds else None


def _time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def format_report(report: dict) -> str:
    """The report as text, one line per figure."""
    jit = report["jit"]
    lines = [f"vmvxjit bench: @{report['function']} in {report['module']} (tier {report['tier']})",
             f"load:        {_time(report['load_s'])}",
             f"first call:  {_time(report['first_call_s'])} (JIT: {jit['regions_compiled']} regions "
             f"compiled in {_time(jit['compile_seconds'])}, {jit['loaded_from_disk_cache']} read "
             "from the disk cache)",
             f"warm calls:  {report['repetitions']} after {report['warmup']} warm-up"
             + (f" and {report['settled']} while compiles ran" if report.get("settled") else "") + ": "
             f"min {_time(report['min_s'])}, median {_time(report['median_s'])}, "
             f"mean {_time(report['mean_s'])}, stddev {_time(report['stddev_s'])}"]
    iree = report.get("iree")
    if iree:
        lines.append(f"iree-benchmark-module: median {_time(iree['median_s'])} over "
                     f"{iree['repetitions']} repetitions; vmvxjit / IREE = {report['ratio_to_iree']:.2f}x")
    return "\n".join(lines) + "\n"
