"""Scaling over cores: vmvxjit at 1, 2, … threads against IREE's inline and full-HAL runtimes.

    python benchmarks/threads.py                       # matmul 256³ and 512³, elementwise 1M, ResNet-50
    python benchmarks/threads.py --case matmul512 --repetitions 20

Each case is one program built three ways from the same source (MLIR, or the onnx light
model's import that `python -m tools.models` prepared):

* the inline build vmvxjit runs (`dyn-llvm`: inline-dynamic llvm-cpu, or `static`), timed by
  `python -m vmvxjit bench --threads=N` (median warm call with pre-made buffer views, which from
  the third call run the export compiled whole, arguments in place) and through
  the library API with numpy arrays in and out (`vmvxjit.load(path, threads=N)`), for each N up
  to the cores this process may use;
* IREE's inline runtime on the same `.vmfb`: `iree-benchmark-module`, one thread by design;
* IREE's full HAL on a build without `--iree-execution-model` (llvm-cpu, host CPU):
  `iree-benchmark-module --device=local-task`, its multi-threaded task system, what a user would
  pick instead of an inline runtime; and the same build through IREE's Python API with the same
  numpy arrays in and out, what a numpy user would call instead (it cannot run inline modules).

Ratios are IREE's time over vmvxjit's (> 1: vmvxjit is faster), all measured in this one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import programs  # noqa: E402  (benchmarks/programs.py)
from side_by_side import fmt_time  # noqa: E402
from tests.support import modules  # noqa: E402
from vmvxjit.tooling.compile import MODEL_FLAGS  # noqa: E402
from vmvxjit.tooling import iree_tools  # noqa: E402

FULL_HAL = ["--iree-hal-target-backends=llvm-cpu", "--iree-llvmcpu-target-cpu=host"]


@dataclass
class Case:
    """A program's inline build for vmvxjit, its full-HAL build and its input flags."""
    name: str
    config: str
    function: str
    inline: Path
    full_hal: Path
    inputs: list


def program_case(program: programs.Program, config: str, work: Path) -> Case:
    return Case(f"{program.name} ({program.description})", config, program.function,
                modules.compile_mlir(program.source, programs.CONFIGS[config]),
                modules.compile_mlir(program.source, FULL_HAL), program.input_args(work))


def model_case(model: str, config: str) -> Case:
    """A light onnx model, as the models suite prepares and builds it (`python -m tools.models`
    builds the inline module; the full-HAL one is compiled here from the same import)."""
    from tools.models import build, prepare

    prepared = prepare.prepare(model)
    found = build.already_built(prepared, config)
    if found is None:
        raise SystemExit(f"{model} {config} is not built: python -m tools.models --models {model} "
                         f"--configs {config}")
    imported = build.import_model(prepared)
    full_hal = modules.compile_mlir(imported.mlir.read_text(), [*FULL_HAL, *MODEL_FLAGS])
    return Case(f"{model} (light onnx model)", config, found.function, found.vmfb, full_hal,
                [f"--input=@{path}" for path in prepared.inputs])


def iree_seconds(vmfb: Path, case: Case, repetitions: int, device: str | None = None) -> float:
    flags = [f"--module={vmfb}", f"--function={case.function}", *case.inputs,
             *([f"--device={device}"] if device else [])]
    proc = subprocess.run(iree_tools.benchmark_command(flags, repetitions), capture_output=True,
                          text=True, check=True)
    return statistics.median(iree_tools.benchmark_times(proc.stdout))


