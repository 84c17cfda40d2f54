"""ONNX backend node tests through IREE and vmvxjit: the conformance harness.

    python -m tests.conformance.harness --full --jobs 2      # everything; writes docs/conformance.md
    python -m tests.conformance.harness --sample 17          # every 17th case (what CI runs)
    python -m tests.conformance.harness --cases 'test_gemm.*' --config static,dyn-llvm

Pipeline, one stage after the other, every stage cached on disk under `.cache/conformance/`:

1. **generate** -- `onnx.backend.test.case.node.collect_testcases` from the installed `onnx`
   package: per case `model.onnx`, inputs `in_J.npy` and reference outputs `ref_J.npy` (types numpy
   has no native form for -- bf16, fp8, fp4, int4, int2 -- as raw `.bin` files in IREE's packed
   layout, passed as `SHAPExTYPE=@file.bin`). Keyed by the onnx version.
2. **import** -- `iree-import-onnx model.onnx` (models older than opset 17 are first upgraded with
   `--opset-version 17`, as IREE's own onnx_ops suite does; if that fails, imported as they are).
3. **compile** -- `iree-compile` in each configuration (below) plus
   `--iree-torch-emit-async-entry-points=false`. Programs using f64 keep it
   (`--iree-input-demote-f64-to-f32=false --iree-vm-target-extension-f64`); if that does not
   compile, they are compiled with the default f64->f32 demotion and fed f32 inputs.
   Cached by content: sha256(MLIR, flags, compiler version).
4. **run** -- `iree-run-module` (the native binary) and vmvxjit (in-process, `vmvxjit.cli.main`,
   in a worker process with a timeout) on the same `.vmfb` and inputs, outputs written with
   `--output=@file.npy`; each compared with ONNX's reference outputs: floats with rtol 1e-3 and
   atol 1e-5 (NaN equals NaN, infinities must match), integers and booleans exactly, shapes and
   element types exactly. IREE results are cached by (module, inputs, runtime version); vmvxjit
   results by (module, inputs, digest of vmvxjit's source), so a change to vmvxjit re-runs them.

Work runs in `--jobs` worker processes; a worker that overruns a stage's time limit or dies (a
crash in native code) is replaced and the case is reported as such. `--budget SECONDS` stops
starting new work after that long; a rerun resumes from the caches.

The scoreboard (`docs/conformance.md` for `--full`) counts per configuration the cases imported,
compiled, passed by IREE, by vmvxjit and by both, and lists the cases where exactly one of the two
passes with the reason. The exit status is 1 if any case in the selection passes with IREE and
fails with vmvxjit.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import io
import json
import multiprocessing
import multiprocessing.connection
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_ROOT = Path(os.environ.get("VMVXJIT_CONFORMANCE_CACHE", REPO_ROOT / ".cache" / "conformance"))
DOC_PATH = REPO_ROOT / "docs" / "conformance.md"

# --- configurations --------------------------------------------------------------------------
_STATIC = ["--iree-execution-model=inline-static", "--iree-hal-target-backends=vmvx-inline"]
_DYN_LLVM = ["--iree-execution-model=inline-dynamic", "--iree-hal-target-backends=llvm-cpu",
             "--iree-llvmcpu-target-cpu=generic"]
_DYN_VMVX = ["--iree-execution-model=inline-dynamic", "--iree-hal-target-backends=vmvx",
             "--iree-vmvx-enable-microkernels"]
CONFIGS: dict[str, list[str]] = {
    "static": _STATIC,
    "dyn-llvm": _DYN_LLVM,
    "dyn-vmvx": _DYN_VMVX,
    "dyn-vmvx-dt": _DYN_VMVX + ["--iree-opt-data-tiling"],
}
COMMON_FLAGS = ["--iree-torch-emit-async-entry-points=false"]
KEEP_F64_FLAGS = ["--iree-input-demote-f64-to-f32=false", "--iree-vm-target-extension-f64"]
IMPORT_MIN_OPSET = 17

# --- comparison and limits -------------------------------------------------------------------
RTOL, ATOL = 1e-3, 1e-5
GENERATE_VERSION = 1          # bump when the generated case files change
RESULT_VERSION = 2            # bump when running or comparison rules change
SAMPLE_STRIDE = 17            # the CI sample: every 17th case by name (all configurations)
IMPORT_TIMEOUT = 120.0
COMPILE_TIMEOUT = 300.0
IREE_TIMEOUT = float(os.environ.get("VMVXJIT_CONFORMANCE_IREE_TIMEOUT", "60"))
VMVXJIT_TIMEOUT = float(os.environ.get("VMVXJIT_CONFORMANCE_TIMEOUT", "60"))
HARD_GRACE = 30.0             # a worker silent this long past a stage's limit is killed
TASKS_PER_WORKER = 150        # recycle workers (bounded memory, fresh state)

# Measured costs, quoted in the scoreboard (re-measure when they drift).
COST_NOTE = ("A cold run (empty caches) took 1 h 47 min with 2 workers on a 2-core machine "
             "shared with other work; a rerun after a change to vmvxjit re-runs only vmvxjit "
             "(compiles and IREE results are cached) and took about 1 minute.")

# numpy dtypes iree-run-module reads and writes as .npy
_NPY_DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
               "float16", "float32", "float64"}
# other element types: ml_dtypes name -> (IREE element type, bits, kind)
_RAW_DTYPES = {
    "bfloat16": ("bf16", 16, "f"),
    "float8_e4m3fn": ("f8E4M3FN", 8, "f"),
    "float8_e4m3fnuz": ("f8E4M3FNUZ", 8, "f"),
    "float8_e5m2": ("f8E5M2", 8, "f"),
    "float8_e5m2fnuz": ("f8E5M2FNUZ", 8, "f"),
    "float8_e8m0fnu": ("f8E8M0FNU", 8, "f"),
    "float4_e2m1fn": ("f4E2M1FN", 4, "f"),
    "int4": ("i4", 4, "i"),
    "uint4": ("ui4", 4, "u"),
    "int2": ("i2", 2, "i"),
    "uint2": ("ui2", 2, "u"),
}


# =============================================================================================
# small utilities
# =============================================================================================

def _sha(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _file_sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _atomic_write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    os.replace(tmp, path)


def _read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _first_line(text: str, limit: int = 300) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[:limit] + "..."
    return "(no message)"


def _error_line(text: str, limit: int = 300) -> str:
    """The most telling line of a compiler/importer log: the first `error:` line; for a crash,
    LLVM's fatal error or failed assertion; else the last non-empty line (a Python traceback
    ends with its exception)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]

    def clip(line):
        return line if len(line) <= limit else line[:limit] + "..."
    for line in lines:
        if "error:" in line:
            return clip(re.sub(r"^\S*?:\d+:\d+: ", "", line))     # drop `file:line:col: `
    for line in lines:
        if line.startswith("LLVM ERROR") or "Assertion" in line or "UNREACHABLE" in line:
            return clip(f"crash: {line}")
    if any(line.startswith("Stack dump:") for line in lines):
        for line in lines:                          # the first frame past the signal handler
            frame = re.match(r"#\d+ 0x[0-9a-f]+ (.*)", line)
            if frame and not re.search(r"llvm::sys::|SignalHandler|libc\.so|^\(", frame.group(1)):
                return clip(f"crash in {frame.group(1)}")
        return clip(f"crash: {lines[0]}")
    if lines:
        return clip(lines[-1])
    return "(no message)"


def _iree_error_line(text: str, limit: int = 300) -> str:
    line = _first_line(text, 10 ** 6)
    line = re.sub(r"^c/runtime/src/\S+:\d+: ", "", line)
    return line if len(line) <= limit else line[:limit] + "..."


def tool_paths() -> dict[str, str | None]:
    """The IREE tools: the native iree-run-module binary when the wheel ships it."""
    run_module = os.environ.get("IREE_RUN_MODULE")
    if not run_module:
        try:
            import iree._runtime_libs as libs
            native = Path(libs.__file__).parent / "iree-run-module"
            run_module = str(native) if native.exists() else None
        except ImportError:
            run_module = None
        run_module = run_module or shutil.which("iree-run-module")
    return {
        "iree-compile": os.environ.get("IREE_COMPILE") or shutil.which("iree-compile"),
        "iree-import-onnx": shutil.which("iree-import-onnx"),
        "iree-run-module": run_module,
    }


def _dist_version(name: str) -> str:
    from importlib import metadata
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "none"


def versions() -> dict[str, str]:
    return {"onnx": _dist_version("onnx"), "iree-base-compiler": _dist_version("iree-base-compiler"),
            "iree-base-runtime": _dist_version("iree-base-runtime"),
            "numpy": np.__version__}


def vmvxjit_digest() -> str:
    """sha256 over vmvxjit's Python sources: results of an unchanged vmvxjit are reused."""
    import vmvxjit
    root = Path(vmvxjit.__file__).parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _git_head() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT,
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


# =============================================================================================
# stage 1: generate the cases
# =============================================================================================

class _Skip(Exception):
    """A case whose inputs or outputs have no tensor form for iree-run-module."""


def _pack_subbyte(arr: np.ndarray, bits: int) -> bytes:
    codes = arr.reshape(-1).view(np.uint8).astype(np.uint16) & ((1 << bits) - 1)
    per = 8 // bits
    pad = (-codes.size) % per
    codes = np.concatenate([codes, np.zeros(pad, np.uint16)]).reshape(-1, per)
    shifts = (np.arange(per, dtype=np.uint16) * bits)
    return (codes << shifts).sum(axis=1).astype(np.uint8).tobytes()


def _unpack_subbyte(raw: bytes, bits: int, kind: str, dtype: np.dtype, count: int) -> np.ndarray:
    per = 8 // bits
    data = np.frombuffer(raw, np.uint8)
    shifts = (np.arange(per, dtype=np.uint8) * bits)
    codes = ((data[:, None] >> shifts) & ((1 << bits) - 1)).reshape(-1)[:count].astype(np.int16)
    if kind == "f":
        return codes.astype(np.uint8).view(dtype)
    if kind == "i":
        codes = np.where(codes >= (1 << (bits - 1)), codes - (1 << bits), codes)
    return codes.astype(dtype)


def raw_byte_length(dtype_name: str, count: int) -> int:
    bits = _RAW_DTYPES[dtype_name][1]
    return (count * bits + 7) // 8


