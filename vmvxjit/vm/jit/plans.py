"""A function's JIT plan — its loop regions' generated code — computed once and kept on disk.

Preparing a function for the JIT finds its loop regions (with function-wide
liveness and constants) and generates each region's code; for a model that is
most of a cached run's preparation (ShuffleNet: 0.34 of 0.5 s, while loading
every region's machine code from the disk cache took 0.04 s). A region's code is
lean (codegen.generate_lean) where it has versioned loops; the plan keeps its full
code too, which tiering.py compiles only once lean code has left at a failed
entry check. A region with blocked nests that run in tiles (block_code.py) has
them in its OPTIMIZED code only: the quick compile, which has no loop vectorizer
to make use of them, gets code without them (ShuffleNet: 22% less LLVM IR; its
first call took 1.8-1.9 s in process instead of 2.0 s). The plan depends
only on the module's code and on the JIT's own sources and switches, so a later
process reads it back, with what else is asked of a region later: its blocks
(to run it as generated Python) and the interpreter's estimated time for one
entry (cost.py: whether to compile it ahead).

The file is a pickle under the cache root, keyed by a digest of all of that; a
file that does not load is ignored and rewritten.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from vmvxjit import cache_files
from vmvxjit.vm.jit import switches


@dataclass
class RegionPlan:
    code: object                # codegen.RegionCode, prelude and notes included
    buffer_registers: list      # the region's buffer refs, in its code's order
    block_pcs: list             # its blocks' marker pcs
    interpreted_seconds: float  # cost.interpreted_seconds of one entry
    full: object = None         # the region's full code when `code` is lean (codegen.generate_lean)
    optimized: tuple | None = None  # (code, full) for its OPTIMIZED compile, where that differs


@dataclass
class FunctionPlan:
    regions: list               # RegionPlan, in find_regions order
    calls: list                 # stats.calls rows: internal calls compiled code does not make


def plan(state, function) -> tuple[FunctionPlan, object]:
    """(`function`'s plan, an iterator over its region plans). A plan in the disk
    cache is read whole; otherwise `regions` is filled as the iterator makes each
    region's code (a caller can queue a region's compile before the next one is
    generated), and the plan is written once the iterator is done."""
    path = _path(state.module, function.ordinal)
    try:
        with open(path, "rb") as f:
            found = pickle.load(f)
        if isinstance(found, FunctionPlan):
            return found, iter(found.regions)
    except Exception:  # absent, or written by an older layout: make it again
        pass
    # A function without loops has no regions, so no file (looked for first: a
    # cached run then splits no function into blocks).
    return _new(state, function, path if _loops(function) else None)


def _loops(function) -> bool:
    """Whether `function` has a backward branch (a region holds a loop)."""
    from vmvxjit.vm.jit.regions import split_blocks

    return any(target <= block.pc for block in split_blocks(function.instrs) for target in block.successors)


def _new(state, function, path: Path | None) -> tuple[FunctionPlan, object]:
    """A new plan from `function`'s regions, written to `path` (if any) once complete."""
    from vmvxjit.vm.jit.callees import interpreted_calls, native
    from vmvxjit.vm.jit.regions import find_regions

    regions = find_regions(function.instrs, native(state.module))
    made = FunctionPlan([None] * len(regions), interpreted_calls(state.module, function, regions))
    if not regions:   # the code generator is imported only for code with loops
        _save(path, made)
        return made, iter(())
    return made, _make(made, path, function, regions)


def _make(made: FunctionPlan, path: Path | None, function, regions: list):
    """Generates each region's code into `made`, yielding it; then writes the plan."""
    from vmvxjit.vm.jit import codegen, cost
    from vmvxjit.vm.jit.callee_code import prelude
    from vmvxjit.vm.jit.callees import call_notes
    from vmvxjit.vm.jit.regions import split_blocks

    shape = cost.FunctionShape(split_blocks(function.instrs))
    for k, region in enumerate(regions):
        code, full = codegen.generate_lean(region, "region", tiles=False)
        code.prelude, callee_notes, left_out = prelude(region.callees, code.sites, tiles=False)
        optimized = None
        if code.tiles_left_out or left_out:
            tiled = codegen.generate_lean(region, "region")
            tiled[0].prelude, tiled_notes, _ = prelude(region.callees, tiled[0].sites)
            if _same_frames((code, full), tiled):
                optimized = tiled
            else:
                (code, full), callee_notes = tiled, tiled_notes
        code.notes += call_notes(region) + callee_notes
        if optimized is not None:
            optimized[0].notes += call_notes(region) + tiled_notes
        for lean, other in ((code, full), *([optimized] if optimized else [])):
            if other is not None:             # a lean code's full code shares its sites list
                other.prelude, other.notes = lean.prelude, lean.notes
        made.regions[k] = RegionPlan(code, list(region.buffer_registers), [b.pc for b in region.blocks],
                                     cost.interpreted_seconds(region, shape), full, optimized)
        yield made.regions[k]
    _save(path, made)


def _same_frames(codes: tuple, others: tuple) -> bool:
    """Whether (lean, full) codes `others` may replace `codes` between two entries."""
    from vmvxjit.vm.jit.codegen import same_frame

    return all((a is None) == (b is None) and (a is None or same_frame(a, b)) for a, b in zip(codes, others))


def _path(module, ordinal: int) -> Path:
    text = f"{_sources_digest()}\0{_switches()}\0{module.module_def.code_digest}\0{ordinal}"
    key = hashlib.sha256(text.encode()).hexdigest()[:32]
    return cache_files.root() / "plans" / f"{key}.pkl"


def _switches() -> str:
    return f"{switches.ENABLED}{sorted(switches.DISABLED)}{switches.CODEGEN}{switches.PARALLEL_MIN_WORK}"


@lru_cache(maxsize=None)
def _sources_digest() -> str:
    """A digest of the VM's and the JIT's sources: what finds regions and writes their code."""
    return cache_files.sources_digest(Path(__file__).resolve().parents[1].rglob("*.py"))


def _save(path: Path | None, made: FunctionPlan) -> None:
    """Writes `made` to `path`, if any; a cache that cannot be written is skipped."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        cache_files.write_atomic(path, pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass
