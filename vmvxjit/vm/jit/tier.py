"""The JIT as the VM core receives it: injected, never imported by vm/.

runtime.py (and a VMVX executable for its own context) pass a `JitTier` to
`vm.context.Context`; the interpreter hands every function it prepares to
`JitTier.install` unless the tier is `interp`. The code generators are
imported only then, and tiering.py only for functions with loops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vmvxjit.vm.jit.stats import JitStats, resolve_tier


@dataclass
class JitTier:
    """A tier name (`--tier`, VMVXJIT_TIER, else auto) and the statistics `--trace` reports."""

    name: str
    stats: JitStats = field(default_factory=JitStats)

    @classmethod
    def resolve(cls, tier: str | None = None) -> JitTier:
        return cls(resolve_tier(tier))

    @staticmethod
    def install(state, function, instrs: list, steps: list, targets: dict, env) -> None:
        """Rewrites the prepared `steps` of `function` in place: fused blocks
        for straight-line code, compiled (or generated-Python) loop regions."""
        from vmvxjit.vm.fused_blocks import fuse
        from vmvxjit.vm.jit.plans import plan
        unfused = list(steps)
        fuse(instrs, steps, targets.values(), env)
        planned, regions = plan(state, function)
        state.jit_stats.calls += planned.calls
        if planned.regions:   # the JIT's modules are imported only for code with loops
            from vmvxjit.vm.jit.tiering import install
            install(state, function, regions, len(planned.regions), steps, targets, state.tier,
                    unfused, env)
