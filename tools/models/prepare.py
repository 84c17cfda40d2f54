"""Prepare a light ONNX model as onnx's backend runner does, cached under `.cache/models/prepared/`.

The graph inputs that are initializers are dropped (they are weights, not arguments), the IR
version is raised to at least 7, each remaining input is `arange(n).reshape(shape) / n` as
float32 (onnx's `generate_dummy_data(random=False)`: the division in float64, then rounded),
and the expected outputs are onnx's `light_<name>_output_<i>.pb`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tools.models import catalog

MIN_IR_VERSION = 7


@dataclass(frozen=True)
class Prepared:
    name: str
    directory: Path
    inputs: list[Path]
    expected: list[Path]

    @property
    def onnx_path(self) -> Path:
        return self.directory / "model.onnx"


def dummy_input(value_info) -> np.ndarray:
    """onnx's deterministic input for a graph input (unknown dims are 1)."""
    shape = tuple(d.dim_value if d.HasField("dim_value") else 1
                  for d in value_info.type.tensor_type.shape.dim)
    n = int(np.prod(shape))
    return (np.arange(n).reshape(shape) / n).astype(np.float32)


def _write(directory: Path, entry: catalog.Model) -> None:
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(entry.onnx_path))
    weights = {init.name for init in model.graph.initializer}
    arguments = [value for value in model.graph.input if value.name not in weights]
    del model.graph.input[:]
    model.graph.input.extend(arguments)
    model.ir_version = max(model.ir_version, MIN_IR_VERSION)
    onnx.save(model, str(directory / "model.onnx"))
    for i, value in enumerate(arguments):
        np.save(directory / f"in_{i}.npy", dummy_input(value))
    for i, path in enumerate(entry.expected_paths):
        tensor = onnx.TensorProto()
        tensor.ParseFromString(path.read_bytes())
        np.save(directory / f"expected_{i}.npy", numpy_helper.to_array(tensor))


def prepare(name: str) -> Prepared:
    """The prepared model `name` (written once per content of its onnx files)."""
    entry = catalog.model(name)
    digest = hashlib.sha256(entry.onnx_path.read_bytes())
    for path in entry.expected_paths:
        digest.update(path.read_bytes())
    directory = catalog.CACHE_ROOT / "prepared" / f"{name}-{digest.hexdigest()[:16]}"
    if not directory.exists():
        directory.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=directory.parent, prefix=".prepare-"))
        _write(work, entry)
        try:
            os.rename(work, directory)
        except OSError:                    # another process prepared it first
            shutil.rmtree(work, ignore_errors=True)
            if not directory.exists():
                raise
    return Prepared(name, directory, _numbered(directory, "in"), _numbered(directory, "expected"))


def _numbered(directory: Path, stem: str) -> list[Path]:
    return sorted(directory.glob(f"{stem}_*.npy"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))
