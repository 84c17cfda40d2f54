"""The saved results (`.cache/models/results.json`): one record per model and configuration.

A run replaces, per record, only the sections it measured ("compile", "iree", "vmvxjit"), so
partial runs (`--models squeezenet --configs static`, `--no-vmvxjit`) merge into what earlier
runs measured, and the scoreboard can be re-rendered without measuring anything.
"""

from __future__ import annotations

import json
import os
import tempfile

from tools.models import catalog

PATH = catalog.CACHE_ROOT / "results.json"


def load() -> dict:
    """{"meta": {...} of the last run, "records": {"model/config": record}}."""
    try:
        return json.loads(PATH.read_text())
    except (OSError, ValueError):
        return {"meta": {}, "records": {}}


def merge(saved: dict, record: dict) -> None:
    """Puts `record`'s sections over the saved record of the same model and configuration."""
    key = f"{record['model']}/{record['config']}"
    saved["records"].setdefault(key, {}).update(record)


def save(saved: dict) -> None:
    PATH.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=PATH.parent, prefix=".results-")
    with os.fdopen(fd, "w") as f:
        json.dump(saved, f, indent=1, sort_keys=True)
    os.replace(tmp, PATH)
