"""The models suite's command line.

    python -m tools.models --models squeezenet,resnet50 --configs static,dyn-llvm --jobs 1
    python -m tools.models --no-vmvxjit            # IREE's figures only, every model and config
    python -m tools.models --render                # only rewrite docs/models.md from saved results

Measures each selected model in each selected configuration (tools/models/suite.py), merges the
records into `.cache/models/results.json` as they finish, and rewrites `docs/models.md`; the exit
status is 1 when a vmvxjit result is not iree-run-module's, each such run named on stderr. Use
`--jobs 1` for figures worth comparing: concurrent runs share the machine's cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed

from tools.models import catalog, iree_tools, peak, results, scoreboard, suite


def _machine() -> str:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0]
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}; "
            f"load average {load:.2f} at the start (the machine is shared: other work adds noise)")


def _versions() -> str:
    from importlib import metadata
    from tests.support.modules import compiler_version
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=catalog.REPO_ROOT,
                          capture_output=True, text=True).stdout.strip()
    names = ["iree-base-runtime", "onnx", "numba", "numpy"]
    return ", ".join([compiler_version().splitlines()[1].strip(), f"vmvxjit {head}",
                      f"Python {platform.python_version()}",
                      *(f"{n} {metadata.version(n)}" for n in names)])


def _write_doc(saved: dict) -> None:
    catalog.DOC_PATH.write_text(scoreboard.render(saved))
    print(f"wrote {catalog.DOC_PATH.relative_to(catalog.REPO_ROOT)}")


def _summary(record: dict) -> str:
    parts = [f"{record['model']}/{record['config']}:"]
    for section in ("compile", "iree"):
        value = record.get(section) or {}
        parts.append(f"{section} {value.get('status')}" + (f" {value['wall']:.2f}s" if "wall" in value else ""))
    for run, value in (record.get("vmvxjit") or {}).items():
        time_ = value.get("seconds", value.get("wall"))
        parts.append(f"{run} {value.get('status')}" + (f" {time_:.3f}s" if time_ is not None else ""))
    return " ".join(parts)


def disagreements(record: dict) -> list[str]:
    """What of `record`'s vmvxjit runs does not give iree-run-module's bits (or, with no IREE
    result, ONNX's values): a wrong answer, which a scoreboard line could hide."""
    found = []
    for run, value in (record.get("vmvxjit") or {}).items():
        if value.get("equal_iree") is False:
            found.append(f"{record['model']}/{record['config']} {run}: not bit-identical to iree-run-module")
        elif value.get("equal_iree") is None and value.get("onnx"):
            found.append(f"{record['model']}/{record['config']} {run}: {value['onnx']}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.models", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", help=f"comma-separated (default all: {','.join(catalog.MODELS)})")
    parser.add_argument("--configs", help=f"comma-separated (default all: {','.join(catalog.CONFIGS)})")
    parser.add_argument("--jobs", type=int, default=1, help="models measured at once (default 1)")
    parser.add_argument("--timeout", type=float, default=600.0, help="limit per run, seconds")
    parser.add_argument("--compile-timeout", type=float, default=1800.0)
    parser.add_argument("--no-vmvxjit", action="store_true", help="measure IREE only")
    parser.add_argument("--no-iree", action="store_true",
                        help="measure vmvxjit only, keeping IREE's saved figures and results")
    parser.add_argument("--render", action="store_true", help="only rewrite docs/models.md")
    args = parser.parse_args(argv)

    saved = results.load()
    if args.render:
        _write_doc(saved)
        return 0
    if iree_tools.missing():
        sys.stderr.write(f"missing IREE tools: {', '.join(iree_tools.missing())}\n")
        return 2
    models = catalog.parse_list(args.models, catalog.MODELS, "models")
    configs = catalog.parse_list(args.configs, list(catalog.CONFIGS), "configs")
    options = suite.Options(args.timeout, args.compile_timeout, not args.no_vmvxjit, not args.no_iree)
    saved["meta"] = {"command": "python -m tools.models " + shlex.join(sys.argv[1:] if argv is None else argv),
                     "machine": _machine(), "versions": _versions(), "peak_gflops": peak.gflops()}
    tasks = [(model, config) for config in configs for model in models]
    wrong = []
    with ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        futures = [pool.submit(suite.measure, model, config, options) for model, config in tasks]
        for future in as_completed(futures):
            record = future.result()
            print(_summary(record), flush=True)
            wrong += disagreements(record)
            results.merge(saved, record)
            results.save(saved)
    _write_doc(saved)
    for line in wrong:
        sys.stderr.write(f"WRONG RESULT: {line}\n")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
