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


def import_model(prepared: Prepared) -> Imported:
    """The MLIR of `prepared` and its entry function."""
    source = prepared.onnx_path.read_bytes()
    key = _key(hashlib.sha256(source).hexdigest(), catalog.IMPORT_FLAGS)
    mlir = catalog.CACHE_ROOT / "imports" / f"{key}.mlir"
    if not mlir.exists():
        result = _produce(mlir, [iree_tools.paths()["iree-import-onnx"], str(prepared.onnx_path),
                                 *catalog.IMPORT_FLAGS, "-o", "out"], IMPORT_TIMEOUT,
                          "iree-import-onnx")
        if not result.ok:
            raise BuildError(f"iree-import-onnx failed: {error_line(result.stderr + result.stdout)}")
    with open(mlir) as f:                   # the entry is declared near the top of a huge file
        head = f.read(1 << 20)
    function = main_function(head)
    if function is None:
        raise BuildError("no public func.func in the imported MLIR")
    return Imported(mlir, function)


def compile_model(imported: Imported, config: str, timeout: float) -> Built:
    """The `.vmfb` of `imported` in `config` (compiled once, then cached)."""
    flags = catalog.compile_flags(config)
    mlir_key = imported.mlir.stem                        # the import's own content key
    key = _key(mlir_key, flags)
    modules = catalog.CACHE_ROOT / "modules"
    vmfb, stats, err = (modules / f"{key}{ext}" for ext in (".vmfb", ".json", ".err"))
    if err.exists():
        raise BuildError(f"iree-compile failed: {error_line(err.read_text())}")
    if not stats.exists():                               # written last: the module is complete
        result = _produce(vmfb, [iree_tools.paths()["iree-compile"], *flags, str(imported.mlir),
                                 "-o", "out"], timeout, "iree-compile")
        if not result.ok:
            atomic_write(err, result.stderr[-40000:])
            raise BuildError(f"iree-compile failed: {error_line(result.stderr)}")
        atomic_write(stats, json.dumps({"wall": result.wall, "cpu": result.cpu}))
    recorded = json.loads(stats.read_text())
    return Built(vmfb, key, imported.function, recorded["wall"], recorded["cpu"])
