"""A run over a selection of cases, its saved results, and the command line."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

from tools.common.files import atomic_write
from tools.conformance.build import do_import
from tools.conformance.cases import load_cases, select_cases
from tools.conformance.config import (CACHE_ROOT, CONFIGS, DOC_PATH, SAMPLE_STRIDE, git_head,
                                      tool_paths, versions, vmvxjit_digest)
from tools.conformance.report import Report
from tools.conformance.workers import run_pool


def make_settings(jobs: int, fresh: bool = False, no_vmvxjit: bool = False) -> dict:
    return {"tools": tool_paths(), "versions": versions(), "vmvxjit": vmvxjit_digest(),
            "git": git_head(), "jobs": jobs, "fresh": fresh, "no_vmvxjit": no_vmvxjit}


def missing_tools() -> list[str]:
    return [name for name, path in tool_paths().items() if not path]


def run(*, sample: int | None = SAMPLE_STRIDE, configs: list[str] | None = None, jobs: int = 2,
        cases: str | None = None, budget: float | None = None, fresh: bool = False,
        no_vmvxjit: bool = False, log=None) -> Report:
    """Run the harness over a selection; returns the Report (nothing is written)."""
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    configs = configs or list(CONFIGS)
    start = time.monotonic()
    deadline = start + budget if budget else None
    CACHE_ROOT.mkdir(parents=True, exist_ok=True)
    settings = make_settings(jobs, fresh, no_vmvxjit)
    missing = [name for name, path in settings["tools"].items() if not path]
    if missing:
        raise RuntimeError(f"missing tools: {', '.join(missing)}")
    index = load_cases(log)
    selected = select_cases(index, sample, cases)
    runnable = [e for e in selected if not e["skip"]]
    log(f"{len(selected)} cases selected ({len(runnable)} runnable) x {len(configs)} configurations; "
        f"{jobs} workers; vmvxjit digest {settings['vmvxjit']}")

    imports: dict[str, dict] = {}

    def on_import(result):
        imports[result["case"]] = result["import"]

    import_tasks = [{"kind": "import", "entry": e} for e in runnable]
    not_run = run_pool(import_tasks, settings, jobs, on_import, deadline)
    n_ok = sum(1 for r in imports.values() if r.get("ok"))
    log(f"imported {n_ok}/{len(runnable)} in {time.monotonic() - start:.0f}s")

    tasks = [{"kind": "run", "entry": e, "config": config, "import": imports[e["name"]]}
             for e in runnable if imports.get(e["name"], {}).get("ok") for config in configs]
    results: dict[tuple[str, str], dict] = {}
    progress = {"n": 0, "t": time.monotonic()}
    total = len(tasks)
    verbose = bool(os.environ.get("VMVXJIT_CONFORMANCE_VERBOSE"))

    def on_result(result):
        results[(result["case"], result["config"])] = result
        progress["n"] += 1
        n = progress["n"]
        if n == total or n % 50 == 0 or time.monotonic() - progress["t"] > 60:
            progress["t"] = time.monotonic()
            elapsed = time.monotonic() - start
            reg = sum(1 for r in results.values() if Report.iree_passed(r) and r.get("vmvxjit")
                      and not Report.vmvxjit_passed(r))
            log(f"[{n}/{total}] {elapsed:.0f}s; IREE passed "
                f"{sum(Report.iree_passed(r) for r in results.values())}, vmvxjit passed "
                f"{sum(Report.vmvxjit_passed(r) for r in results.values())}, IREE-only {reg}")
        if verbose:
            log(f"  {result['case']} [{result['config']}]: "
                f"compile {'ok' if result.get('compile', {}).get('ok') else result.get('compile')}; "
                f"IREE {result.get('iree')}; vmvxjit {result.get('vmvxjit')}")

    not_run += run_pool(tasks, settings, jobs, on_result, deadline)
    not_run_flat = [{"case": t["entry"]["name"], "config": t.get("config")} for t in not_run]
    return Report(index, selected, configs, imports, results, not_run_flat, settings,
                  time.monotonic() - start,
                  ("every case" if not sample or sample <= 1 else f"every {sample}th case")
                  + (f" matching `{cases}`" if cases else ""))


def _results_path(full: bool, sample: int, cases: str | None) -> Path:
    tag = "full" if full else f"sample-{sample}"
    if cases:
        tag += "-" + hashlib.sha256(cases.encode()).hexdigest()[:8]
    return CACHE_ROOT / f"results-{tag}.json"


def save_results(report: Report, path: Path) -> None:
    atomic_write(path, json.dumps({
        "meta": {"settings": report.settings, "elapsed": report.elapsed, "mode": report.mode,
                 "configs": report.configs, "not_run": report.not_run},
        "results": {f"{case}|{config}": r for (case, config), r in sorted(report.results.items())},
    }, indent=0))


def load_report(path: Path, sample: int, configs: list[str], cases: str | None) -> Report:
    """Rebuild a Report from saved results (imports come from the import cache)."""
    data = json.loads(path.read_text())
    if "results" not in data:                      # the first format: results only
        data = {"meta": {}, "results": data}
    meta = data["meta"]
    settings = meta.get("settings") or make_settings(2)
    index = load_cases(lambda msg: None)
    selected = select_cases(index, sample, cases)
    imports = {e["name"]: do_import(e, settings) for e in selected if not e["skip"]}
    results = {}
    for key, r in data["results"].items():
        case, config = key.rsplit("|", 1)
        if config in configs:
            results[(case, config)] = r
    return Report(index, selected, configs, imports, results, meta.get("not_run", []), settings,
                  meta.get("elapsed", 0.0), meta.get("mode", "every case"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.conformance",
                                     description="ONNX backend node tests through IREE and vmvxjit.")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--full", action="store_true", help="every case (writes docs/conformance.md)")
    mode.add_argument("--sample", type=int, metavar="K", default=None,
                      help=f"every K-th case by name (default {SAMPLE_STRIDE})")
    parser.add_argument("--config", default=",".join(CONFIGS),
                        help=f"comma-separated configurations (default: all of {', '.join(CONFIGS)})")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--cases", help="only cases whose name matches this regex")
    parser.add_argument("--budget", type=float, help="stop starting work after this many seconds")
    parser.add_argument("--report", help="where to write the markdown scoreboard (default: "
                        "docs/conformance.md for a complete --full run, else under the cache)")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the scoreboard from the last run's saved results; run nothing")
    parser.add_argument("--fresh", action="store_true", help="ignore cached run results")
    parser.add_argument("--no-vmvxjit", action="store_true", help="only IREE (warms the caches)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every result")
    args = parser.parse_args(argv)

    configs = [c.strip() for c in args.config.split(",") if c.strip()]
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:
        parser.error(f"unknown configuration(s) {unknown}; choose from {list(CONFIGS)}")
    if args.verbose:
        os.environ["VMVXJIT_CONFORMANCE_VERBOSE"] = "1"
    # --cases alone selects from every case; otherwise the default is the CI sample
    sample = 1 if args.full or (args.cases and not args.sample) else (args.sample or SAMPLE_STRIDE)
    results_path = _results_path(args.full, sample, args.cases)
    if args.report_only:
        if not results_path.exists():
            parser.error(f"no saved results at {results_path}; run without --report-only first")
        report = load_report(results_path, sample, configs, args.cases)
    else:
        report = run(sample=sample, configs=configs, jobs=args.jobs, cases=args.cases,
                     budget=args.budget, fresh=args.fresh, no_vmvxjit=args.no_vmvxjit)
        save_results(report, results_path)
    command = "python -m tools.conformance " + " ".join(
        a for a in (argv if argv is not None else sys.argv[1:]) if a != "--report-only")
    if args.report:
        target = Path(args.report)
    elif args.full and not args.cases and configs == list(CONFIGS) and not args.no_vmvxjit:
        target = DOC_PATH
    else:
        target = results_path.with_name(results_path.name.replace("results-", "report-")
                                        ).with_suffix(".md")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(report.markdown(command.strip()))
    print(report.summary())
    print(f"scoreboard: {target}\nresults: {results_path}")
    return 1 if report.regressions() else 0
