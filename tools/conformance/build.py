"""Stages 2 and 3: `iree-import-onnx` and `iree-compile`, cached by content."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from tools.common.files import atomic_write
from tools.common.logs import error_line
from tools.common.mlir import main_function
from tools.conformance.cases import case_root
from tools.conformance.config import (CACHE_ROOT, COMPILE_TIMEOUT, IMPORT_MIN_OPSET,
                                      IMPORT_TIMEOUT, sha)

# stage 2: import
# =============================================================================================





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
        key = sha("import", entry["digest"], args, s["versions"]["iree-base-compiler"])
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
                    atomic_write(mlir_path, out.read_bytes())
                else:
                    atomic_write(err_path, proc.stderr + proc.stdout)
        if mlir_path.exists():
            text = mlir_path.read_text()
            function = main_function(text)
            if function is None:
                errors.append("no public func.func in the imported MLIR")
                continue
            return {"ok": True, "mlir": str(mlir_path), "key": key, "function": function,
                    "f64": bool(re.search(r"\bf64\b", text)), "variant": variant}
        errors.append(error_line(err_path.read_text()))
    return {"ok": False, "error": errors[-1] if errors else "import failed"}



def compile_module(mlir_path: str, flags: list[str], s: dict) -> dict:
    """{"ok", "vmfb", "key"} or {"ok": False, "error", "timeout"?}; cached by content."""
    source = Path(mlir_path).read_text()
    key = sha("compile", source, flags, s["versions"]["iree-base-compiler"])
    vmfb = CACHE_ROOT / "modules" / f"{key}.vmfb"
    err = CACHE_ROOT / "modules" / f"{key}.err"
    if vmfb.exists():
        return {"ok": True, "vmfb": str(vmfb), "key": key}
    if err.exists():
        return {"ok": False, "error": error_line(err.read_text()), "key": key}
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
        atomic_write(err, log)                    # the log; its telling line is picked on use
        return {"ok": False, "error": error_line(log), "key": key}


# =============================================================================================