def _write_value(value, type_proto, directory: Path, stem: str) -> dict:
    """Write one input or reference output; returns its description for the index."""
    import onnx
    from onnx import helper, numpy_helper

    if not type_proto.HasField("tensor_type"):
        field = type_proto.WhichOneof("value") or "unknown"
        raise _Skip(f"{field.replace('_type', '')} value (not a tensor)")
    elem = type_proto.tensor_type.elem_type
    if elem == onnx.TensorProto.STRING:
        raise _Skip("string tensor")
    if isinstance(value, onnx.TensorProto):
        array = numpy_helper.to_array(value)
    else:
        array = np.asarray(value)
    if array.dtype == object:
        raise _Skip("object-dtype array")
    declared = np.dtype(helper.tensor_dtype_to_np_dtype(elem))
    if array.dtype != declared:
        array = array.astype(declared)
    name = array.dtype.name
    shape = list(array.shape)
    if name in _NPY_DTYPES:
        path = directory / f"{stem}.npy"
        np.save(path, array, allow_pickle=False)
        return {"file": path.name, "fmt": "npy", "dtype": name, "shape": shape}
    if name not in _RAW_DTYPES:
        raise _Skip(f"{name} tensor (no iree-run-module form)")
    iree_type, bits, _ = _RAW_DTYPES[name]
    raw = _pack_subbyte(array, bits) if bits < 8 else array.tobytes()
    path = directory / f"{stem}.bin"
    path.write_bytes(raw)
    return {"file": path.name, "fmt": "bin", "dtype": name, "shape": shape, "iree_type": iree_type}


def _write_case(tc, cases_dir: Path) -> dict:
    model = tc.model
    entry = {"name": tc.name, "op": model.graph.node[0].op_type if model.graph.node else "?",
             "opset": max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
                          default=0),
             "inputs": [], "outputs": [], "skip": None}
    target = cases_dir / tc.name
    work = Path(tempfile.mkdtemp(dir=cases_dir, prefix=".gen-"))
    try:
        (work / "model.onnx").write_bytes(model.SerializeToString())
        inputs, outputs = tc.data_sets[0]
        try:
            if len(inputs) != len(model.graph.input) or len(outputs) != len(model.graph.output):
                raise _Skip("data set does not match the graph's inputs/outputs")
            for j, value in enumerate(inputs):
                entry["inputs"].append(_write_value(value, model.graph.input[j].type, work, f"in_{j}"))
            for j, value in enumerate(outputs):
                entry["outputs"].append(_write_value(value, model.graph.output[j].type, work, f"ref_{j}"))
        except _Skip as skip:
            entry["skip"] = str(skip)
        h = hashlib.sha256()
        for path in sorted(work.iterdir()):
            h.update(path.name.encode())
            h.update(path.read_bytes())
        entry["digest"] = h.hexdigest()
        if target.exists():
            shutil.rmtree(target)
        os.replace(work, target)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return entry


def case_root() -> Path:
    return CACHE_ROOT / f"onnx-{_dist_version('onnx')}"


def load_cases(log=print) -> list[dict]:
    """The index of all node test cases, generated from the installed onnx package once."""
    root = case_root()
    index_path = root / f"index-v{GENERATE_VERSION}.json"
    index = _read_json(index_path)
    if index is not None:
        return index
    import warnings

    from onnx.backend.test.case import node

    log(f"generating ONNX node test cases into {root} ...")
    start = time.monotonic()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        cases = node.collect_testcases(None)
    cases_dir = root / "cases"
    cases_dir.mkdir(parents=True, exist_ok=True)
    index = [_write_case(tc, cases_dir) for tc in sorted(cases, key=lambda c: c.name)]
    _atomic_write(index_path, json.dumps(index, indent=0))
    log(f"generated {len(index)} cases in {time.monotonic() - start:.1f}s")
    return index


def select_cases(index: list[dict], sample: int | None, pattern: str | None) -> list[dict]:
    chosen = sorted(index, key=lambda e: e["name"])
    if sample and sample > 1:
        chosen = chosen[::sample]
    if pattern:
        rx = re.compile(pattern)
        chosen = [e for e in chosen if rx.fullmatch(e["name"]) or rx.search(e["name"])]
    return chosen


# =============================================================================================
# stage 2: import
# =============================================================================================

_FUNC_RE = re.compile(r'^\s*func\.func\s+(?:(public|private|nested)\s+)?@("(?:[^"\\]|\\.)*"|[\w$.\-]+)\s*\(',
                      re.M)


def main_function(mlir: str) -> str | None:
    for match in _FUNC_RE.finditer(mlir):
        if match.group(1) == "private":
            continue
        name = match.group(2)
        return name[1:-1] if name.startswith('"') else name
    return None


def do_import(entry: dict, s: dict) -> dict:
    """`iree-import-onnx` (cached): {"ok", "mlir" (path), "function", "f64", "variant", "error"}."""
    case_dir = case_root() / "cases" / entry["name"]
    model = case_dir / "model.onnx"
    attempts = []
    if entry["opset"] < IMPORT_MIN_OPSET:
        attempts.append(("opset-17", ["--opset-version", str(IMPORT_MIN_OPSET)]))
    attempts.append(("as-is", []))
    errors = []
    for variant, args in attempts:
        key = _sha("import", entry["digest"], args, s["versions"]["iree-base-compiler"])
        mlir_path = CACHE_ROOT / "imports" / f"{key}.mlir"
        err_path = CACHE_ROOT / "imports" / f"{key}.err"
        if not mlir_path.exists() and not err_path.exists():
            with tempfile.TemporaryDirectory(dir=CACHE_ROOT, prefix=".import-") as work:
                out = Path(work) / "model.mlir"
                try:
                    proc = subprocess.run([s["tools"]["iree-import-onnx"], str(model), *args, "-o", str(out)],
                                          capture_output=True, text=True, timeout=IMPORT_TIMEOUT,
                                          errors="replace")
                except subprocess.TimeoutExpired:
                    errors.append(f"import timed out after {IMPORT_TIMEOUT:.0f}s")
                    continue
                if proc.returncode == 0 and out.exists():
                    _atomic_write(mlir_path, out.read_bytes())
                else:
                    _atomic_write(err_path, proc.stderr + proc.stdout)
        if mlir_path.exists():
            text = mlir_path.read_text()
            function = main_function(text)
            if function is None:
                errors.append("no public func.func in the imported MLIR")
                continue
            return {"ok": True, "mlir": str(mlir_path), "key": key, "function": function,
                    "f64": bool(re.search(r"\bf64\b", text)), "variant": variant}
        errors.append(_error_line(err_path.read_text()))
    return {"ok": False, "error": errors[-1] if errors else "import failed"}


