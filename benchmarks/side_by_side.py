"""Time the same `.vmfb` with IREE's native runtime and with vmvxjit, side by side.

    python benchmarks/side_by_side.py                                 # everything
    python benchmarks/side_by_side.py --program add4                  # one program, all configs
    python benchmarks/side_by_side.py --program matmul --config dyn-llvm --config dyn-vmvx-dt
    python benchmarks/side_by_side.py --case add4:all --case elementwise:dyn-llvm --case matmul:dyn-llvm
    python benchmarks/side_by_side.py --tier interp --include-slow --max-seconds 60

For each (program, configuration):

* IREE: `iree-benchmark-module --benchmark_repetitions=R --benchmark_format=json`, the median
  (aggregate) of its repetitions, wall time per call.
* vmvxjit: in a child process (so a hung or slow run can be killed), `vmvxjit.load(path[, tier=])`,
  one warm-up call (`--warmup K`: K), then the median of up to N timed calls through the library API with the same
  (seeded) inputs as buffer views made once (`--numpy`: the numpy arrays themselves, numpy out),
  after the warm-up calls and, within `--max-seconds`, more of them until no compile that
  changes what a call runs is under way (O3 recompiles, entry functions of an export compiled
  whole); stopping early once the timed calls have used `--max-seconds`.
  A warm-up call longer than `--max-seconds` is reported as "too slow (> N s)".
* ratio = IREE median / vmvxjit median (> 1: vmvxjit is faster).
* check: vmvxjit's results of the first and the last call against `iree-run-module
  --input=@x.npy --output=@y.npy` on the same inputs: `exact` (bit-identical), `~k ulp` (within
  the program's libm tolerance), else MISMATCH; both calls' words when they differ.

Then the cold start: wall time of `python -m vmvxjit run <add4 module> --input=...` against
`python -c "import numpy"` (medians of a few runs).

With `--tier=interp` (or VMVXJIT_TIER=interp) the big programs that the pure-Python interpreter
needs minutes for (`programs.INTERPRETED_SLOW`) are skipped unless `--include-slow` is given.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import programs  # noqa: E402  (benchmarks/programs.py)
from vmvxjit.tooling import iree_tools  # noqa: E402

IREE_TIMEOUT_FLOOR_S = 60.0


# ------------------------------------------------------------------------------------------------
# Formatting
# ------------------------------------------------------------------------------------------------

def fmt_time(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            value = seconds / scale
            return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{seconds * 1e9:.2g} ns"


def fmt_ratio(ratio: float | None) -> str:
    if ratio is None:
        return "-"
    return f"{ratio:.3g}×" if ratio >= 0.01 else f"{ratio:.2e}×"


# ------------------------------------------------------------------------------------------------
# IREE
# ------------------------------------------------------------------------------------------------

def iree_benchmark(vmfb: Path, program: programs.Program, inputs: list[str], repetitions: int,
                   timeout: float) -> tuple[float | None, str]:
    """(median seconds per call, note) from iree-benchmark-module."""
    cmd = iree_tools.benchmark_command([f"--module={vmfb}", f"--function={program.function}", *inputs],
                                       repetitions)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"IREE timed out (> {timeout:.0f} s)"
    if proc.returncode != 0:
        return None, "IREE failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1][:120]
    times = iree_tools.benchmark_times(proc.stdout)
    return (statistics.median(times), "") if times else (None, "IREE: no timings in output")


def iree_output(vmfb: Path, program: programs.Program, inputs: list[str], out: Path,
                timeout: float) -> str:
    """Runs iree-run-module once, writing the result to *out* (.npy); returns an error or ''."""
    cmd = [programs.iree_run_module(), f"--module={vmfb}", f"--function={program.function}",
           *inputs, f"--output=@{out}"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"iree-run-module timed out (> {timeout:.0f} s)"
    if proc.returncode != 0:
        return "iree-run-module failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1][:120]
    return ""


# ------------------------------------------------------------------------------------------------
# vmvxjit (child process)
# ------------------------------------------------------------------------------------------------

class _TooSlow(BaseException):
    """Raised by SIGALRM: a BaseException, so `except Exception` inside vmvxjit lets it through."""


def _on_alarm(signum, frame):
    raise _TooSlow()


def _compiling(module) -> bool:
    """Whether compiles that change what a call runs are still under way on workers: O3
    recompiles of regions, entry functions an export compiled whole waits for. The timed
    calls start once none is (within the budget), as a program called in a loop settles."""
    stats = module.jit_stats()
    return stats["recompiles_pending"] > 0 or any(
        text.startswith("not compiled whole yet") for text in stats["host_functions"].values())


def child_main(spec: dict) -> int:
    """Runs in a subprocess: load, warm up, time; prints one JSON line with the results."""
    result: dict = {}
    t0 = time.perf_counter()
    import vmvxjit
    program = programs.PROGRAMS[spec["program"]]
    inputs = programs.make_inputs(program)
    options = {"tier": spec["tier"]} if spec["tier"] else {}
    try:
        module = vmvxjit.load(spec["vmfb"], **options)
        function = module[program.function]
        # Inputs are converted once, as iree-benchmark-module parses its inputs once
        # (with --numpy they stay numpy arrays: the library API as a user calls it).
        if not spec["numpy"]:
            inputs = [vmvxjit.buffer_view(x) for x in inputs]
        result["load"] = time.perf_counter() - t0
        budget = spec["max_seconds"]
        signal.signal(signal.SIGALRM, _on_alarm)
        times: list[float] = []
        try:
            # The warm-up call and the timed calls each get the budget; a timed call cut off by
            # the alarm is dropped, and the calls completed so far are kept.
            signal.setitimer(signal.ITIMER_REAL, budget)
            start = time.perf_counter()
            output = last = function(*inputs)
            result["first"] = time.perf_counter() - start
            np.save(spec["out"], np.asarray(output))
            for _ in range(spec["warmup"] - 1):
                last = function(*inputs)
            settle = time.perf_counter() + budget
            while _compiling(module) and time.perf_counter() < settle:
                last = function(*inputs)
            signal.setitimer(signal.ITIMER_REAL, budget)
            spent = 0.0
            while len(times) < spec["calls"] and spent < budget:
                start = time.perf_counter()
                last = function(*inputs)
                elapsed = time.perf_counter() - start
                times.append(elapsed)
                spent += elapsed
        except _TooSlow:
            if not times:
                result["too_slow"] = budget
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        # The last call is checked too: later calls run other code (O3 recompiles, exports
        # compiled whole from the second call) than the first.
        np.save(spec["last"], np.asarray(last))
        if times:
            result["median"] = statistics.median(times)
            result["calls"] = len(times)
    except vmvxjit.Error as error:
        result["error"] = f"{type(error).__name__}: {error}"
    print(json.dumps(result), flush=True)
    return 0


def vmvxjit_measure(vmfb: Path, program: programs.Program, tier: str | None, calls: int,
                    warmup: int, max_seconds: float, out: Path, load_seconds: float,
                    numpy_inputs: bool = False) -> dict:
    spec = {"vmfb": str(vmfb), "program": program.name, "tier": tier, "calls": calls,
            "numpy": numpy_inputs,
            "warmup": max(1, warmup), "max_seconds": max_seconds, "out": str(out),
            "last": str(last_output(out))}
    # Load (JIT compiles) + warm-up call + timed calls, each bounded; then a hard backstop.
    timeout = load_seconds + 2 * max_seconds + 30
    try:
        proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"too_slow": max_seconds, "killed": True}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {proc.returncode}: {tail[:160]}"}
    return json.loads(lines[-1])


# ------------------------------------------------------------------------------------------------
# Checking results
# ------------------------------------------------------------------------------------------------

def _ordered(bits: np.ndarray) -> np.ndarray:
    """Maps float bit patterns to integers whose differences count ulps."""
    bits = bits.astype(np.int64)
    sign = np.int64(1) << (8 * 4 - 1)
    return np.where(bits < 0, -(bits & (sign - 1)), bits)


def compare(ours: np.ndarray, theirs: np.ndarray, max_ulps: int) -> str:
    if ours.shape != theirs.shape or ours.dtype != theirs.dtype:
        return f"MISMATCH: {ours.dtype}{list(ours.shape)} vs IREE {theirs.dtype}{list(theirs.shape)}"
    if ours.tobytes() == theirs.tobytes():
        return "exact"
    if ours.dtype != np.float32:
        return f"MISMATCH ({int(np.sum(ours != theirs))} elements differ)"
    a, b = ours.view(np.int32), theirs.view(np.int32)
    both_nan = np.isnan(ours) & np.isnan(theirs)
    ulps = np.where(both_nan, 0, np.abs(_ordered(a) - _ordered(b)))
    worst = int(ulps.max())
    if worst <= max_ulps:
        return f"~{worst} ulp"
    abs_err = float(np.nanmax(np.abs(ours.astype(np.float64) - theirs.astype(np.float64))))
    return f"MISMATCH ({int(np.sum(ulps > max_ulps))} el., max {worst} ulp, abs {abs_err:.3g})"


def last_output(out: Path) -> Path:
    """Where the child saves its last call's result, beside the first call's `out`."""
    return out.with_name(out.stem + "-last.npy")


def check_calls(out: Path, expected: Path, max_ulps: int) -> str:
    """`compare` of the first call's result and of the last call's; one word when they agree."""
    theirs = np.load(expected)
    first = compare(np.load(out), theirs, max_ulps)
    last_path = last_output(out)
    last = compare(np.load(last_path), theirs, max_ulps) if last_path.exists() else first
    return first if last == first else f"1st call {first}; last call {last}"


# ------------------------------------------------------------------------------------------------
# Cold start
# ------------------------------------------------------------------------------------------------

def _wall(cmd: list[str], timeout: float) -> float | None:
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    elapsed = time.perf_counter() - start
    return elapsed if proc.returncode == 0 else None


def cold_start(runs: int, tier: str | None) -> list[tuple[str, float | None]]:
    vmfb = programs.compile_program("add4", "static")
    inputs = ["--input=4xf32=1 2 3 4", "--input=4xf32=10 20 30 40"]
    ours = [sys.executable, "-m", "vmvxjit", "run", str(vmfb), "--function=add4", *inputs]
    if tier:
        ours.append(f"--tier={tier}")
    commands = {
        "python -c 'import numpy'": [sys.executable, "-c", "import numpy"],
        "python -m vmvxjit run add4.vmfb": ours,
        "iree-run-module add4.vmfb (native)": [programs.iree_run_module(), f"--module={vmfb}",
                                               "--function=add4", *inputs],
    }
    _wall(ours, 60)  # first run writes .pyc / JIT caches: not a cold start we want to count
    results = []
    for label, cmd in commands.items():
        times = [t for t in (_wall(cmd, 60) for _ in range(runs)) if t is not None]
        results.append((label, statistics.median(times) if times else None))
    return results


# ------------------------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------------------------

def effective_tier(tier: str | None) -> str:
    """The tier vmvxjit will use: --tier, else $VMVXJIT_TIER, else vmvxjit's default (auto)."""
    return tier or os.environ.get("VMVXJIT_TIER") or "auto"


