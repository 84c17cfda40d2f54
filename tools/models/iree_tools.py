"""Where IREE's tools are: the native binaries inside the pip wheels, not their Python wrappers.

The wrappers (`iree-compile`, `iree-run-module` on PATH) start a Python interpreter before the
tool, which would be counted in every timing. Each path can be overridden by an environment
variable (IREE_COMPILE, IREE_IMPORT_ONNX, IREE_RUN_MODULE, IREE_BENCHMARK_MODULE).
"""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path


def _wheel_binary(package: str, subdir: str, name: str) -> str | None:
    try:
        module = __import__(package, fromlist=["__file__"])
    except ImportError:
        return None
    path = Path(module.__file__).parent / subdir / name
    return str(path) if path.exists() else None


@functools.cache
def paths() -> dict[str, str | None]:
    """Tool name -> executable (None when missing)."""
    found = {
        "iree-compile": _wheel_binary("iree.compiler", "_mlir_libs", "iree-compile"),
        "iree-import-onnx": None,
        "iree-run-module": _wheel_binary("iree._runtime_libs", "", "iree-run-module"),
        "iree-benchmark-module": _wheel_binary("iree._runtime_libs", "", "iree-benchmark-module"),
    }
    for name, native in found.items():
        override = os.environ.get(name.upper().replace("-", "_"))
        found[name] = override or native or shutil.which(name)
    return found


def missing() -> list[str]:
    return [name for name, path in paths().items() if path is None]
