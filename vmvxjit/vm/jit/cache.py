"""Compiles generated source with Numba, cached on disk across processes.

Numba cannot cache functions built with `exec`, so each generated module is
written to `<cache>/<name>_<hash>.py` (content-addressed: the same source
always lands in the same file, written once via an atomic rename, so racing
processes agree), imported with importlib and registered in `sys.modules`,
and its functions use `@njit(cache=True)`: a second process loads the
machine code instead of compiling. The cache lives in `VMVXJIT_CACHE_DIR`
(default `~/.cache/vmvxjit`), per vmvxjit and Numba version and per digest of
the code generated modules call into (the JIT's helpers and the kernels):
Numba checks only the generated file itself, so machine code that inlined an
older helper must not be found.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import threading
from functools import lru_cache
from pathlib import Path

from vmvxjit import cache_files
from vmvxjit.version import __version__

_LOCK = threading.Lock()


def cache_dir() -> Path:
    import numba

    path = cache_files.root() / f"v{__version__}-numba{numba.__version__}-{_callee_digest()}"
    path.mkdir(parents=True, exist_ok=True)
    return path


@lru_cache(maxsize=None)
def _callee_digest() -> str:
    """A digest of the sources generated code calls into: vm/jit, kernels/ and the intrinsics."""
    package = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    sources = [*(package / "vm" / "jit").glob("*.py"), *(package / "kernels").glob("*.py"),
               package / "native" / "numba_intrinsics.py"]
    for path in sorted(sources):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def load_source(source: str, prefix: str):
    """Imports generated `source` as a module (written once, then reused)."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:24]
    name = f"vmvxjit_generated_{prefix}_{digest}"
    with _LOCK:
        module = sys.modules.get(name)
        if module is not None:
            return module
        path = cache_dir() / f"{name}.py"
        if not path.exists():
            cache_files.write_atomic(path, source.encode())
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
        return module
