"""vmvxjit's side of a measurement, every run in a fresh process on the worktree's vmvxjit:

- cold: `python -m vmvxjit run ... --trace` with an empty JIT and Numba cache (a fresh
  temporary VMVXJIT_CACHE_DIR / NUMBA_CACHE_DIR); `--trace` gives the compile statistics;
- cached: the same command again, with the cache the cold run filled;
- warm: tools.models.warm (library API, several calls in one process, same cache).
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path

from tools.models import catalog, process, warm
from tools.models.build import Built
from tools.models.prepare import Prepared

_SUMMARY = re.compile(r"^jit: (\d+) regions compiled \((\d+) loaded from the disk cache\)", re.M)
_REGION = re.compile(r"compiled in (\d+) ms")


def cache_env(cache: Path) -> dict:
    """The environment of a vmvxjit run whose JIT and Numba caches are under `cache`."""
    env = dict(os.environ)
    env["VMVXJIT_CACHE_DIR"] = str(cache / "jit")
    env["NUMBA_CACHE_DIR"] = str(cache / "numba")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(catalog.REPO_ROOT), env.get("PYTHONPATH")]))
    return env


def compile_stats(trace: str) -> dict:
    """Regions compiled, loaded from the cache, and total compile seconds, from `--trace`."""
    summary = _SUMMARY.search(trace)
    return {"regions": int(summary.group(1)) if summary else None,
            "loaded": int(summary.group(2)) if summary else None,
            "seconds": sum(int(ms) for ms in _REGION.findall(trace)) / 1e3}


def run_cli(built: Built, prepared: Prepared, outputs: list, env: dict, timeout: float,
            extra: tuple = ()) -> process.Run:
    """One whole `python -m vmvxjit run` process of `built` on `prepared`'s inputs."""
    return process.run([sys.executable, "-m", "vmvxjit", "run", str(built.vmfb),
                        f"--function={built.function}", *(f"--input=@{path}" for path in prepared.inputs),
                        *(f"--output=@{path}" for path in outputs), *extra], timeout, env=env)


def measure(built: Built, prepared: Prepared, out_dir: Path, timeout: float) -> dict:
    """{"cold", "cached", "warm"}: each {"status", times, "outputs" (paths) when ok}."""
    count = len(prepared.expected)
    measured = {}
    with tempfile.TemporaryDirectory(prefix="vmvxjit-models-cache-") as cache:
        env = cache_env(Path(cache))
        for run, extra in (("cold", ["--trace"]), ("cached", [])):
            outputs = [out_dir / f"{run}_{i}.npy" for i in range(count)]
            result = run_cli(built, prepared, outputs, env, timeout, extra)
            measured[run] = process.outcome(result, timeout)
            if result.ok:
                measured[run]["outputs"] = outputs
                if run == "cold":
                    measured[run]["jit"] = compile_stats(result.stderr)
        outputs = [out_dir / f"warm_{i}.npy" for i in range(count)]
        result = process.run([sys.executable, "-m", "tools.models.warm", str(built.vmfb),
                              built.function, *(f"--input={p}" for p in prepared.inputs),
                              *(f"--output={p}" for p in outputs)], timeout, env=env)
        measured["warm"] = process.outcome(result, timeout)
        if result.ok:
            report = json.loads(result.stdout.strip().splitlines()[-1])
            seconds = report["seconds"]
            measured["warm"].update(outputs=outputs, first=seconds[0],
                                    seconds=warm.warm_seconds(seconds, report["steady"]),
                                    calls=len(seconds) - 1,
                                    compiled_share=report["compiled_share"],
                                    python_share=report["python_share"],
                                    left_alone_share=report["left_alone_share"])
    return measured
