"""IREE's tools and vmvxjit timed alternately, for the goals that compare the two.

    python -m tools.models.alternate [--models shufflenet,squeezenet] [--rounds 3] [--interpreter]

The speed of a shared machine drifts (this one's by 10-20% within an hour), so a ratio of two
figures taken at different times, as the scoreboard's with `--no-iree`, carries that drift.
Here each round times, one right after the other, per model:

- `iree-compile` of the model for llvm-cpu (dyn-llvm flags, a fresh output): wall and CPU time;
- with `--interpreter`, `iree-run-module` on the inline-static module (IREE's interpreter);
- a cold `python -m vmvxjit run --trace` of the inline-static module (empty caches): its wall
  time and the JIT's compile time (the compiling threads' CPU time, summed over regions);

and prints each round's figures and ratios, then each model's medians. Models not yet built
are built first (tools.models.build), untimed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from tools.models import build, catalog, iree_runs, iree_tools, process, vmvxjit_runs
from tools.models.prepare import prepare
from tools.models.scoreboard import ratio

TIMEOUT_S = 900.0


def round_figures(model: str, interpreter: bool) -> dict:
    """One round for `model`: {"iree_compile_wall", "iree_compile_cpu", "jit", "cold",
    "interpreter" (None unless asked)} in seconds."""
    prepared = prepare(model)
    imported = build.import_model(prepared)
    static = build.compile_model(imported, "static", TIMEOUT_S)
    with tempfile.TemporaryDirectory(prefix="alternate-") as work:
        compiled = process.run([iree_tools.paths()["iree-compile"], *catalog.compile_flags("dyn-llvm"),
                                str(imported.mlir), "-o", str(Path(work) / "out.vmfb")], TIMEOUT_S)
        ran = iree_runs.run_module(static, prepared, TIMEOUT_S) if interpreter else None
        outputs = [Path(work) / f"out_{i}.npy" for i in range(len(prepared.expected))]
        cold = vmvxjit_runs.run_cli(static, prepared, outputs, vmvxjit_runs.cache_env(Path(work) / "cache"),
                                    TIMEOUT_S, ("--trace",))
    for what, run in (("iree-compile", compiled), ("iree-run-module", ran), ("vmvxjit run", cold)):
        if run is not None and not run.ok:
            raise RuntimeError(f"{model}: {what} failed: {run.stderr.strip()[-300:]}")
    return {"iree_compile_wall": compiled.wall, "iree_compile_cpu": compiled.cpu,
            "jit": vmvxjit_runs.compile_stats(cold.stderr)["seconds"], "cold": cold.wall,
            "interpreter": ran.wall if ran is not None else None}


def line(model: str, label: str, f: dict) -> str:
    """A table row: the figures of a round (or their medians) and the goals' ratios."""
    interpreter = f"{f['interpreter']:.2f} s" if f["interpreter"] is not None else "–"
    return (f"| {model} | {label} | {f['iree_compile_wall']:.2f} s / {f['iree_compile_cpu']:.2f} s "
            f"| {f['jit']:.2f} s | {ratio(f['jit'], f['iree_compile_wall'])} / "
            f"{ratio(f['jit'], f['iree_compile_cpu'])} | {interpreter} | {f['cold']:.2f} s "
            f"| {ratio(f['cold'], f['interpreter'])} |")


def medians(rounds: list[dict]) -> dict:
    return {key: (statistics.median(r[key] for r in rounds) if rounds[0][key] is not None else None)
            for key in rounds[0]}


HEADER = ("| model | round | iree-compile wall / CPU | JIT compile | JIT / iree-compile wall / CPU "
          "| iree-run-module | vmvxjit cold | cold / interpreter |\n|---|---|---|---|---|---|---|---|")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.models.alternate")
    parser.add_argument("--models", help="comma-separated (default: all nine)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--interpreter", action="store_true",
                        help="time iree-run-module on the inline-static module too (minutes for some models)")
    args = parser.parse_args(argv)
    models = catalog.parse_list(args.models, catalog.MODELS, "model")
    figures: dict = {model: [] for model in models}
    print(HEADER, flush=True)
    for k in range(args.rounds):
        for model in models:
            figures[model].append(round_figures(model, args.interpreter))
            print(line(model, str(k + 1), figures[model][-1]), flush=True)
    for model in models:
        print(line(model, "median", medians(figures[model])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
