"""The vmvxjit tiers the opcode and end-to-end suites run each case at.

Their small programs rarely run long enough for the default tier (`auto`) to
compile anything, so besides every case at the default tier a fixed sample
also runs at `jit`, where every loop region and VMVX entry function is
compiled on first use: CI always checks compiled code against the same
references. The sample is every case whose id hashes (CRC-32) to 0 modulo
JIT_SAMPLE_EVERY, so it stays the same as cases are added elsewhere; it is
drawn from the cases not marked `slow`, which conftest.py already samples.

VMVXJIT_TIERS=interp,jit instead runs every case at each listed tier.
"""

from __future__ import annotations

import os
import zlib

import pytest

JIT_SAMPLE_EVERY = 4   # 34 end-to-end and 312 opcode cases: +25 s on 2 cores, caches cold


def in_jit_sample(case_id: str) -> bool:
    return zlib.crc32(case_id.encode()) % JIT_SAMPLE_EVERY == 0


def with_tiers(params: list) -> list:
    """Each of `params` (a `pytest.param` with an id) once per tier to run it at,
    the tier as its last value and its id ending in `-<tier>` (`-default` for
    the CLI's default tier, None)."""
    listed = [t.strip() for t in os.environ.get("VMVXJIT_TIERS", "").split(",") if t.strip()]
    out = []
    for param in params:
        slow = any(mark.name == "slow" for mark in param.marks)
        tiers = listed or [None, *(["jit"] if not slow and in_jit_sample(param.id) else [])]
        out += [pytest.param(*param.values, tier, marks=param.marks, id=f"{param.id}-{tier or 'default'}")
                for tier in tiers]
    return out
