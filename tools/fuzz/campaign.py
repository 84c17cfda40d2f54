"""A fuzz run: seeds, mutants one after another in forked children, the tally.

Mutant `i` of seed `s` is always the same bytes run with the same options, so
`--only i` replays a finding. Findings are written as `.vmfb` files next to
the JSON summary; children use their own JIT cache there, so mutants never
enter a real one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from tests.support.modules import CONFIGS, REPO_ROOT

TIERS = ("auto", "interp", "jit")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools.fuzz", description=(
        "Mutate real modules of every inline configuration, load and call each mutant in a "
        "forked child with a time limit, and count outcomes; anything but a result or a "
        "vmvxjit.Error (a crash outside the module's native code, a hang, another exception) "
        "is a finding."))
    parser.add_argument("--mutants", type=int, default=1000, help="how many (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="run seed (default 1)")
    parser.add_argument("--start", type=int, default=0, help="first mutant index (default 0)")
    parser.add_argument("--only", type=int, action="append", help="run just this mutant index")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per mutant (default 20)")
    parser.add_argument("--tiers", default=",".join(TIERS),
                        help="tiers mutants run in, by rotation (default auto,interp,jit)")
    parser.add_argument("--max-allocation", default="256M",
                        help="vmvxjit's allocation cap in each child (default 256M)")
    parser.add_argument("--deadline", type=float,
                        help="vmvxjit's call deadline in each child, in seconds (default: a quarter "
                             "of --timeout): a mutant that loops forever ends in DeadlineExceededError")
    parser.add_argument("--configs", default=",".join(CONFIGS), help="configurations to mutate")
    parser.add_argument("--out", type=Path, help="output directory (default .cache/fuzz/seed-S)")
    return parser


def options_for(index: int, tiers: list[str], max_allocation: str, deadline: float) -> dict:
    """The load options of mutant `index`."""
    return {"tier": tiers[(index // 3) % len(tiers)], "max_allocation": max_allocation,
            "deadline": deadline}


def run(args) -> dict:
    from tools.fuzz.crash_site import CrashSite, build
    from tools.fuzz.iree_oracle import iree_verdict
    from tools.fuzz.mutations import make_mutant
    from tools.fuzz.report import Tally
    from tools.fuzz.runner import run_forked, watch_images
    from tools.fuzz.seeds import build_seeds

    out = args.out or REPO_ROOT / ".cache" / "fuzz" / f"seed-{args.seed}"
    (out / "findings").mkdir(parents=True, exist_ok=True)
    os.environ["VMVXJIT_CACHE_DIR"] = str(out / "jit-cache")
    seeds = build_seeds(tuple(args.configs.split(",")))
    site = CrashSite(build(REPO_ROOT / ".cache" / "fuzz"))
    watch_images(site)
    tiers = args.tiers.split(",")
    deadline = args.deadline or args.timeout / 4
    indices = args.only or range(args.start, args.start + args.mutants)
    tally, started = Tally(), time.monotonic()
    for count, index in enumerate(indices, 1):
        mutant = make_mutant(seeds, args.seed, index)
        options = options_for(index, tiers, args.max_allocation, deadline)
        report = run_forked(mutant.data, options, args.timeout, out / "trace.txt", site)
        if report["outcome"] in ("timeout", "signal"):
            report["iree"] = iree_verdict(mutant.data, report["call"], args.timeout, out)
            if report["iree"] == "timeout" or report["iree"].startswith("signal"):
                report["outcome"] = "fails-in-iree-too"
        described = {"index": index, "seed_module": mutant.seed.name, "options": options,
                     "operations": list(mutant.operations)}
        tally.add(mutant.seed.config, report, described)
        if report["outcome"] not in ("result", "error"):
            (out / "findings" / f"{index}-{mutant.seed.program}-{mutant.seed.config}.vmfb").write_bytes(
                mutant.data)
        if args.only:
            print(json.dumps({**described, **report}, indent=1))
        elif count % 250 == 0:
            rate = count / (time.monotonic() - started)
            print(f"{count} mutants, {rate:.1f}/s, {len(tally.findings)} findings", file=sys.stderr,
                  flush=True)
    summary = {"command": "python -m tools.fuzz " + " ".join(args.argv), "seed": args.seed,
               "timeout": args.timeout, "tiers": tiers, "max_allocation": args.max_allocation,
               "deadline": deadline, "seconds": round(time.monotonic() - started, 1), **tally.summary()}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    print(tally.table())
    print(f"summary: {out / 'summary.json'}")
    return summary


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    args.argv = argv
    return 1 if run(args)["findings"] else 0
