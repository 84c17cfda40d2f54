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

from vmvxjit.tooling.compile import CONFIGURATIONS, IMPORT_FLAGS  # noqa: F401 (IMPORT_FLAGS: build.py)
from vmvxjit.tooling.compile import MODEL_FLAGS as COMMON_FLAGS

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_ROOT = Path(os.environ.get("VMVXJIT_MODELS_CACHE", REPO_ROOT / ".cache" / "models"))
DOC_PATH = REPO_ROOT / "docs" / "models.md"

MODELS = ["alexnet", "densenet121", "inception_v1", "inception_v2", "resnet50", "shufflenet",
          "squeezenet", "vgg19", "zfnet512"]
_FILE_STEMS = {"alexnet": "bvlc_alexnet"}             # onnx's name where it differs from ours

# The package's flags for each inline configuration (vmvxjit/tooling/compile.py), named as the
# scoreboard names them; dyn-vmvx without microkernels: with them IREE 3.13's compiler rejects
# these models.
CONFIGS = {
    "static": CONFIGURATIONS[("inline-static", "vmvx-inline")],
    "dyn-llvm": CONFIGURATIONS[("inline-dynamic", "llvm-cpu")],
    "dyn-vmvx": CONFIGURATIONS[("inline-dynamic", "vmvx")],
}


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
