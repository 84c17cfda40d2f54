"""Import (`iree-import-onnx`) and compile (`iree-compile`) a prepared model, cached by content.

Artifacts live under `.cache/models/imports/` and `.cache/models/modules/`, named by the sha256
of (input, flags, compiler version) and written by atomic rename, as tests/support/modules.py
does for test programs. Each compile's wall and CPU time is stored beside its `.vmfb`
(`<key>.json`), so a cached module still reports what building it cost. A failed compile is
cached too (`<key>.err`); a timed-out one is not.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.modules import compiler_version
from tools.common.files import atomic_write
from tools.common.logs import error_line
from tools.common.mlir import main_function
from tools.models import catalog, iree_tools, process
from tools.models.prepare import Prepared

IMPORT_TIMEOUT = 600.0


class BuildError(RuntimeError):
    """The import or compile failed or timed out; the message says which and why."""


@dataclass(frozen=True)
class Imported:
    mlir: Path
    function: str


@dataclass(frozen=True)
class Built:
    vmfb: Path
    key: str
    function: str
    compile_wall: float
    compile_cpu: float


def _key(*parts) -> str:
    return hashlib.sha256(json.dumps([*parts, compiler_version()]).encode()).hexdigest()


def _produce(target: Path, cmd: list[str], timeout: float, what: str) -> process.Run:
    """Runs `cmd`, which writes `out` in a scratch directory beside `target`, and renames that
    output to `target` when the command succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".work-") as work:
        result = process.run(cmd, timeout, cwd=work)
        if result.timed_out:
            raise BuildError(f"{what} timed out after {timeout:.0f} s")
        if result.ok:
            os.replace(Path(work) / "out", target)
        return result


def _import_path(prepared: Prepared) -> Path:
    key = _key(hashlib.sha256(prepared.onnx_path.read_bytes()).hexdigest(), catalog.IMPORT_FLAGS)
    return catalog.CACHE_ROOT / "imports" / f"{key}.mlir"


def import_model(prepared: Prepared) -> Imported:
    """The MLIR of `prepared` and its entry function."""
    mlir = _import_path(prepared)
    if not mlir.exists():
        result = _produce(mlir, [iree_tools.paths()["iree-import-onnx"], str(prepared.onnx_path),
                                 *catalog.IMPORT_FLAGS, "-o", "out"], IMPORT_TIMEOUT,
                          "iree-import-onnx")
        if not result.ok:
            raise BuildError(f"iree-import-onnx failed: {error_line(result.stderr + result.stdout)}")
    return _imported(mlir)


def _imported(mlir: Path) -> Imported:
    with open(mlir) as f:                   # the entry is declared near the top of a huge file
        head = f.read(1 << 20)
    function = main_function(head)
    if function is None:
        raise BuildError("no public func.func in the imported MLIR")
    return Imported(mlir, function)


def _module_paths(mlir: Path, config: str) -> tuple[str, Path, Path, Path]:
    """The module's key and its `.vmfb`, `.json` (build times) and `.err` paths."""
    key = _key(mlir.stem, catalog.compile_flags(config))     # the import's own content key
    modules = catalog.CACHE_ROOT / "modules"
    return (key, *(modules / f"{key}{ext}" for ext in (".vmfb", ".json", ".err")))


def compile_model(imported: Imported, config: str, timeout: float) -> Built:
    """The `.vmfb` of `imported` in `config` (compiled once, then cached)."""
    key, vmfb, stats, err = _module_paths(imported.mlir, config)
    if err.exists():
        raise BuildError(f"iree-compile failed: {error_line(err.read_text())}")
    if not stats.exists():                               # written last: the module is complete
        result = _produce(vmfb, [iree_tools.paths()["iree-compile"], *catalog.compile_flags(config),
                                 str(imported.mlir), "-o", "out"], timeout, "iree-compile")
        if not result.ok:
            atomic_write(err, result.stderr[-40000:])
            raise BuildError(f"iree-compile failed: {error_line(result.stderr)}")
        atomic_write(stats, json.dumps({"wall": result.wall, "cpu": result.cpu}))
    return _built(key, vmfb, stats, imported.function)


def already_built(prepared: Prepared, config: str) -> Built | None:
    """The module `compile_model` built for `prepared` in `config`, or None when it has not
    been built; runs no tool (the benchmarks use it, and leave building to the suite)."""
    mlir = _import_path(prepared)
    if not mlir.exists():
        return None
    key, vmfb, stats, _ = _module_paths(mlir, config)
    return _built(key, vmfb, stats, _imported(mlir).function) if stats.exists() else None


def _built(key: str, vmfb: Path, stats: Path, function: str) -> Built:
    recorded = json.loads(stats.read_text())
    return Built(vmfb, key, function, recorded["wall"], recorded["cpu"])
