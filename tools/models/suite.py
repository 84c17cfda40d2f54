"""One model in one configuration, end to end: build, run IREE, run vmvxjit, check the results.

`measure(model, config, options)` returns the record the scoreboard shows (JSON-ready): times
in seconds, every result checked against ONNX's reference and against iree-run-module's.
"""

from __future__ import annotations

import datetime
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tools.models import build, catalog, compare, iree_runs, onnxruntime_warm, vmvxjit_runs
from tools.models.prepare import Prepared, prepare


@dataclass(frozen=True)
class Options:
    timeout: float = 600.0            # per run (iree-run-module, each vmvxjit process)
    compile_timeout: float = 1800.0
    vmvxjit: bool = True
    iree: bool = True                 # False: keep the saved IREE figures (and results) as they are


def _onnx_mismatch(outputs: list[Path], prepared: Prepared) -> str | None:
    entry = catalog.model(prepared.name)
    return compare.onnx_mismatch(compare.load(outputs), compare.load(prepared.expected),
                                 entry.rtol, entry.atol)


def _checks(outputs: list[Path], prepared: Prepared, reference: list[Path] | None) -> dict:
    """"onnx": None (close) or why not; "equal_iree": bit-identical to IREE's (None: no IREE)."""
    return {"onnx": _onnx_mismatch(outputs, prepared),
            "equal_iree": (compare.bit_identical(compare.load(outputs), compare.load(reference))
                           if reference else None)}


def _iree(built: build.Built, prepared: Prepared, options: Options) -> dict:
    result = iree_runs.run_module(built, prepared, options.timeout)
    if result.timed_out:
        return {"status": "timeout", "detail": f"killed after {options.timeout:.0f} s"}
    if not result.ok:
        return {"status": "error", "detail": (result.stderr or result.stdout).strip()[:300]}
    outputs = iree_runs.output_paths(iree_runs.outputs_dir(built), len(prepared.expected))
    section = {"status": "ok", "wall": result.wall, "cpu": result.cpu,
               "onnx": _onnx_mismatch(outputs, prepared)}
    section["call"] = iree_runs.benchmark(built, prepared, result.wall, options.timeout)
    return section


def iree_reference(built: build.Built, prepared: Prepared) -> list[Path] | None:
    """iree-run-module's saved results for this module, if a run produced them."""
    paths = iree_runs.output_paths(iree_runs.outputs_dir(built), len(prepared.expected))
    return paths if all(path.exists() for path in paths) else None


def _vmvxjit(built: build.Built, prepared: Prepared, options: Options) -> dict:
    reference = iree_reference(built, prepared)
    with tempfile.TemporaryDirectory(prefix="vmvxjit-models-out-") as out:
        runs = vmvxjit_runs.measure(built, prepared, Path(out), options.timeout)
        for run in runs.values():
            if "outputs" in run:
                run.update(_checks(run.pop("outputs"), prepared, reference))
    return runs


def measure(model: str, config: str, options: Options) -> dict:
    record = {"model": model, "config": config,
              "date": datetime.datetime.now().isoformat(timespec="seconds")}
    try:
        prepared = prepare(model)
        built = build.compile_model(build.import_model(prepared), config, options.compile_timeout)
    except build.BuildError as error:
        record["compile"] = {"status": "error", "detail": str(error)}
        return record
    record["compile"] = {"status": "ok", "wall": built.compile_wall, "cpu": built.compile_cpu,
                         "module": built.key[:16], "function": built.function}
    if options.iree or iree_reference(built, prepared) is None:
        record["iree"] = _iree(built, prepared, options)
    if options.vmvxjit:
        record["vmvxjit"] = _vmvxjit(built, prepared, options)
        if onnxruntime_warm.available():
            record["onnxruntime"] = onnxruntime_warm.measure(prepared, options.timeout)
    return record
