"""Setup shared by the asv suites: compile (cached), load once per process, skip what is too slow;
the environment of measured processes.

asv (asv_runner 0.3) re-runs `setup` before every timed call, so everything expensive is cached here
per process: `prepared(program, config)` compiles, loads and warms up once and afterwards is a dict
look-up. A combination that cannot be measured raises `NotImplementedError`, which asv reports as
skipped (n/a); the reason is cached too, so the skip is immediate on the next setup.

Environment:
  VMVXJIT_BENCH_TIER=interp|jit|auto  passed as `vmvxjit.load(path, tier=...)` (default: not passed)
  VMVXJIT_BENCH_SLOW=1                with the interp tier, also run `programs.INTERPRETED_SLOW`
  VMVXJIT_BENCH_MAX_SECONDS=30        skip a combination whose warm-up takes longer
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

_BENCH_DIR = str(Path(__file__).resolve().parents[1])
if _BENCH_DIR not in sys.path:
    sys.path.insert(0, _BENCH_DIR)

import programs  # noqa: E402  (benchmarks/programs.py)

CONFIGS = list(programs.CONFIGS)
TIER = os.environ.get("VMVXJIT_BENCH_TIER") or None
RUN_SLOW = os.environ.get("VMVXJIT_BENCH_SLOW", "") not in ("", "0")
MAX_SECONDS = float(os.environ.get("VMVXJIT_BENCH_MAX_SECONDS", "30"))
WARMUP_SECONDS = 1.0
WARMUP_CALLS = 300
MIN_WARMUP_CALLS = 2      # after the first: a slow first call (Numba compiling microkernels) is
                          # followed by one that compiles its VMVX entry function whole

_prepared: dict[tuple, object] = {}


class _TooSlow(BaseException):
    pass


def _alarm(signum, frame):
    raise _TooSlow()


def load_options(threads: int | None = None) -> dict:
    """`vmvxjit.load`'s options: VMVXJIT_BENCH_TIER's tier, and `threads` when given."""
    return {**({"tier": TIER} if TIER else {}), **({"threads": threads} if threads else {})}


def tier_flags() -> list[str]:
    """The CLI's flags for VMVXJIT_BENCH_TIER (none by default)."""
    return [f"--tier={TIER}"] if TIER else []


def vmfb(program: str, config: str) -> Path:
    """The cached `.vmfb`, or NotImplementedError when the combination does not compile."""
    known = programs.KNOWN_FAILURES.get((program, config))
    if known:
        raise NotImplementedError(f"does not compile: {known}")
    try:
        return programs.compile_program(program, config)
    except programs.CompileError as error:
        raise NotImplementedError(f"does not compile: {error}") from None


def prepared(program: str, config: str, threads: int | None = None, numpy_inputs: bool = False):
    """(function, inputs) for a benchmark: compiled, loaded (with `threads=`, when given) and
    warmed up (one call, then up to ~1 s / 300 more calls so the auto tier has compiled its
    hot loops); the inputs are buffer views made once, or with `numpy_inputs` the seeded
    arrays, which every call converts."""
    return once((program, config, TIER, threads, numpy_inputs),
                lambda: _prepare(program, config, threads, numpy_inputs))


def once(key, make):
    """What `make()` returns, made once per process (asv re-runs setup before every timed
    call); a string it returns is why the benchmark is skipped, raised as NotImplementedError."""
    entry = _prepared.get(key)
    if entry is None:
        entry = _prepared[key] = make()
    if isinstance(entry, str):
        raise NotImplementedError(entry)
    return entry


def _prepare(program: str, config: str, threads: int | None, numpy_inputs: bool):
    import vmvxjit

    tier = TIER or os.environ.get("VMVXJIT_TIER") or "auto"
    if tier == "interp" and (program, config) in programs.INTERPRETED_SLOW and not RUN_SLOW:
        return "interp tier: minutes per call (VMVXJIT_BENCH_SLOW=1 to run)"
    try:
        path = vmfb(program, config)
    except NotImplementedError as error:
        return str(error)
    spec = programs.PROGRAMS[program]
    inputs = programs.make_inputs(spec)
    function = vmvxjit.load(str(path), **load_options(threads))[spec.function]
    if not numpy_inputs:   # converted once, as iree-benchmark-module parses its inputs once
        inputs = [vmvxjit.buffer_view(x) for x in inputs]
    return warmed_up(function, inputs)


def warmed_up(function, inputs):
    """(function, inputs) after one call and up to WARMUP_SECONDS (at most WARMUP_CALLS calls,
    at least MIN_WARMUP_CALLS) more, so the auto tier has compiled the loops that run hot
    (20,000 visits, which may take more than one call); a message instead when the warm-up
    takes over MAX_SECONDS."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, MAX_SECONDS)
    try:
        start = time.perf_counter()
        function(*inputs)
        first = time.perf_counter() - start
        for _ in range(max(MIN_WARMUP_CALLS, min(WARMUP_CALLS, int(WARMUP_SECONDS / max(first, 1e-6))))):
            function(*inputs)
    except _TooSlow:
        return f"too slow: warm-up > {MAX_SECONDS:g} s"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return function, inputs


def process_env(jit_cache: Path | None = None) -> dict:
    """The environment of a measured `python -m vmvxjit` process: the checkout's vmvxjit (the
    one the in-process suites import: programs.py puts the checkout first on sys.path) and,
    when given, JIT and Numba caches under `jit_cache`."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(programs.REPO_ROOT), env.get("PYTHONPATH")]))
    if jit_cache is not None:
        env["VMVXJIT_CACHE_DIR"] = str(jit_cache / "jit")
        env["NUMBA_CACHE_DIR"] = str(jit_cache / "numba")
    return env
