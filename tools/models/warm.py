"""Warm per-call time of vmvxjit in one process, through the library API (run by vmvxjit_runs in
a subprocess so that a time limit can kill it).

    python -m tools.models.warm MODULE FUNCTION --input IN.npy ... --output OUT.npy ... [--calls N]

Calls the function at least N times and on until STEADY_CALLS calls in a row started with no
region's O3 recompile pending (`auto` recompiles regions at O3 on a worker while the first calls
run: Module.jit_stats()["recompiles_pending"]), stopping once BUDGET_S has passed after the
second call; writes the last call's results and prints {"seconds": [per call], "steady": [per
call, whether it started with nothing pending], "compiled_share": …, "python_share": …,
"left_alone_share": …} as JSON on stdout. The first call includes loading or compiling code;
the warm time is the median of the steady calls (`warm_seconds`); the shares are the last call's time in compiled code, in loop regions run
as Python, and in compiled regions holding a loop nest the optimizer left alone (`--trace`'s "not interchanged"; a region may hold transformed nests too, so
this bounds the time in untransformed nests from above) (Module.jit_stats), as fractions of that
call.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import numpy as np

BUDGET_S = 60.0
STEADY_CALLS = 5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.models.warm")
    parser.add_argument("module")
    parser.add_argument("function")
    parser.add_argument("--input", action="append", default=[])
    parser.add_argument("--output", action="append", default=[])
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args(argv)

    import vmvxjit
    module = vmvxjit.load(args.module)
    function = module[args.function]
    inputs = [np.load(path) for path in args.input]
    seconds, steady = [], []
    start = time.perf_counter()
    while len(seconds) < max(args.calls, 2) or not all(steady[-STEADY_CALLS:]):
        stats = module.jit_stats()
        steady.append(len(seconds) > 0 and stats["recompiles_pending"] == 0)
        before = time.perf_counter()
        results = function(*inputs)
        seconds.append(time.perf_counter() - before)
        if len(seconds) >= 2 and time.perf_counter() - start > BUDGET_S:
            break
    shares = warm_shares(stats, module.jit_stats(), seconds[-1])
    results = results if isinstance(results, tuple) else (results,)
    for path, value in zip(args.output, results):
        np.save(path, np.array(value))
    sys.stdout.write(json.dumps({"seconds": seconds, "steady": steady, **shares}) + "\n")
    return 0


def warm_seconds(seconds: list, steady: list) -> float:
    """The steady call time of calls `seconds` (the first included): the median of the calls
    that started with no recompile pending, or, when the budget ran out before any did, of
    the later half of the calls after the first."""
    settled = [s for s, ok in zip(seconds, steady) if ok]
    later = seconds[1:]
    return statistics.median(settled or later[len(later) // 2:])


LEFT_ALONE = "not interchanged"     # the note of a loop nest the optimizer left as it was


def warm_shares(before: dict, after: dict, seconds: float) -> dict:
    """Shares of a call of `seconds` spent in compiled code, in regions run as Python and in
    compiled regions with a nest left alone, from Module.jit_stats() before and after it."""
    shares = {key: (after[stat] - before[stat]) / seconds
              for key, stat in (("compiled_share", "compiled_code_seconds"),
                                ("python_share", "python_region_seconds"))}
    shares["left_alone_share"] = (_left_alone_seconds(after) - _left_alone_seconds(before)) / seconds
    return shares


def _left_alone_seconds(stats: dict) -> float:
    return sum(region["run_seconds"] or 0.0 for region in stats["compiled"]
               if any(LEFT_ALONE in note for note in region["notes"]))


if __name__ == "__main__":
    sys.exit(main())
