"""The execution tier a context runs at and what `--trace` reports about the JIT.

Apart from tiering.py so that a context (every run) gets both without
importing the JIT's code generators, which only code with loops needs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from vmvxjit.errors import InvalidArgumentError
from vmvxjit.vm.jit import counters

TIERS = ("interp", "jit", "auto")


def resolve_tier(tier: str | None) -> str:
    tier = tier or os.environ.get("VMVXJIT_TIER") or "auto"
    if tier not in TIERS:
        raise InvalidArgumentError(f"unknown tier '{tier}'; expected one of {', '.join(TIERS)}")
    return tier


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

    def report(self) -> str:
        lines = [f"jit: {len(self.compiled)} regions compiled ({self.cache_hits} loaded from the "
                 f"disk cache), {self.compiled_seconds * 1e3:.1f} ms in compiled code over "
                 f"{self.entries} entries"]
        for name, pcs, seconds, notes, sites, counts in self.compiled:
            lines.append(f"jit:   {name} region at {', '.join(f'{p:08X}' for p in pcs)}: "
                         f"compiled in {seconds * 1e3:.0f} ms")
            lines += [f"jit:     {note}" for note in notes]
            lines += [f"jit:     {line}" for line in counters.report(sites, counts.tolist())]
        for name, reason in self.failed:
            lines.append(f"jit:   {name}: not compiled ({reason})")
        for name, reason in self.fallbacks:
            lines.append(f"jit:   {name}: region compiled by Numba ({reason})")
        for name, pc, callee, why in self.calls:
            lines.append(f"jit:   {name}: call at {pc:08X} to @{callee} stays interpreted ({why})")
        return "\n".join(lines)
