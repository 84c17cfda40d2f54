"""IREE's side of a measurement: `iree-run-module` as a whole process and
`iree-benchmark-module`'s warm per-call time, on the same `.vmfb` and inputs as vmvxjit.

A warm call is benchmarked only when a whole run takes less than BENCH_MAX_RUN_S: IREE's
interpreters (static, dyn-vmvx) take minutes per model call, so there the one call of
`iree-run-module` stands for the call time (method "run-module").
"""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path

from tools.models import catalog, iree_tools, process
from tools.models.build import Built
from tools.models.prepare import Prepared
from vmvxjit.tooling.iree_tools import benchmark_command, benchmark_times

BENCH_MAX_RUN_S = 10.0
BENCH_REPETITIONS = 5


def outputs_dir(built: Built) -> Path:
    """Where iree-run-module's results for this module are kept (the tests reuse them)."""
    return catalog.CACHE_ROOT / "iree-outputs" / built.key


def output_paths(directory: Path, count: int) -> list[Path]:
    return [directory / f"out_{i}.npy" for i in range(count)]


def _io_flags(built: Built, prepared: Prepared) -> list[str]:
    return [f"--module={built.vmfb}", f"--function={built.function}",
            *(f"--input=@{path}" for path in prepared.inputs)]


def run_module(built: Built, prepared: Prepared, timeout: float) -> process.Run:
    """One whole `iree-run-module` process; its results are renamed into `outputs_dir(built)`
    when it succeeds (a concurrent reader never sees a partial file)."""
    directory = outputs_dir(built)
    directory.mkdir(parents=True, exist_ok=True)
    count = len(prepared.expected)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".run-") as work:
        outputs = output_paths(Path(work), count)
        result = process.run([iree_tools.paths()["iree-run-module"], *_io_flags(built, prepared),
                              *(f"--output=@{path}" for path in outputs)], timeout)
        if result.ok:
            for source, target in zip(outputs, output_paths(directory, count)):
                os.replace(source, target)
    return result


def benchmark(built: Built, prepared: Prepared, run_wall: float, timeout: float) -> dict:
    """{"status", "seconds" (median per call), "method", "detail"?}."""
    if run_wall >= BENCH_MAX_RUN_S:
        return {"status": "ok", "seconds": run_wall, "method": "run-module"}
    result = process.run(benchmark_command(_io_flags(built, prepared), BENCH_REPETITIONS, one_call=True),
                         timeout)
    if result.timed_out:
        return {"status": "timeout", "detail": f"no result after {timeout:.0f} s"}
    if not result.ok:
        return {"status": "error", "detail": (result.stderr or result.stdout).strip()[-300:]}
    seconds = benchmark_times(result.stdout)
    return {"status": "ok", "seconds": statistics.median(seconds), "calls": len(seconds),
            "method": f"iree-benchmark-module, median of {len(seconds)} calls"}
