"""What the models suite runs: the nine light ONNX models, three IREE configurations, and where
everything is cached.

Models come from the installed `onnx` wheel (`onnx/backend/test/data/light/`); their tolerances are
the ones onnx's own backend runner uses for them (`data/real/test_<name>/data.json`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_ROOT = Path(os.environ.get("VMVXJIT_MODELS_CACHE", REPO_ROOT / ".cache" / "models"))
DOC_PATH = REPO_ROOT / "docs" / "models.md"

MODELS = ["alexnet", "densenet121", "inception_v1", "inception_v2", "resnet50", "shufflenet",
          "squeezenet", "vgg19", "zfnet512"]
_FILE_STEMS = {"alexnet": "bvlc_alexnet"}             # onnx's name where it differs from ours

# Without these, IREE 3.13's inline modes fail in `__init` with a null ref (IREE's runtime and
# vmvxjit alike); const-eval off so compile times are the compiler's own.
COMMON_FLAGS = ["--iree-torch-emit-async-entry-points=false",
                "--iree-flow-inline-constants-max-byte-length=1000000000",
                "--iree-opt-const-eval=false"]
CONFIGS = {
    "static": ["--iree-execution-model=inline-static", "--iree-hal-target-backends=vmvx-inline"],
    "dyn-llvm": ["--iree-execution-model=inline-dynamic", "--iree-hal-target-backends=llvm-cpu",
                 "--iree-llvmcpu-target-cpu=host"],
    # without microkernels: with them IREE 3.13's compiler rejects these models
    "dyn-vmvx": ["--iree-execution-model=inline-dynamic", "--iree-hal-target-backends=vmvx"],
}
IMPORT_FLAGS = ["--opset-version", "17"]


@dataclass(frozen=True)
class Model:
    name: str
    onnx_path: Path
    expected_paths: list[Path]
    rtol: float
    atol: float


def onnx_data_dir() -> Path:
    import onnx
    return Path(onnx.__file__).parent / "backend" / "test" / "data"


def model(name: str) -> Model:
    """The catalog entry for `name` (one of MODELS)."""
    stem = _FILE_STEMS.get(name, name)
    data = onnx_data_dir()
    light = data / "light"
    expected = sorted(light.glob(f"light_{stem}_output_*.pb"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))
    spec = json.loads((data / "real" / f"test_{stem}" / "data.json").read_text())
    return Model(name, light / f"light_{stem}.onnx", expected, spec["rtol"], spec["atol"])


def compile_flags(config: str) -> list[str]:
    return CONFIGS[config] + COMMON_FLAGS


def parse_list(text: str | None, known: list[str], what: str) -> list[str]:
    """A comma-separated selection, checked against `known` (all of them when empty)."""
    if not text or text == "all":
        return list(known)
    chosen = [item.strip() for item in text.split(",") if item.strip()]
    unknown = [item for item in chosen if item not in known]
    if unknown:
        raise SystemExit(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(known)})")
    return chosen