# =============================================================================================
# stage 3: compile
# =============================================================================================

def compile_module(mlir_path: str, flags: list[str], s: dict) -> dict:
    """{"ok", "vmfb", "key"} or {"ok": False, "error", "timeout"?}; cached by content."""
    source = Path(mlir_path).read_text()
    key = _sha("compile", source, flags, s["versions"]["iree-base-compiler"])
    vmfb = CACHE_ROOT / "modules" / f"{key}.vmfb"
    err = CACHE_ROOT / "modules" / f"{key}.err"
    if vmfb.exists():
        return {"ok": True, "vmfb": str(vmfb), "key": key}
    if err.exists():
        return {"ok": False, "error": _error_line(err.read_text()), "key": key}
    vmfb.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=vmfb.parent, prefix=".compile-") as work:
        shutil.copyfile(mlir_path, Path(work) / "model.mlir")
        try:
            proc = subprocess.run([s["tools"]["iree-compile"], *flags, "model.mlir", "-o", "model.vmfb"],
                                  cwd=work, capture_output=True, text=True, timeout=COMPILE_TIMEOUT,
                                  errors="replace")
        except subprocess.TimeoutExpired:
            return {"ok": False, "error": f"iree-compile timed out after {COMPILE_TIMEOUT:.0f}s",
                    "timeout": True, "key": key}
        if proc.returncode == 0:
            os.replace(Path(work) / "model.vmfb", vmfb)
            return {"ok": True, "vmfb": str(vmfb), "key": key}
        log = proc.stderr if len(proc.stderr) < 40000 else proc.stderr[:20000] + "\n...\n" + proc.stderr[-20000:]
        _atomic_write(err, log)                    # the log; its telling line is picked on use
        return {"ok": False, "error": _error_line(log), "key": key}


# =============================================================================================
# stage 4: run and compare
# =============================================================================================

def _load_output(path: Path, spec: dict):
    """An output file as an array (raw .bin files reinterpreted with the reference's type)."""
    if spec["fmt"] == "npy":
        return np.load(path, allow_pickle=False)
    import ml_dtypes  # noqa: F401  (registers the dtypes)

    raw = path.read_bytes()
    count = int(np.prod(spec["shape"], dtype=np.int64))
    expected = raw_byte_length(spec["dtype"], count)
    if len(raw) != expected:
        raise ValueError(f"{len(raw)} bytes, expected {expected}")
    dtype = np.dtype(getattr(ml_dtypes, spec["dtype"]))
    _, bits, kind = _RAW_DTYPES[spec["dtype"]]
    if bits < 8:
        return _unpack_subbyte(raw, bits, kind, dtype, count).reshape(spec["shape"])
    return np.frombuffer(raw, dtype).reshape(spec["shape"])


def _load_reference(case_dir: Path, spec: dict):
    return _load_output(case_dir / spec["file"], spec)


def _is_float(dtype: np.dtype) -> bool:
    return dtype.kind == "f" or (dtype.name in _RAW_DTYPES and _RAW_DTYPES[dtype.name][2] == "f")


def compare_array(actual: np.ndarray, expected: np.ndarray, demoted: bool = False) -> str | None:
    """None when `actual` matches the reference, else why not."""
    if actual.shape != expected.shape:
        return f"shape {list(actual.shape)} != expected {list(expected.shape)}"
    if (actual.dtype.kind in "iu" and expected.dtype.kind in "iu" and actual.dtype != expected.dtype
            and actual.dtype.itemsize == expected.dtype.itemsize):
        # IREE's integers are signless: its npy writer says `<i4` for a ui32 result
        actual = actual.view(expected.dtype)
    if actual.dtype != expected.dtype and not (
            demoted and expected.dtype == np.float64 and actual.dtype == np.float32):
        return f"element type {actual.dtype} != expected {expected.dtype}"
    if _is_float(expected.dtype):
        a, e = actual.astype(np.float64), expected.astype(np.float64)
        with np.errstate(all="ignore"):
            ok = np.isclose(a, e, rtol=RTOL, atol=ATOL, equal_nan=True)
            if ok.all():
                return None
            bad = ~ok
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            finite = bad & np.isfinite(a) & np.isfinite(e)
            abs_err = float(np.max(np.abs(a - e)[finite])) if finite.any() else float("nan")
            rel_err = (float(np.max((np.abs(a - e) / np.maximum(np.abs(e), 1e-30))[finite]))
                       if finite.any() else float("nan"))
        return (f"{int(bad.sum())}/{bad.size} elements differ; max abs err {abs_err:.3g}, max rel err "
                f"{rel_err:.3g}; first at {list(first)}: {a[first]!r} vs expected {e[first]!r}")
    a, e = actual, expected
    if a.dtype.name in _RAW_DTYPES:
        a, e = a.astype(np.int64), e.astype(np.int64)
    if np.array_equal(a, e):
        return None
    bad = a != e
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    return (f"{int(bad.sum())}/{bad.size} elements differ; first at {list(first)}: "
            f"{a[first]!r} vs expected {e[first]!r}")


