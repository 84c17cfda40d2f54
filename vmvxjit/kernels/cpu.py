"""The x86-64 feature level IREE's microkernels detect on this machine.

IREE picks tile sizes (`query_tile_sizes.2d`) and mmt4d tile functions from
CPU data that its HAL initializes when the first executable loads, which
always happens before a vmvx dispatch runs. The levels are nested as in
IREE's ukernel/arch/x86_64/common_x86_64.h: each requires the one before.
"""

from __future__ import annotations

import functools

from vmvxjit.native.cpu import cpuinfo_flags

BASELINE = 0
AVX2_FMA = 1  # avx2 + fma + f16c
AVX512_BASE = 2  # + avx512 f, bw, dq, vl, cd
AVX512_VNNI = 3  # + avx512_vnni

_LEVEL_FLAGS = (
    (AVX2_FMA, {"avx2", "fma", "f16c"}),
    (AVX512_BASE, {"avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"}),
    (AVX512_VNNI, {"avx512_vnni"}),
)


def level_from_flags(flags: set[str]) -> int:
    """The highest level whose flags (and every lower level's) are all present."""
    level = BASELINE
    for candidate, required in _LEVEL_FLAGS:
        if not required <= flags:
            break
        level = candidate
    return level


@functools.cache
def cpu_level() -> int:
    """This machine's level (BASELINE if /proc/cpuinfo is unreadable)."""
    return level_from_flags(set(cpuinfo_flags()))
