"""The JIT's disk cache (cache.py): generated modules land in a directory keyed by the
versions and by the code they call into."""

import shutil
from pathlib import Path

from vmvxjit.vm.jit import cache


def test_editing_code_generated_modules_call_into_moves_the_cache(tmp_path, monkeypatch):
    """Numba checks only a generated file itself, so machine code that inlined an older
    helper must live elsewhere: a copy of the package with one kernel edited gets
    another directory."""
    package = tmp_path / "vmvxjit"
    shutil.copytree(Path(cache.__file__).resolve().parents[2], package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(tmp_path / "cache"))
    copied = package / "vm" / "jit" / "cache.py"
    monkeypatch.setattr(cache, "__file__", str(copied))
    cache._callee_digest.cache_clear()
    before = cache.cache_dir()
    kernel = next((package / "kernels").glob("*.py"))
    kernel.write_text(kernel.read_text() + "\n# edited\n")
    cache._callee_digest.cache_clear()
    after = cache.cache_dir()
    cache._callee_digest.cache_clear()
    assert before != after and before.parent == after.parent
    assert before.name.rsplit("-", 1)[0] == after.name.rsplit("-", 1)[0]   # same versions