def _same_arrays(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if _is_float(a.dtype):
        x, y = a.astype(np.float64), b.astype(np.float64)
        return bool(np.all((x == y) | (np.isnan(x) & np.isnan(y))))
    return bool(np.array_equal(a, b))


def compare_outputs(out_paths: list[Path], case_dir: Path, entry: dict, demoted: bool) -> tuple[str, str]:
    """("pass", "") or ("wrong", reason) against ONNX's reference outputs."""
    for j, (path, spec) in enumerate(zip(out_paths, entry["outputs"])):
        if not path.exists():
            return "wrong", f"output {j} was not written"
        try:
            actual = _load_output(path, spec)
        except ValueError as exc:
            return "wrong", f"output {j}: {exc}"
        reason = compare_array(actual, _load_reference(case_dir, spec), demoted)
        if reason:
            return "wrong", f"output {j}: {reason}"
    return "pass", ""


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
        return {"status": "crash", "detail": f"killed by {name}: {_iree_error_line(proc.stderr)}"}
    if proc.returncode != 0:
        return {"status": "error", "detail": _iree_error_line(proc.stderr or proc.stdout)}
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
        return ("crash", f"uncaught {type(exc).__name__}: {_first_line(str(exc), 200)} ({where})",
                time.monotonic() - start)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    elapsed = time.monotonic() - start
    if rc != 0:
        return "error", _first_line(err.getvalue() or out.getvalue()), elapsed
    return None, "", elapsed


def run_vmvxjit(vmfb: str, function: str, entry: dict, demoted: bool, iree_out_dir: Path | None,
                progress=None) -> dict:
    """vmvxjit in this process through `vmvxjit.cli.main`, with a SIGALRM time limit.

    A run that times out with the default tier is repeated with `--tier=interp`, and that
    outcome is added to the reason: it tells a slow JIT from a wrong or hanging program."""
    case_dir = case_root() / "cases" / entry["name"]
    with tempfile.TemporaryDirectory(prefix="vmvxjit-conformance-") as work_name:
        work = Path(work_name)
        outs = _output_paths(entry, work)
        argv = ["run", vmfb, f"--function={function}",
                *(f"--input={a}" for a in _input_args(entry, case_dir, demoted, work)),
                *(f"--output=@{p}" for p in outs)]
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
        if iree_out_dir is not None:
            iree_outs = _output_paths(entry, iree_out_dir)
            try:
                result["same_as_iree"] = all(
                    _same_arrays(_load_output(a, spec), _load_output(b, spec))
                    for a, b, spec in zip(outs, iree_outs, entry["outputs"]))
            except (OSError, ValueError):
                result["same_as_iree"] = False
        return result


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
    iree_key = _sha("iree-run", compiled["key"], entry["digest"], function, demoted,
                    s["versions"]["iree-base-runtime"], RESULT_VERSION)
    iree_json = CACHE_ROOT / "runs" / "iree" / f"{iree_key}.json"
    iree_dir = CACHE_ROOT / "runs" / "iree" / iree_key
    iree = None if s["fresh"] else _read_json(iree_json)
    if iree is not None and iree["status"] == "pass" and not all(
            p.exists() for p in _output_paths(entry, iree_dir)):
        iree = None
    if iree is None:
        iree = run_iree(vmfb, function, entry, demoted, s, iree_dir)
        if iree["status"] != "timeout":
            _atomic_write(iree_json, json.dumps(iree))
    result["iree"] = iree

    if s["no_vmvxjit"]:
        return result
    progress("vmvxjit", result)
    vm_key = _sha("vmvxjit-run", compiled["key"], entry["digest"], function, demoted, s["vmvxjit"],
                  RESULT_VERSION, iree["status"])
    vm_json = CACHE_ROOT / "runs" / "vmvxjit" / f"{vm_key}.json"
    vm = None if s["fresh"] else _read_json(vm_json)
    if vm is None:
        vm = run_vmvxjit(vmfb, function, entry, demoted,
                         iree_dir if iree["status"] in ("pass", "wrong") else None, progress)
        if vm["status"] != "timeout":
            _atomic_write(vm_json, json.dumps(vm))
    result["vmvxjit"] = vm
    return result


# =============================================================================================
# worker processes
# =============================================================================================

def _execute(task: dict, s: dict, progress) -> dict:
    if task["kind"] == "import":
        progress("import")
        return {"case": task["entry"]["name"], "import": do_import(task["entry"], s)}
    return run_case(task, s, progress)


def _worker_main(conn, settings: dict) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent handles Ctrl-C
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return

        def progress(stage, partial=None):
            conn.send(("stage", stage, partial))
        try:
            result = _execute(task, settings, progress)
        except BaseException:
            result = {"harness_error": traceback.format_exc(limit=8)}
        conn.send(("done", result, None))


_STAGE_LIMITS = {"import": 2 * IMPORT_TIMEOUT, "compile": COMPILE_TIMEOUT, "iree": IREE_TIMEOUT,
                 "vmvxjit": VMVXJIT_TIMEOUT, "vmvxjit-interp": VMVXJIT_TIMEOUT}


class _Worker:
    def __init__(self, ctx, settings):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, settings), daemon=True)
        self.proc.start()
        child.close()
        self.task = None
        self.done = 0
        self.stage, self.partial, self.deadline = None, None, None

    def assign(self, task):
        self.task, self.stage, self.partial = task, "start", None
        self.deadline = time.monotonic() + 60 + HARD_GRACE
        self.conn.send(task)

    def kill(self):
        with contextlib.suppress(Exception):
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()

    def stop(self):
        with contextlib.suppress(Exception):
            self.conn.send(None)
        self.proc.join(10)
        if self.proc.is_alive():
            self.kill()


