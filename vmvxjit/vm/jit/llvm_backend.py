"""Region code compiled by llvm_lower.py and the process's LLVM engine, called as a builtin.

A region's object code is cached on disk under a key covering its source and
the compiler's own sources, so a cached region costs a file read and an
object load: no lowering, no LLVM passes, no Numba import.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from vmvxjit import cache_files
from vmvxjit.native import fastcall, llvm_engine

_ARRAYS = 8     # ri, rf, tags, addrs, lens, mut, err, counts


@lru_cache(maxsize=None)
def compiler_digest() -> str:
    """A digest of the sources that decide what machine code a region text becomes
    (helpers.py and expf.py among them: llvm_lower.py lowers their algorithms from
    their text, helper_library.py reads them)."""
    jit = Path(__file__).resolve().parent
    library = [jit / name for name in ("helper_library.py", "helpers.py", "expf.py", "expf_data.py")]
    return cache_files.sources_digest([*jit.glob("llvm_*.py"), *library,
                                       *(jit.parents[1] / "native").glob("*.py")])[:16]


class RegionFunction:
    """A compiled region: `call(entry, table)` with the address of a table of the
    addresses of the arrays codegen.generate's signature names (ri, rf, tags, addrs,
    lens, mut, err, counts), a builtin (native/fastcall.py) rather than a ctypes call."""

    def __init__(self, address: int):
        self.address = address
        self.call = fastcall.table_caller(address, _ARRAYS)


# llvm_engine.LEVELS: a region's first compile in `auto` (BALANCED where much work is
# expected), and its best.
QUICK, BALANCED, OPTIMIZED = 1, 2, 3


@lru_cache(maxsize=4096)
def region_key(source: str, speed: int) -> str:
    """The disk-cache key of region `source` at `speed` (asked several times per region:
    which level is on disk, whether O3 is wanted, then the compile itself)."""
    text = f"{compiler_digest()}\0{speed}\0{source}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def compile_region(source: str, name: str, err_size: int, speed: int) -> tuple[RegionFunction, bool]:
    """The compiled function `name` of region `source` at LLVM `speed`, and whether it was
    read from the disk cache (not compiled, nor loaded earlier in this process). Raises
    llvm_types.Unsupported for code the LLVM path does not translate."""
    address, from_disk = compiled_address(source, name, err_size, speed)
    return RegionFunction(address), from_disk


def compiled_address(source: str, name: str, err_size: int, speed: int) -> tuple[int, bool]:
    """The address of function `name` of `source` (a region, or a VMVX entry function:
    llvm_lower.ENTRY_PARAMS) compiled at LLVM `speed`, and whether it was read from the
    disk cache (compile_region)."""
    key = region_key(source, speed)
    prefix = f"v{key[:20]}"
    origin = llvm_engine.cached(key)
    if not origin:
        text, lowered_prefix = lowered_ir(source, name, err_size)
        llvm_engine.compile_ir(text.replace(lowered_prefix, prefix), key, speed)
    return llvm_engine.address(f"{prefix}_{name}"), origin == "disk"


def lowered_ir(source: str, name: str, err_size: int) -> tuple[str, str]:
    """(LLVM IR of region `source`, the symbol prefix it uses), lowered once and kept in
    the disk cache: a region's recompile at another level, in this process or a later
    one, does no Python lowering, which holds the GIL and so slows the interpreter
    while a worker compiles. Each level's object renames the prefix to its own, as one
    process may load several."""
    key = hashlib.sha256(f"{compiler_digest()}\0ir{err_size}\0{source}".encode()).hexdigest()[:32]
    prefix = f"r{key[:20]}"
    text = llvm_engine.stored_text(key)
    if text is None:
        from vmvxjit.vm.jit import collector
        from vmvxjit.vm.jit.llvm_lower import ModuleLowering

        with collector.paused():
            lowering = ModuleLowering(source, prefix, {"err": err_size})
            lowering.region(name)
            text = str(lowering.module)
        llvm_engine.store_text(key, text)
    return text, prefix


def want_optimized(source: str) -> None:
    """Records that region `source` ran long enough to want its OPTIMIZED compile: a later
    process starts that compile as soon as it prepares the region."""
    llvm_engine.mark(region_key(source, OPTIMIZED))


def optimized_wanted(source: str) -> bool:
    return llvm_engine.marked(region_key(source, OPTIMIZED))


def on_disk(source: str) -> int | None:
    """The best speed level at which region `source`'s machine code is loaded or in the
    disk cache, if any."""
    for speed in (OPTIMIZED, BALANCED, QUICK):
        if llvm_engine.available(region_key(source, speed)):
            return speed
    return None
