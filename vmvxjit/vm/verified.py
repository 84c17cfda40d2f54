"""Modules whose bytecode passed the load-time checks, remembered on disk.

Verification (verifier.py) and the register-bank check (register_banks.py)
are pure functions of a module's bytecode and of the module tables they read,
and are most of loading a model (ShuffleNet: 53 of 74 ms). After every
function of a module passes them, an empty marker file named by a digest of
all of that (ModuleDef.code_digest) and of the VM's own sources is created under the cache root; a
later load of the same bytes finds it and skips both checks. Any other bytes
(a changed or corrupted module) have no marker and are checked in full. A
cache that cannot be written is skipped.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from vmvxjit import cache_files


def passed(module_def) -> bool:
    """Whether these exact bytes passed the checks in an earlier load."""
    return _marker(module_def).exists()


def remember(module_def) -> None:
    """Records that `module_def`'s functions all passed the checks."""
    path = _marker(module_def)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError:
        pass


def _marker(module_def) -> Path:
    key = hashlib.sha256(f"{_vm_sources()}\0{module_def.code_digest}".encode()).hexdigest()
    return cache_files.root() / "verified" / key[:40]


@lru_cache(maxsize=None)
def _vm_sources() -> str:
    return cache_files.sources_digest(Path(__file__).resolve().parent.glob("*.py"))
