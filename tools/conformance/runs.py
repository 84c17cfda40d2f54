"""Stage 4: one case in one configuration run with iree-run-module and with vmvxjit, both
compared with the reference outputs; cached by module, inputs and versions.
"""

from __future__ import annotations

import contextlib
import io
import json
import signal
import subprocess
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

from tools.common.files import atomic_write
from tools.common.logs import first_line
from tools.conformance.build import compile_module
from tools.conformance.cases import case_root
from tools.conformance.compare import compare_outputs, load_output, same_arrays
from tools.conformance.config import (CACHE_ROOT, COMMON_FLAGS, CONFIGS, IREE_TIMEOUT,
                                      KEEP_F64_FLAGS, RESULT_VERSION, VMVXJIT_TIMEOUT,
                                      iree_error_line, read_json, sha)


def _input_args(entry: dict, case_dir: Path, demoted: bool, work: Path) -> list[str]:
    args = []
    for j, spec in enumerate(entry["inputs"]):
        path = case_dir / spec["file"]
        if spec["fmt"] == "npy":
            if demoted and spec["dtype"] == "float64":
                converted = work / f"in_{j}_f32.npy"
                np.save(converted, np.load(path).astype(np.float32))
                path = converted
            args.append(f"@{path}")
        else:
            dims = "".join(f"{d}x" for d in spec["shape"])
            args.append(f"{dims}{spec['iree_type']}=@{path}")
    return args


def _output_paths(entry: dict, directory: Path) -> list[Path]:
    return [directory / f"out_{j}.{spec['fmt']}" for j, spec in enumerate(entry["outputs"])]


def run_iree(vmfb: str, function: str, entry: dict, demoted: bool, s: dict, out_dir: Path) -> dict:
    case_dir = case_root() / "cases" / entry["name"]
    out_dir.mkdir(parents=True, exist_ok=True)
    outs = _output_paths(entry, out_dir)
    cmd = [s["tools"]["iree-run-module"], f"--module={vmfb}", f"--function={function}",
           *(f"--input={a}" for a in _input_args(entry, case_dir, demoted, out_dir)),
           *(f"--output=@{p}" for p in outs)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=IREE_TIMEOUT,
                              errors="replace")
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "detail": f"no result after {IREE_TIMEOUT:.0f}s"}
    if proc.returncode < 0:
        sig = -proc.returncode
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        return {"status": "crash", "detail": f"killed by {name}: {iree_error_line(proc.stderr)}"}
    if proc.returncode != 0:
        return {"status": "error", "detail": iree_error_line(proc.stderr or proc.stdout)}
    status, detail = compare_outputs(outs, case_dir, entry, demoted)
    return {"status": status, "detail": detail}


class _VmvxjitTimeout(BaseException):
    pass


def _on_alarm(signum, frame):
    raise _VmvxjitTimeout()


def _call_vmvxjit(argv: list[str], limit: float) -> tuple[str | None, str, float]:
    """`vmvxjit.cli.main(argv)` in this process: (failure status or None, message, seconds)."""
    from vmvxjit.cli import main

    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(argv)
    except _VmvxjitTimeout:
        return "timeout", f"no result after {limit:.0f}s", time.monotonic() - start
    except SystemExit as exc:
        rc = exc.code if isinstance(exc.code, int) else 1
    except BaseException as exc:  # an exception escaping main() is a vmvxjit bug
        tb = traceback.extract_tb(exc.__traceback__)
        where = next((f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in reversed(tb)
                      if "vmvxjit" in f.filename), "?")
        return ("crash", f"uncaught {type(exc).__name__}: {first_line(str(exc), 200)} ({where})",
                time.monotonic() - start)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    elapsed = time.monotonic() - start
    if rc != 0:
        return "error", first_line(err.getvalue() or out.getvalue()), elapsed
    return None, "", elapsed