def skip_as_slow(program: programs.Program, config: str, tier: str | None) -> bool:
    """True for the big programs that the interpreter tier needs minutes for."""
    return effective_tier(tier) == "interp" and (program.name, config) in programs.INTERPRETED_SLOW


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--program", action="append", choices=[*programs.PROGRAMS, "all"],
                        help="program to run (repeatable; default: all)")
    parser.add_argument("--config", action="append", choices=[*programs.CONFIGS, "all"],
                        help="configuration (repeatable; default: all)")
    parser.add_argument("--case", action="append", metavar="PROGRAM:CONFIG",
                        help="one combination (repeatable; 'all' on either side); added to the "
                             "--program x --config selection")
    parser.add_argument("--tier", choices=("interp", "jit", "auto"), default=None,
                        help="passed as vmvxjit.load(path, tier=...) (default: not passed)")
    parser.add_argument("--calls", type=int, default=100, help="timed vmvxjit calls (N)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="untimed vmvxjit calls first (the first is also the checked one and "
                             "is reported as '1st call'); with the auto tier, more warm-up calls "
                             "let hot loops reach compiled code before the timing")
    parser.add_argument("--repetitions", type=int, default=5,
                        help="iree-benchmark-module --benchmark_repetitions")
    parser.add_argument("--max-seconds", type=float, default=30.0,
                        help="budget per measurement: longer warm-up calls are reported as too slow,"
                             " and timed calls stop once they have used it")
    parser.add_argument("--load-seconds", type=float, default=120.0,
                        help="allowance for import + load (JIT compilation) before the budget")
    parser.add_argument("--include-slow", action="store_true",
                        help="with the interp tier, also run the big programs listed in "
                             "programs.INTERPRETED_SLOW (minutes per call)")
    parser.add_argument("--no-check", action="store_true", help="skip the comparison with IREE")
    parser.add_argument("--numpy", action="store_true",
                        help="call vmvxjit with the numpy inputs (numpy out), not buffer views")
    parser.add_argument("--cold-start-runs", type=int, default=5,
                        help="runs of each cold-start command (0: skip the cold-start check)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _select(values, universe):
    if not values or "all" in values:
        return list(universe)
    return [v for v in universe if v in values]


def selected_cases(args) -> list[tuple[str, str]]:
    """(program, config) pairs: --case pairs, plus --program x --config (all x all if neither)."""
    pairs = []
    for case in args.case or ():
        name, _, config = case.partition(":")
        names = _select([name], programs.PROGRAMS) if name in (*programs.PROGRAMS, "all") else None
        configs = _select([config or "all"], programs.CONFIGS) if (config or "all") in (
            *programs.CONFIGS, "all") else None
        if not names or not configs:
            raise SystemExit(f"--case {case!r}: expected PROGRAM:CONFIG with names from "
                             f"{list(programs.PROGRAMS)} and {list(programs.CONFIGS)} (or 'all')")
        pairs += [(n, c) for n in names for c in configs]
    if args.program or args.config or not args.case:
        pairs += [(n, c) for n in _select(args.program, programs.PROGRAMS)
                  for c in _select(args.config, programs.CONFIGS)]
    unique = list(dict.fromkeys(pairs))
    order = {name: i for i, name in enumerate(programs.PROGRAMS)}
    return sorted(unique, key=lambda p: (order[p[0]], list(programs.CONFIGS).index(p[1])))


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.child:
        return child_main(json.loads(args.child))
    cases = selected_cases(args)
    header = ("program", "config", "IREE median", "vmvxjit median", "ratio", "vmvxjit 1st call",
              "calls", "check")
    rows: list[dict] = []
    print(f"# vmvxjit side by side (tier={effective_tier(args.tier)}, max {args.max_seconds:g} s per "
          f"measurement, IREE: median of {args.repetitions} repetitions)", flush=True)
    with tempfile.TemporaryDirectory(prefix="vmvxjit-bench-") as tmp:
        work = Path(tmp)
        for name, config in cases:
            program = programs.PROGRAMS[name]
            inputs = program.input_args(work / "inputs")
            row = {"program": name, "config": config}
            rows.append(row)
            known = programs.KNOWN_FAILURES.get((name, config))
            try:
                if known:
                    raise programs.CompileError(known)
                vmfb = programs.compile_program(program, config)
            except programs.CompileError as error:
                row["note"] = f"does not compile: {error}"
                _print_row(row)
                continue
            iree_timeout = max(IREE_TIMEOUT_FLOOR_S, args.max_seconds * args.repetitions * 2)
            row["iree"], note = iree_benchmark(vmfb, program, inputs, args.repetitions,
                                               iree_timeout)
            if note:
                row["note"] = note
            if skip_as_slow(program, config, args.tier) and not args.include_slow:
                row["vmvxjit"] = "skipped (interp tier; --include-slow to run)"
                _print_row(row)
                continue
            out = work / f"{name}-{config}-vmvxjit.npy"
            measured = vmvxjit_measure(vmfb, program, args.tier, args.calls, args.warmup,
                                       args.max_seconds, out, args.load_seconds, args.numpy)
            row.update({k: measured[k] for k in ("median", "first", "calls", "load")
                        if k in measured})
            if "error" in measured:
                row["vmvxjit"] = "error: " + measured["error"]
            elif "too_slow" in measured:
                row["vmvxjit"] = f"too slow (> {measured['too_slow']:g} s)"
            if row.get("iree") and row.get("median"):
                row["ratio"] = row["iree"] / row["median"]
            if not args.no_check and out.exists():
                expected = work / f"{name}-{config}-iree.npy"
                error = iree_output(vmfb, program, inputs, expected, iree_timeout)
                row["check"] = error or check_calls(out, expected, program.max_ulps)
            _print_row(row)
    print()
    print(_table(header, [_cells(r) for r in rows]))
    notes = [f"- {r['program']}/{r['config']}: {r['note']}" for r in rows if r.get("note")]
    if notes:
        print("\n" + "\n".join(notes))
    inputs_note = ("inputs are numpy arrays and results come back as numpy arrays (--numpy)" if args.numpy else
                   "inputs are converted to buffer views once, as iree-benchmark-module parses them once")
    print("\nratio = IREE median / vmvxjit median (> 1: vmvxjit is faster). vmvxjit times include "
          f"the library API's argument checks; {inputs_note}.")
    if args.cold_start_runs > 0:
        print(f"\n# cold start (median of {args.cold_start_runs} runs, wall time)")
        results = cold_start(args.cold_start_runs, args.tier)
        base = results[0][1]
        lines = []
        for label, seconds in results:
            ratio = f"{seconds / base:.2f}× numpy import" if seconds and base else "-"
            lines.append((label, fmt_time(seconds), ratio))
        print(_table(("command", "wall time", "relative"), lines))
        rows.append({"cold_start": {label: seconds for label, seconds in results}})
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


def _cells(row: dict) -> tuple[str, ...]:
    vmvxjit_cell = row.get("vmvxjit") or fmt_time(row.get("median"))
    if "note" in row and "iree" not in row:
        return (row["program"], row["config"], "-", "-", "-", "-", "-", row["note"][:70])
    return (row["program"], row["config"], fmt_time(row.get("iree")), vmvxjit_cell,
            fmt_ratio(row.get("ratio")), fmt_time(row.get("first")), str(row.get("calls", "-")),
            row.get("check", "-"))


def _print_row(row: dict) -> None:
    print("  " + " | ".join(_cells(row)), file=sys.stderr, flush=True)


def _table(header, rows) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]
    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *(line(r) for r in rows)])


if __name__ == "__main__":
    sys.exit(main())
