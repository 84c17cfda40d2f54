"""The execution tier a context runs at and what `--trace` reports about the JIT.

Apart from tiering.py so that a context (every run) gets both without
importing the JIT's code generators, which only code with loops needs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import NamedTuple

from vmvxjit.errors import InvalidArgumentError
from vmvxjit.vm.jit import counters
from vmvxjit.vm.jit.progress import Progress

TIERS = ("interp", "jit", "auto")
REPORT_PYTHON_S = 0.001     # --trace names regions that ran at least this long as Python


def resolve_tier(tier: str | None) -> str:
    tier = tier or os.environ.get("VMVXJIT_TIER") or "auto"
    if tier not in TIERS:
        raise InvalidArgumentError(f"unknown tier '{tier}'; expected one of {', '.join(TIERS)}")
    return tier


class Compiled(NamedTuple):
    """One compiled region (or VMVX entry function) as --trace reports it."""

    name: str
    pcs: list                # its entry pcs
    seconds: float           # compile (or disk cache load) CPU time of the compiling thread
    notes: list              # what the loop optimizer did
    sites: list              # counted loops and nests (counters.py)
    counts: object           # their counts
    run: list | None = None  # [seconds in it, entries, LLVM speed level], for regions


@dataclass
class JitStats:
    """What `--trace` reports: compiled regions, compile and run time."""

    compiled: list = field(default_factory=list)   # (function name, entry pcs, seconds, notes,
                                                   #  counted sites, their counts: counters.py)
    cache_hits: int = 0                            # compiled functions loaded from the disk cache
    failed: list = field(default_factory=list)     # (function name, reason)
    calls: list = field(default_factory=list)      # (function, pc, callee, why it stays interpreted)
    fallbacks: list = field(default_factory=list)  # (function name, why Numba compiled a region)
    compiled_seconds: float = 0.0
    entries: int = 0
    progress: Progress = field(default_factory=Progress)
    regions: list = field(default_factory=list)    # every _RegionTier, for what runs as Python
    parallel: dict = field(default_factory=dict)   # export name -> [dispatches run in parts
                                                   #  on threads, most parts]
    host_functions: dict = field(default_factory=dict)  # export name -> compiled whole, or why not
    full_compiles: list = field(default_factory=list)   # (function, seconds): full code of lean
                                                        # regions that left at a failed check
    parallel_loops: dict = field(default_factory=dict)  # region label -> [runs in chunks, most chunks,
                                                        # runs on the native workers]
    threads: int = 1                               # threads compiled loops may run on (runtime.py sets it)

    def ran_parallel(self, export: str, parts: int) -> None:
        """Counts a dispatch (native or compiled VMVX) of `export` whose workgroups ran in
        `parts` parts."""
        seen = self.parallel.setdefault(export, [0, 0])
        seen[0] += 1
        seen[1] = max(seen[1], parts)

    def ran_parallel_loop(self, label: str, parts: int, native: bool) -> None:
        """Counts a run of a compiled loop (parallel_run.py) in `parts` chunks, on the
        native workers or not."""
        seen = self.parallel_loops.setdefault(label, [0, 0, 0])
        seen[0] += 1
        seen[1] = max(seen[1], parts)
        seen[2] += native

    def python_seconds(self) -> float:
        return sum(r.python_seconds for r in self.regions)

    def report(self) -> str:
        lines = [f"jit: {len(self.compiled)} regions compiled ({self.cache_hits} loaded from the "
                 f"disk cache), {self.compiled_seconds * 1e3:.1f} ms in compiled code over "
                 f"{self.entries} entries, {self.python_seconds() * 1e3:.1f} ms in regions run as Python"]
        for name, pcs, seconds, notes, sites, counts, run in self.compiled:
            ran = f"; ran {run[0] * 1e3:.1f} ms over {run[1]} entries ({_LEVELS.get(run[2], run[2])})" if run else ""
            lines.append(f"jit:   {name} region at {', '.join(f'{p:08X}' for p in pcs)}: "
                         f"compiled in {seconds * 1e3:.0f} ms{ran}")
            lines += [f"jit:     {note}" for note in notes]
            lines += [f"jit:     {line}" for line in counters.report(sites, counts.tolist())]
        for region in self.regions:
            if region.python_seconds >= REPORT_PYTHON_S:
                lines.append(f"jit:   {region.function_name} region at {_pcs(region.code)}: "
                             f"ran {region.python_seconds * 1e3:.1f} ms as Python ({region.why_python()})")
        for name, reason in self.failed:
            lines.append(f"jit:   {name}: not compiled ({reason})")
        for name, seconds in self.full_compiles:
            lines.append(f"jit:   {name}: a region's full code compiled in {seconds * 1e3:.0f} ms "
                         f"(its lean code left at a failed entry check)")
        for name, text in self.host_functions.items():
            lines.append(f"jit:   export @{name}: {text}")
        for export, (runs, parts) in self.parallel.items():
            lines.append(f"jit:   dispatch '{export}': {runs} run(s) with its workgroups "
                         f"on up to {parts} threads")
        for label, (runs, parts, native) in self.parallel_loops.items():
            lines.append(f"jit:   {label}: {runs} run(s) with its iterations in chunks on up to {parts} threads"
                         f" ({native} on the native workers)")
        for name, reason in self.fallbacks:
            lines.append(f"jit:   {name}: region compiled by Numba ({reason})")
        for name, pc, callee, why in self.calls:
            lines.append(f"jit:   {name}: call at {pc:08X} to @{callee} stays interpreted ({why})")
        return "\n".join(lines)

    def as_dict(self) -> dict:
        """What `report` says, as data (vmvxjit.Module.jit_stats)."""
        return {
            "regions_compiled": len(self.compiled), "loaded_from_disk_cache": self.cache_hits,
            "compile_seconds": sum(c.seconds for c in self.compiled),
            "compiled_code_seconds": self.compiled_seconds, "compiled_code_entries": self.entries,
            "python_region_seconds": self.python_seconds(),
            "compiled": [{"function": c.name, "entries": list(c.pcs), "compile_seconds": c.seconds,
                          "run_seconds": c.run[0] if c.run else None,
                          "run_entries": c.run[1] if c.run else None,
                          "llvm_level": c.run[2] if c.run else None, "notes": list(c.notes)}
                         for c in self.compiled],
            "run_as_python": [{"function": r.function_name, "entries": sorted(r.code.entry_ids),
                               "seconds": r.python_seconds, "why": r.why_python()}
                              for r in self.regions if r.python_seconds > 0],
            "not_compiled": [{"function": n, "why": w} for n, w in self.failed],
            "full_code_compiles": len(self.full_compiles),
            # An optimized compile that finished is not pending, though its region takes it
            # up only when next entered (a region an export compiled whole replaced never is).
            "recompiles_pending": sum(1 for r in self.regions if r.compiled is not None
                                      and r.compiled.upgrade is not None and not r.compiled.upgrade.done()),
            "parallel_dispatches": {export: {"runs": runs, "threads": parts}
                                    for export, (runs, parts) in self.parallel.items()},
            "host_functions": dict(self.host_functions),
            "parallel_loops": {label: {"runs": runs, "threads": parts, "native_runs": native}
                               for label, (runs, parts, native) in self.parallel_loops.items()},
        }


_LEVELS = {1: "quick compile", 2: "O1", 3: "O3"}      # llvm_backend.QUICK, BALANCED, OPTIMIZED


def _pcs(code) -> str:
    return ", ".join(f"{p:08X}" for p in sorted(code.entry_ids))
