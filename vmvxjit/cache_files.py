"""Where vmvxjit's disk caches live, and how a file gets into one.

Every cache (Numba's generated modules, LLVM objects and IR, machine code,
JIT plans) sits under one root: `VMVXJIT_CACHE_DIR`, else `~/.cache/vmvxjit`,
read on each call (tests and tools point it elsewhere within one process). A
file is written to a temporary name beside it and renamed into place, so
processes racing to write the same content-addressed file agree and none reads
half of one.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def root() -> Path:
    return Path(os.environ.get("VMVXJIT_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "vmvxjit"))


def write_atomic(path: Path, data: bytes) -> None:
    """Writes `data` to `path` (whose directory exists) by atomic rename."""
    import tempfile   # with random, ~1 ms that a run finding everything cached does not need

    fd, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(temp, path)


def sources_digest(paths) -> str:
    """A digest of the source files `paths` (names and contents), for keys of cached
    results that those sources compute."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
