"""query_tile_sizes.2d and the CPU level it depends on."""

from __future__ import annotations

import pytest

from vmvxjit.kernels import cpu
from vmvxjit.kernels.tile_sizes import query_tile_sizes_2d

AVX2 = {"avx2", "fma", "f16c"}
AVX512 = AVX2 | {"avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"}


@pytest.mark.parametrize("flags, level", [
    (set(), cpu.BASELINE),
    ({"avx2", "fma"}, cpu.BASELINE),  # IREE also wants f16c
    (AVX2, cpu.AVX2_FMA),
    (AVX2 | {"avx512f"}, cpu.AVX2_FMA),
    (AVX512, cpu.AVX512_BASE),
    (AVX512 | {"avx512_vnni"}, cpu.AVX512_VNNI),
    ({"avx512_vnni"} | AVX2, cpu.AVX2_FMA),
])
def test_level_from_flags(flags, level):
    assert cpu.level_from_flags(flags) == level


@pytest.mark.parametrize("level, f32, i8", [
    (cpu.BASELINE, (8, 1, 4), (8, 2, 4)),
    (cpu.AVX2_FMA, (8, 1, 8), (8, 2, 8)),
    (cpu.AVX512_BASE, (16, 1, 16), (8, 2, 8)),
    (cpu.AVX512_VNNI, (16, 1, 16), (16, 2, 16)),
])
def test_sizes_per_level(level, f32, i8):
    for operation, (m0, k0, n0) in ((0x100, f32), (0x200, i8), (0x400, (8, 4, 8))):
        assert query_tile_sizes_2d(operation | 1, level) == (m0, k0)
        assert query_tile_sizes_2d(operation | 2, level) == (n0, k0)
        assert query_tile_sizes_2d(operation | 3, level) == (m0, n0)
        assert query_tile_sizes_2d(operation | 4, level) == (0, 0)
    assert query_tile_sizes_2d(0x703, level) == (0, 0)


def test_every_flag_value_matches_iree(vmvx, iree):
    """IREE answers for this machine's CPU (its HAL has initialized the CPU data)."""
    query = vmvx.lookup("query_tile_sizes.2d").call
    for flags in list(range(0, 0x800)) + [0x10101, 0x80000103, -1]:
        flags_u32 = flags & 0xFFFFFFFF
        assert query(-1, -1, flags_u32) == iree.call("query_tile_sizes.2d", -1, -1, flags_u32)
