"""IREE's own command-line tools, for comparing with them: where they are, and their timings.

The native binaries inside the pip wheels are preferred to the Python wrappers on PATH, which
start an interpreter before the tool (counted in every timing). Each path can be overridden by
an environment variable (IREE_COMPILE, IREE_IMPORT_ONNX, IREE_RUN_MODULE,
IREE_BENCHMARK_MODULE). Used by `python -m vmvxjit bench --compare-iree`, the benchmarks and
the models suite.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from vmvxjit.errors import Error, NotFoundError

# Tool -> (package holding its native binary, folder inside it); None: only on PATH.
WHEEL_BINARIES = {
    "iree-compile": ("iree.compiler", "_mlir_libs"),
    "iree-import-onnx": None,
    "iree-run-module": ("iree._runtime_libs", ""),
    "iree-benchmark-module": ("iree._runtime_libs", ""),
}
_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def tool_path(name: str) -> str | None:
    """The executable of IREE tool `name` (WHEEL_BINARIES), or None when it is not installed."""
    override = os.environ.get(name.upper().replace("-", "_"))
    if override:
        return override
    wheel = WHEEL_BINARIES[name]
    if wheel is not None:
        try:
            package = __import__(wheel[0], fromlist=["__file__"])
        except ImportError:
            package = None
        for folder in getattr(package, "__path__", ()):
            candidate = Path(folder) / wheel[1] / name
            if candidate.exists():
                return str(candidate)
    return shutil.which(name)


def benchmark_command(io_flags: list[str], repetitions: int, one_call: bool = False) -> list[str]:
    """An `iree-benchmark-module` command line with JSON output; `io_flags` give the module,
    function and inputs. Each repetition is one call with `one_call`, else the mean of
    the calls Google Benchmark chooses to make. Raises NotFoundError without the tool."""
    tool = tool_path("iree-benchmark-module")
    if tool is None:
        raise NotFoundError("iree-benchmark-module not found (pip install iree-base-runtime)")
    return [tool, *io_flags, f"--benchmark_repetitions={repetitions}", "--benchmark_format=json",
            *(["--benchmark_min_time=1x"] if one_call else [])]


def benchmark_times(stdout: str) -> list[float]:
    """Seconds per call, one figure per repetition, from `benchmark_command`'s output."""
    runs = json.loads(stdout)["benchmarks"]
    return [run["real_time"] * _UNITS[run["time_unit"]] for run in runs
            if run.get("run_type") == "iteration"]


def benchmark_seconds(module: str, function: str, inputs: list[str], repetitions: int,
                      timeout: float) -> list[float]:
    """`benchmark_times` of `iree-benchmark-module` on `module` (inputs in iree-run-module
    syntax). Raises NotFoundError without the tool and Error when it fails or times out."""
    cmd = benchmark_command([f"--module={module}", f"--function={function}",
                             *(f"--input={value}" for value in inputs)], repetitions)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Error(f"iree-benchmark-module timed out after {timeout:.0f} s") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise Error(f"iree-benchmark-module failed: {last[:300]}")
    return benchmark_times(proc.stdout)
