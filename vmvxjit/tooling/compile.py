"""From MLIR or ONNX to a `.vmfb` vmvxjit runs: IREE's compiler with the flags each inline
configuration needs (`vmvxjit.compile`, `python -m vmvxjit compile`).

ONNX files are imported with `iree-import-onnx --opset-version 17` first. Every compile
gets MODEL_FLAGS: without them IREE 3.13's inline modes fail in `__init` with a null
reference on real models (in IREE's runtime and vmvxjit alike), and constant evaluation at
compile time is off so compiling stays fast. llvm-cpu code is built for this machine's CPU.
The compiler is an optional extra: `pip install 'vmvxjit[compiler]'`.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from vmvxjit.errors import FailedPreconditionError, InvalidArgumentError

# (execution model, target backend) -> iree-compile flags; the first target is the default.
CONFIGURATIONS = {
    ("inline-static", "vmvx-inline"): ["--iree-execution-model=inline-static",
                                       "--iree-hal-target-backends=vmvx-inline"],
    ("inline-dynamic", "llvm-cpu"): ["--iree-execution-model=inline-dynamic",
                                     "--iree-hal-target-backends=llvm-cpu",
                                     "--iree-llvmcpu-target-cpu=host"],
    ("inline-dynamic", "vmvx"): ["--iree-execution-model=inline-dynamic",
                                 "--iree-hal-target-backends=vmvx"],
}
MODEL_FLAGS = ["--iree-torch-emit-async-entry-points=false",
               "--iree-flow-inline-constants-max-byte-length=1000000000",
               "--iree-opt-const-eval=false"]
IMPORT_FLAGS = ["--opset-version", "17"]
_INSTALL = "pip install 'vmvxjit[compiler]'"


def compile_flags(model: str = "inline-static", target: str | None = None) -> list[str]:
    """iree-compile's flags for execution `model` and `target` (default: the model's first)."""
    targets = [t for m, t in CONFIGURATIONS if m == model]
    if not targets:
        raise InvalidArgumentError(
            f"unknown execution model '{model}'; vmvxjit runs {', '.join(sorted({m for m, _ in CONFIGURATIONS}))}")
    target = target or targets[0]
    if (model, target) not in CONFIGURATIONS:
        raise InvalidArgumentError(f"target '{target}' is not one of {model}'s: {', '.join(targets)}")
    return CONFIGURATIONS[(model, target)] + MODEL_FLAGS


def compile_file(source, output: Path, model: str = "inline-static", target: str | None = None,
                 extra_flags: tuple = ()) -> Path:
    """Compiles `source` (MLIR text, or the path of a `.mlir` or `.onnx` file) to `output`."""
    flags = compile_flags(model, target) + list(extra_flags)
    with tempfile.TemporaryDirectory(prefix="vmvxjit-compile-") as work:
        mlir = _mlir_path(source, Path(work))
        _run([_compiler(), *flags, str(mlir), "-o", str(output)], "iree-compile")
    return Path(output)


def _mlir_path(source, work: Path) -> Path:
    """The MLIR file to compile: the file `source` names, its import (ONNX), or `source`
    itself, MLIR text (more than one line, or an op), written out."""
    if _is_mlir_text(source):
        path = work / "source.mlir"
        path.write_text(source)
        return path
    path = Path(source)
    if not path.exists():
        raise InvalidArgumentError(f"'{source}' is neither MLIR text nor an existing .mlir/.onnx file")
    if path.suffix == ".onnx":
        imported = work / "imported.mlir"
        _run([*_importer(), str(path), *IMPORT_FLAGS, "-o", str(imported)], "iree-import-onnx")
        return imported
    return path


def _is_mlir_text(source) -> bool:
    """Whether `source` is MLIR text rather than a file's path (a path has one line and
    no braces; `module.mlir` is a path)."""
    return isinstance(source, str) and ("\n" in source.strip() or "{" in source)


def _compiler() -> str:
    from vmvxjit.tooling.iree_tools import tool_path

    path = tool_path("iree-compile")
    if path is None:
        raise FailedPreconditionError(f"iree-compile is not installed; {_INSTALL}")
    return path


def _importer() -> list[str]:
    try:
        import iree.compiler.tools.import_onnx  # noqa: F401  (the wheel's importer, and onnx)
        import onnx  # noqa: F401
    except ImportError:
        raise FailedPreconditionError(f"importing ONNX needs iree-base-compiler and onnx; {_INSTALL}") from None
    return [sys.executable, "-m", "iree.compiler.tools.import_onnx"]


def _run(cmd: list[str], what: str) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise InvalidArgumentError(f"{what} failed: {detail[-2000:]}")
