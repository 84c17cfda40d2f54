"""Where the harness keeps its files, the configurations it compiles for, its limits, and the
tools and versions a run records.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np

from tools.common.logs import first_line


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
RESULT_VERSION = 3            # bump when running or comparison rules change
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
NPY_DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
               "float16", "float32", "float64"}
# other element types: ml_dtypes name -> (IREE element type, bits, kind)
RAW_DTYPES = {
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



def sha(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _file_sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()




def read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None






def iree_error_line(text: str, limit: int = 300) -> str:
    line = first_line(text, 10 ** 6)
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


def dist_version(name: str) -> str:
    from importlib import metadata
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "none"


def versions() -> dict[str, str]:
    return {"onnx": dist_version("onnx"), "iree-base-compiler": dist_version("iree-base-compiler"),
            "iree-base-runtime": dist_version("iree-base-runtime"),
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


def git_head() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT,
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


# =============================================================================================