def _lost_result(task: dict, stage: str, partial: dict | None, why: str, status: str) -> dict:
    """What to report for a task whose worker was killed or died."""
    if task["kind"] == "import":
        return {"case": task["entry"]["name"], "import": {"ok": False, "error": f"importer {why}"}}
    result = dict(partial or {"case": task["entry"]["name"], "config": task["config"],
                              "op": task["entry"]["op"]})
    if stage.startswith("vmvxjit"):
        result["vmvxjit"] = {"status": status, "detail": f"vmvxjit {why}"
                             + (" (retrying with --tier=interp)" if stage != "vmvxjit" else "")}
    elif stage == "iree":
        result["compile"] = {"ok": True}
        result["iree"] = {"status": status, "detail": f"iree-run-module {why}"}
    else:
        result["compile"] = {"ok": False, "error": f"{stage}: {why}", "timeout": status == "timeout"}
    return result


def run_pool(tasks: list[dict], settings: dict, jobs: int, on_result, deadline: float | None) -> list[dict]:
    """Run tasks on `jobs` worker processes; returns the tasks not started (budget exhausted)."""
    ctx = multiprocessing.get_context("spawn")
    pending = list(reversed(tasks))
    workers: list[_Worker] = []
    try:
        while pending or any(w.task is not None for w in workers):
            # fill idle workers
            for i, w in enumerate(workers):
                if w.task is None and w.done >= TASKS_PER_WORKER:
                    w.stop()
                    workers[i] = _Worker(ctx, settings)
            while len(workers) < jobs and pending:
                workers.append(_Worker(ctx, settings))
            for w in workers:
                if w.task is None and pending and (deadline is None or time.monotonic() < deadline):
                    w.assign(pending.pop())
            busy = [w for w in workers if w.task is not None]
            if not busy:
                break
            ready = multiprocessing.connection.wait([w.conn for w in busy], timeout=1.0)
            now = time.monotonic()
            for i, w in enumerate(workers):
                if w.task is None:
                    continue
                if w.conn in ready:
                    try:
                        kind, payload, partial = w.conn.recv()
                    except (EOFError, OSError):
                        code = w.proc.exitcode
                        w.proc.join(5)
                        code = w.proc.exitcode if code is None else code
                        why = (f"worker died with signal {signal.Signals(-code).name}"
                               if code is not None and code < 0 else f"worker died (exit {code})")
                        on_result(_lost_result(w.task, w.stage, w.partial, why, "crash"))
                        w.kill()
                        workers[i] = _Worker(ctx, settings)
                        continue
                    if kind == "stage":
                        w.stage = payload
                        if partial is not None:
                            w.partial = partial
                        w.deadline = now + _STAGE_LIMITS.get(payload, 60) + HARD_GRACE
                    else:
                        task = w.task
                        w.task, w.done = None, w.done + 1
                        if "harness_error" in payload:
                            raise RuntimeError(f"harness error on {task['entry']['name']}:\n"
                                               f"{payload['harness_error']}")
                        on_result(payload)
                elif now > w.deadline:
                    on_result(_lost_result(w.task, w.stage, w.partial,
                                           f"killed after exceeding the {w.stage} time limit",
                                           "timeout"))
                    w.kill()
                    workers[i] = _Worker(ctx, settings)
    finally:
        for w in workers:
            if w.task is None:
                w.stop()
            else:
                w.kill()
    return list(reversed(pending))


# =============================================================================================
# the run and its scoreboard
# =============================================================================================

def _category(side: dict | None) -> str:
    if side is None:
        return "not run"
    return side["status"]