def run_vmvxjit(vmfb: str, function: str, entry: dict, demoted: bool, iree_out_dir: Path | None,
                progress=None) -> dict:
    """vmvxjit in this process through `vmvxjit.cli.main`, with a SIGALRM time limit.

    A run that times out with the default tier is repeated with `--tier=interp`, and that
    outcome is added to the reason: it tells a slow JIT from a wrong or hanging program.
    A run that completes is repeated with `--threads=1` (the default uses every core), and
    `same_at_one_thread` says whether both wrote the same bits."""
    case_dir = case_root() / "cases" / entry["name"]
    with tempfile.TemporaryDirectory(prefix="vmvxjit-conformance-") as work_name:
        work = Path(work_name)
        outs = _output_paths(entry, work)
        call = ["run", vmfb, f"--function={function}",
                *(f"--input={a}" for a in _input_args(entry, case_dir, demoted, work))]
        argv = call + [f"--output=@{p}" for p in outs]
        failure, message, _ = _call_vmvxjit(argv, VMVXJIT_TIMEOUT)
        if failure == "timeout":
            if progress is not None:
                progress("vmvxjit-interp")
            for p in outs:
                p.unlink(missing_ok=True)
            again, again_message, seconds = _call_vmvxjit(argv + ["--tier=interp"], VMVXJIT_TIMEOUT)
            if again is None:
                status, detail = compare_outputs(outs, case_dir, entry, demoted)
                again_text = f"{status} in {seconds:.1f}s" + (f" ({detail})" if detail else "")
            else:
                again_text = f"{again}: {again_message}"
            return {"status": "timeout", "detail": f"{message} with the default tier (auto); "
                                                   f"with --tier=interp: {again_text}"}
        if failure is not None:
            return {"status": failure, "detail": message}
        status, detail = compare_outputs(outs, case_dir, entry, demoted)
        result = {"status": status, "detail": detail}
        (work / "one-thread").mkdir()
        serial = _output_paths(entry, work / "one-thread")
        again, _, _ = _call_vmvxjit(call + [f"--output=@{p}" for p in serial] + ["--threads=1"],
                                    VMVXJIT_TIMEOUT)
        result["same_at_one_thread"] = again is None and _same(outs, serial, entry)
        if iree_out_dir is not None:
            result["same_as_iree"] = _same(outs, _output_paths(entry, iree_out_dir), entry)
        return result


def _same(outs: list[Path], others: list[Path], entry: dict) -> bool:
    """Whether two runs' output files hold the same bits."""
    try:
        return all(same_arrays(load_output(a, spec), load_output(b, spec))
                   for a, b, spec in zip(outs, others, entry["outputs"]))
    except (OSError, ValueError):
        return False


def run_case(task: dict, s: dict, progress) -> dict:
    """Compile one (case, configuration) and run it with IREE and with vmvxjit."""
    entry, config, imp = task["entry"], task["config"], task["import"]
    result = {"case": entry["name"], "config": config, "op": entry["op"]}
    variants = []
    if imp["f64"]:
        variants.append(("f64", CONFIGS[config] + COMMON_FLAGS + KEEP_F64_FLAGS, False))
        variants.append(("f64-demoted", CONFIGS[config] + COMMON_FLAGS, True))
    else:
        variants.append(("default", CONFIGS[config] + COMMON_FLAGS, False))
    compiled, errors = None, []
    for variant, flags, demoted in variants:
        progress("compile")
        compiled = compile_module(imp["mlir"], flags, s)
        if compiled["ok"]:
            result["variant"], result["demoted"] = variant, demoted
            break
        errors.append(f"{variant}: {compiled['error']}" if len(variants) > 1 else compiled["error"])
    if not compiled["ok"]:
        result["compile"] = {"ok": False, "error": "; ".join(errors),
                             "timeout": bool(compiled.get("timeout"))}
        return result
    result["compile"] = {"ok": True}
    vmfb, function, demoted = compiled["vmfb"], imp["function"], result["demoted"]

    progress("iree")
    iree_key = sha("iree-run", compiled["key"], entry["digest"], function, demoted,
                    s["versions"]["iree-base-runtime"], RESULT_VERSION)
    iree_json = CACHE_ROOT / "runs" / "iree" / f"{iree_key}.json"
    iree_dir = CACHE_ROOT / "runs" / "iree" / iree_key
    iree = None if s["fresh"] else read_json(iree_json)
    if iree is not None and iree["status"] == "pass" and not all(
            p.exists() for p in _output_paths(entry, iree_dir)):
        iree = None
    if iree is None:
        iree = run_iree(vmfb, function, entry, demoted, s, iree_dir)
        if iree["status"] != "timeout":
            atomic_write(iree_json, json.dumps(iree))
    result["iree"] = iree

    if s["no_vmvxjit"]:
        return result
    progress("vmvxjit", result)
    vm_key = sha("vmvxjit-run", compiled["key"], entry["digest"], function, demoted, s["vmvxjit"],
                  RESULT_VERSION, iree["status"])
    vm_json = CACHE_ROOT / "runs" / "vmvxjit" / f"{vm_key}.json"
    vm = None if s["fresh"] else read_json(vm_json)
    if vm is None:
        vm = run_vmvxjit(vmfb, function, entry, demoted,
                         iree_dir if iree["status"] in ("pass", "wrong") else None, progress)
        if vm["status"] != "timeout":
            atomic_write(vm_json, json.dumps(vm))
    result["vmvxjit"] = vm
    return result


# =============================================================================================