def vmvxjit_seconds(case: Case, threads: int, repetitions: int, warmup: int) -> float:
    cmd = [sys.executable, "-m", "vmvxjit", "bench", str(case.inline), f"--function={case.function}",
           *case.inputs, f"--threads={threads}", f"--warmup={warmup}",
           f"--repetitions={repetitions}", "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)["median_s"]


# The library API with numpy arrays in and out (what a user's code calls; an export whose
# host code compiles whole takes that route from its second call). The warm-up calls go
# on until no compile runs on a worker (up to 30 s), then `warmup` more: an export's entry
# with its loops in chunks compiles on a worker and then runs a trial of a dozen calls, and
# a compile beside the timed calls slowed them (static matmul 256^3 on one thread: 410
# against 310 us in some processes after the JIT's sources changed).
_NUMPY_CHILD = """
import json, statistics, sys, time
import numpy as np, vmvxjit
from vmvxjit.vm.jit import background
path, function, threads, warmup, repetitions, *inputs = sys.argv[1:]
call = getattr(vmvxjit.load(path, threads=int(threads)), function)
arrays = [np.load(name) for name in inputs]
for _ in range(1 + int(warmup)):
    call(*arrays)
settle = time.perf_counter() + 30
while not background.idle() and time.perf_counter() < settle:
    call(*arrays)
for _ in range(int(warmup)):
    call(*arrays)
times = []
for _ in range(int(repetitions)):
    start = time.perf_counter()
    call(*arrays)
    times.append(time.perf_counter() - start)
print(json.dumps(statistics.median(times)))
"""


def vmvxjit_numpy_seconds(case: Case, threads: int, repetitions: int, warmup: int) -> float:
    return _child_seconds(_NUMPY_CHILD, case, str(case.inline), str(threads), str(warmup), str(repetitions))


# IREE's own Python API on the full-HAL build with the same numpy arrays in and out: what
# a numpy user would call instead (it cannot run inline modules). Results come back with
# to_host(), as a user reads them.
_IREE_PYTHON_CHILD = """
import json, statistics, sys, time
import numpy as np, iree.runtime as ireert
path, function, warmup, repetitions, *inputs = sys.argv[1:]
context = ireert.SystemContext(config=ireert.Config("local-task"))
context.add_vm_module(ireert.VmModule.copy_buffer(context.instance, open(path, "rb").read()))
call = context.modules.module[function]
arrays = [np.load(name) for name in inputs]
def run():
    results = call(*arrays)
    return [r.to_host() for r in (results if isinstance(results, (list, tuple)) else [results])]
for _ in range(1 + int(warmup)):
    run()
times = []
for _ in range(int(repetitions)):
    start = time.perf_counter()
    run()
    times.append(time.perf_counter() - start)
print(json.dumps(statistics.median(times)))
"""


def iree_python_seconds(case: Case, repetitions: int, warmup: int) -> float:
    return _child_seconds(_IREE_PYTHON_CHILD, case, str(case.full_hal), str(warmup), str(repetitions))


def _child_seconds(child: str, case: Case, module: str, *options: str) -> float:
    files = [flag.removeprefix("--input=@") for flag in case.inputs]
    proc = subprocess.run([sys.executable, "-c", child, module, case.function, *options, *files],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


CASES = {
    "matmul256": lambda work: program_case(programs.sized_matmul(256), "dyn-llvm", work),
    "matmul512": lambda work: program_case(programs.sized_matmul(512), "dyn-llvm", work),
    "elementwise": lambda work: program_case(programs.ELEMENTWISE, "dyn-llvm", work),
    "resnet50": lambda work: model_case("resnet50", "dyn-llvm"),
    "matmul256-static": lambda work: program_case(programs.sized_matmul(256), "static", work),
    "conv2d-static": lambda work: program_case(programs.CONV2D, "static", work),
    "resnet50-static": lambda work: model_case("resnet50", "static"),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", action="append", choices=list(CASES),
                        help="repeatable (default: matmul256, matmul512, elementwise, resnet50)")
    parser.add_argument("--repetitions", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1,
                        help="time every case this many times over, case after case (this machine's speed "
                             "drifts by 2x at times): each time is the median over rounds, each ratio the "
                             "median of the rounds' ratios with their range")
    args = parser.parse_args(argv)
    cores = len(os.sched_getaffinity(0))
    counts = sorted({1, *range(2, cores + 1)})
    print(f"# {cores} cores; times are medians of warm calls; ratio = IREE / vmvxjit at {cores} threads")
    header = ["case", "config", "IREE inline", "IREE full HAL (local-task)", "IREE Python API (full HAL, numpy)",
              *(f"vmvxjit {n} thr" for n in counts), *(f"numpy {n} thr" for n in counts),
              "vs inline", "vs full HAL", "vs own 1 thr", "numpy: vs inline", "numpy: vs full HAL",
              "numpy: vs IREE Python"]
    names = args.case or ["matmul256", "matmul512", "elementwise", "resnet50"]
    times: dict[str, list] = {name: [] for name in names}
    with tempfile.TemporaryDirectory(prefix="vmvxjit-threads-") as tmp:
        cases = {name: CASES[name](Path(tmp) / name) for name in names}
        for _ in range(args.rounds):
            for name, case in cases.items():
                times[name].append(_round(case, counts, args.repetitions, args.warmup))
                print(" | ".join([name, *map(fmt_time, times[name][-1])]), file=sys.stderr, flush=True)
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for name, case in cases.items():
        print("| " + " | ".join([case.name, case.config, *_row(times[name], len(counts))]) + " |")
    return 0


IREE_COLUMNS = 3       # a round's first times: IREE inline, its full HAL, its Python API


def _round(case: Case, counts: list, repetitions: int, warmup: int) -> list:
    """One round's times: IREE inline, full HAL, IREE's Python API (IREE_COLUMNS), then
    vmvxjit per thread count with buffer views and with numpy arrays."""
    return [iree_seconds(case.inline, case, repetitions),
            iree_seconds(case.full_hal, case, repetitions, device="local-task"),
            iree_python_seconds(case, repetitions, warmup),
            *(vmvxjit_seconds(case, n, repetitions, warmup) for n in counts),
            *(vmvxjit_numpy_seconds(case, n, repetitions, warmup) for n in counts)]


def _row(rounds: list, thread_counts: int) -> list:
    """A case's cells: each time's median over the rounds, then the ratios, each the
    median of the rounds' own (IREE's time and vmvxjit's from the same round)."""
    def ratio(over: int, under: int) -> str:
        values = sorted(r[over] / r[under] for r in rounds)
        middle = statistics.median(values)
        return f"{middle:.2f}×" + (f" ({values[0]:.2f}–{values[-1]:.2f})" if len(values) > 1 else "")

    inline, full_hal, python, one_thread = 0, 1, 2, IREE_COLUMNS
    views = IREE_COLUMNS + thread_counts - 1            # vmvxjit's at the most threads
    arrays = IREE_COLUMNS + 2 * thread_counts - 1
    medians = [statistics.median(column) for column in zip(*rounds)]
    return [*map(fmt_time, medians), ratio(inline, views), ratio(full_hal, views), ratio(one_thread, views),
            ratio(inline, arrays), ratio(full_hal, arrays), ratio(python, arrays)]


if __name__ == "__main__":
    sys.exit(main())
