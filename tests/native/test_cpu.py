"""Host CPU features: processor data words in IREE's bit layout (cpu_feature_bits.inl)."""

from __future__ import annotations

import pytest

from vmvxjit.native import cpu
from vmvxjit.native.cpu import HOST_ARCH


@pytest.mark.parametrize("table", [cpu.X86_64_CPUINFO_FLAGS, cpu.ARM_64_HWCAPS])
def test_bits_are_distinct(table):
    assert len(set(table.values())) == len(table)


def test_x86_64_bits():
    flags = cpu.x86_64_cpuinfo_flags(
        "processor\t: 0\nflags\t\t: fpu pni ssse3 avx2 avx512f avx512_vnni amx_tile\n\n"
        "processor\t: 1\nflags\t\t: fpu\n")
    words = cpu.pack(cpu.X86_64_CPUINFO_FLAGS, flags)
    assert words[0] == (1 << 0) | (1 << 1) | (1 << 15) | (1 << 20) | (1 << 28) | (1 << 50)
    assert words[1:] == (0,) * 7


def test_arm_64_bits():
    present = cpu.arm_64_hwcap_bits({
        cpu.AT_HWCAP: (1 << 0) | (1 << 20) | (1 << 22),
        cpu.AT_HWCAP2: (1 << 13) | (1 << 37),
    })
    words = cpu.pack(cpu.ARM_64_HWCAPS, present)
    assert words[0] == (1 << 0) | (1 << 12) | (1 << 20) | (1 << 13) | (1 << 31)


@pytest.mark.skipif(HOST_ARCH != "x86_64", reason="x86-64 host")
def test_host_matches_cpuinfo():
    with open("/proc/cpuinfo") as f:
        flags = cpu.x86_64_cpuinfo_flags(f.read())
    words = cpu.processor_data()
    assert len(words) == 8
    for flag, (word, bit, _) in cpu.X86_64_CPUINFO_FLAGS.items():
        assert bool(words[word] >> bit & 1) == (flag in flags), flag
    assert words[0] & 1, "every x86-64 Linux host the tests run on has SSE3"