class Report:
    def __init__(self, index, selected, configs, imports, results, not_run, settings, elapsed, mode):
        self.index, self.selected, self.configs = index, selected, configs
        self.imports, self.results, self.not_run = imports, results, not_run
        self.settings, self.elapsed, self.mode = settings, elapsed, mode

    def rows(self, config: str):
        return [r for (case, cfg), r in sorted(self.results.items()) if cfg == config]

    @staticmethod
    def iree_passed(r) -> bool:
        return r.get("iree", {}).get("status") == "pass"

    @staticmethod
    def vmvxjit_passed(r) -> bool:
        return (r.get("vmvxjit") or {}).get("status") == "pass"

    def regressions(self, config: str | None = None) -> list[dict]:
        """Cases IREE passes and vmvxjit fails (the goal is none)."""
        return [r for (case, cfg), r in sorted(self.results.items())
                if (config is None or cfg == config) and self.iree_passed(r)
                and r.get("vmvxjit") is not None and not self.vmvxjit_passed(r)]

    def vmvxjit_only(self, config: str | None = None) -> list[dict]:
        return [r for (case, cfg), r in sorted(self.results.items())
                if (config is None or cfg == config) and not self.iree_passed(r)
                and self.vmvxjit_passed(r)]

    def counts(self, config: str) -> dict:
        runnable = [e for e in self.selected if not e["skip"]]
        imported = [e for e in runnable if self.imports.get(e["name"], {}).get("ok")]
        rows = self.rows(config)
        return {
            "cases": len(self.selected),
            "runnable": len(runnable),
            "imported": len(imported),
            "compiled": sum(1 for r in rows if r.get("compile", {}).get("ok")),
            "iree": sum(1 for r in rows if self.iree_passed(r)),
            "vmvxjit": sum(1 for r in rows if self.vmvxjit_passed(r)),
            "both": sum(1 for r in rows if self.iree_passed(r) and self.vmvxjit_passed(r)),
            "regressions": len(self.regressions(config)),
            "vmvxjit_only": len(self.vmvxjit_only(config)),
            "not_run": sum(1 for t in self.not_run if t.get("config") == config),
        }

    def summary(self) -> str:
        lines = [f"{'configuration':<13} {'cases':>6} {'import':>7} {'compile':>8} {'IREE':>6} "
                 f"{'vmvxjit':>8} {'both':>6} {'IREE-only':>10} {'vmvxjit-only':>13}"]
        for config in self.configs:
            c = self.counts(config)
            lines.append(f"{config:<13} {c['cases']:>6} {c['imported']:>7} {c['compiled']:>8} "
                         f"{c['iree']:>6} {c['vmvxjit']:>8} {c['both']:>6} {c['regressions']:>10} "
                         f"{c['vmvxjit_only']:>13}")
        for r in self.regressions():
            lines.append(f"  IREE passes, vmvxjit fails: {r['config']} {r['case']}: "
                         f"{r['vmvxjit']['status']}: {r['vmvxjit']['detail']}")
        return "\n".join(lines)

    def markdown(self, command: str) -> str:
        v = self.settings["versions"]
        skipped = Counter(e["skip"] for e in self.selected if e["skip"])
        out = ["# ONNX conformance scoreboard", "",
               "<!-- Written by tests/conformance/harness.py; do not edit by hand. -->", "",
               "The ONNX backend node tests (`onnx.backend.test.case.node.collect_testcases`: one "
               "model per operator case, with inputs and reference outputs), imported with "
               "`iree-import-onnx`, compiled with `iree-compile` in four inline configurations and "
               "run with IREE's `iree-run-module` and with vmvxjit. Each result is compared with "
               f"ONNX's reference outputs (floats: rtol {RTOL:g}, atol {ATOL:g}, NaN equals NaN; "
               "integers and booleans exactly; shapes and element types exactly, except that an "
               "integer result of the right width compares by its bits, since IREE's integers are "
               "signless and its npy writer labels a `ui8` result `int8`).", "",
               f"- Command: `{command}` ({self.mode}; this run took {_duration(self.elapsed)} "
               f"with {self.settings['jobs']} workers, using the caches). {COST_NOTE}",
               "- vmvxjit runs in-process (`vmvxjit.cli.main`, default tier `auto`) with a "
               f"{VMVXJIT_TIMEOUT:.0f} s limit; a run that times out is repeated with "
               "`--tier=interp` and the outcome added to the reason.",
               f"- Generated: {datetime.date.today().isoformat()}; onnx {v['onnx']}, "
               f"iree-base-compiler {v['iree-base-compiler']}, iree-base-runtime "
               f"{v['iree-base-runtime']}, vmvxjit at git `{self.settings['git']}` "
               f"(source digest `{self.settings['vmvxjit']}`)",
               f"- Cases: {len(self.index)} in onnx {v['onnx']}; {len(self.selected)} selected; "
               f"{sum(skipped.values())} have inputs or outputs iree-run-module cannot pass "
               f"({', '.join(f'{n} {k}' for k, n in skipped.most_common())}) and are not run.",
               "- Configurations (each plus `--iree-torch-emit-async-entry-points=false`; programs "
               "using f64 keep it with `--iree-input-demote-f64-to-f32=false "
               "--iree-vm-target-extension-f64`, falling back to demotion when that does not "
               "compile):", ""]
        for config in self.configs:
            out.append(f"  - `{config}`: `{' '.join(CONFIGS[config])}`")
        if self.not_run:
            out += ["", f"**Incomplete:** {len(self.not_run)} (case, configuration) pairs were not "
                        "run within the time budget; rerun the command to resume."]
        out += ["", "## Scoreboard", "",
                "| configuration | cases | runnable | imported | compiled | passed by IREE | "
                "passed by vmvxjit | passed by both | IREE passes, vmvxjit fails | "
                "vmvxjit passes, IREE fails |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for config in self.configs:
            c = self.counts(config)
            out.append(f"| {config} | {c['cases']} | {c['runnable']} | {c['imported']} | "
                       f"{c['compiled']} | {c['iree']} | {c['vmvxjit']} | {c['both']} | "
                       f"{c['regressions']} | {c['vmvxjit_only']} |")

        out += ["", "## IREE passes, vmvxjit fails", "", "The goal is none.", ""]
        regressions = self.regressions()
        if not regressions:
            out.append("None.")
        for config in self.configs:
            rows = self.regressions(config)
            if rows:
                out += [f"### {config} ({len(rows)})", "", "| case | vmvxjit | reason |",
                        "|---|---|---|"]
                out += [f"| `{r['case']}` | {r['vmvxjit']['status']} | {_md(r['vmvxjit']['detail'])} |"
                        for r in rows]
                out.append("")

        out += ["", "## vmvxjit passes, IREE fails", ""]
        if not self.vmvxjit_only():
            out.append("None.")
        for config in self.configs:
            rows = self.vmvxjit_only(config)
            if rows:
                out += [f"### {config} ({len(rows)})", "", "| case | IREE | reason |", "|---|---|---|"]
                out += [f"| `{r['case']}` | {r['iree']['status']} | {_md(r['iree']['detail'])} |"
                        for r in rows]
                out.append("")

        out += ["", "## Where the other cases stop", "",
                "Per configuration: compile failures, and IREE's own failures (run errors, wrong "
                "results against the reference, timeouts, crashes); vmvxjit's outcome on the "
                "cases IREE fails.", "",
                "| configuration | import failed | compile failed | IREE run failed | IREE wrong | "
                "IREE timeout/crash | vmvxjit agrees with IREE's wrong output |",
                "|---|---:|---:|---:|---:|---:|---:|"]
        import_failed = sum(1 for e in self.selected if not e["skip"]
                            and not self.imports.get(e["name"], {}).get("ok"))
        for config in self.configs:
            rows = self.rows(config)
            comp = sum(1 for r in rows if not r.get("compile", {}).get("ok"))
            ist = Counter(_category(r.get("iree")) for r in rows if r.get("compile", {}).get("ok"))
            same = sum(1 for r in rows if _category(r.get("iree")) == "wrong"
                       and (r.get("vmvxjit") or {}).get("same_as_iree"))
            out.append(f"| {config} | {import_failed} | {comp} | {ist['error']} | {ist['wrong']} | "
                       f"{ist['timeout'] + ist['crash']} | {same} of {ist['wrong']} |")

        out += ["", "### Most common reasons", "",
                "Failures of (case, configuration) pairs grouped by message, with numbers and SSA "
                "names normalised.", ""]
        reasons: dict[tuple[str, str], Counter] = defaultdict(Counter)
        for e in self.selected:
            imp = self.imports.get(e["name"])
            if imp is not None and not imp.get("ok"):
                reasons[("import", _normalise(imp["error"]))]["all"] += 1
        for (case, config), r in self.results.items():
            if not r.get("compile", {}).get("ok"):
                reasons[("compile", _normalise(r["compile"]["error"]))][config] += 1
            elif r.get("iree", {}).get("status") in ("error", "crash", "timeout"):
                reasons[("IREE run", _normalise(r["iree"]["detail"]))][config] += 1
        out += ["| stage | count | configurations | reason |", "|---|---:|---|---|"]
        ranked = sorted(reasons.items(), key=lambda kv: -sum(kv[1].values()))
        for (stage, reason), per_config in ranked[:50]:
            where = ", ".join(f"{c} {n}" for c, n in sorted(per_config.items()))
            out.append(f"| {stage} | {sum(per_config.values())} | {where} | {_md(reason)} |")
        if len(ranked) > 50:
            out.append(f"| ... | {sum(sum(c.values()) for _, c in ranked[50:])} | | "
                       f"{len(ranked) - 50} other messages |")
        out += ["", "## Reproduce", "",
                "```sh",
                "pip install -e '.[test]'                               # includes onnx",
                "python -m tests.conformance.harness --full --jobs 2     # rewrites this file",
                f"python -m tests.conformance.harness --sample {SAMPLE_STRIDE}               "
                "# the CI sample (tests/conformance/test_onnx_sample.py)",
                "python -m tests.conformance.harness --cases test_gemm_default_single_elem_vector_bias"
                " --config static -v",
                "```", "",
                f"Caches live in `{CACHE_ROOT.relative_to(REPO_ROOT) if CACHE_ROOT.is_relative_to(REPO_ROOT) else CACHE_ROOT}/` "
                "(cases per onnx version, imports and modules by content, IREE results by module "
                "and inputs, vmvxjit results additionally by a digest of vmvxjit's sources); "
                "`--budget SECONDS` bounds a run and a rerun resumes.", ""]
        return "\n".join(out)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def _md(text: str) -> str:
    text = text.replace("|", "\\|").replace("\n", " ").replace("`", "'")
    return text if len(text) <= 400 else text[:400] + "..."


def _normalise(text: str) -> str:
    text = re.sub(r"%[\w#]+", "%x", text)
    text = re.sub(r"\d+", "N", text)
    return text[:240]


def make_settings(jobs: int, fresh: bool = False, no_vmvxjit: bool = False) -> dict:
    return {"tools": tool_paths(), "versions": versions(), "vmvxjit": vmvxjit_digest(),
            "git": _git_head(), "jobs": jobs, "fresh": fresh, "no_vmvxjit": no_vmvxjit}


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
    _atomic_write(path, json.dumps({
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
    parser = argparse.ArgumentParser(prog="python -m tests.conformance.harness",
                                     description=__doc__.split("\n\n")[0])
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
    command = "python -m tests.conformance.harness " + " ".join(
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


if __name__ == "__main__":
    sys.exit(main())
