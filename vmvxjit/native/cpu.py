"""This CPU: IREE's name for its architecture, and its feature bits in IREE's
processor data layout (cpu_feature_bits.inl).

The one place that reads the host's features: executables (loaders), the
`hal.cpu` device queries (hal_inline) and the microkernels' level (kernels)
all ask this module.

Executables receive `environment.processor.data[8]`; code built for a specific
CPU (or microkernels) may pick paths from these bits. IREE reads cpuid
(x86-64, with the OS-enabled XSAVE state checks) or the auxiliary vector
(aarch64 HWCAP/HWCAP2). We take the kernel's view instead: on x86-64 the
`flags` of /proc/cpuinfo already drop features whose register state the OS
does not enable; on aarch64 `getauxval` gives the same HWCAPs IREE reads.
"""

from __future__ import annotations

import ctypes
import functools
import platform

_MACHINE_TO_ARCH = {"x86_64": "x86_64", "amd64": "x86_64",
                    "aarch64": "arm_64", "arm64": "arm_64"}
# IREE's name for the architecture this process runs on (None: unsupported).
HOST_ARCH = _MACHINE_TO_ARCH.get(platform.machine().lower())
# Words of `environment.processor.data` (iree_hal_executable_environment_v0_t).
PROCESSOR_DATA_CAPACITY = 8

# Linux /proc/cpuinfo flag → (data word, bit, LLVM feature name) of IREE_CPU_DATA*_X86_64_*.
X86_64_CPUINFO_FLAGS = {
    "pni": (0, 0, "sse3"),
    "ssse3": (0, 1, "ssse3"),
    "sse4_1": (0, 2, "sse4.1"),
    "sse4_2": (0, 3, "sse4.2"),
    "sse4a": (0, 4, "sse4a"),
    "avx": (0, 10, "avx"),
    "fma": (0, 11, "fma"),
    "fma4": (0, 12, "fma4"),
    "xop": (0, 13, "xop"),
    "f16c": (0, 14, "f16c"),
    "avx2": (0, 15, "avx2"),
    "avx512f": (0, 20, "avx512f"),
    "avx512cd": (0, 21, "avx512cd"),
    "avx512vl": (0, 22, "avx512vl"),
    "avx512dq": (0, 23, "avx512dq"),
    "avx512bw": (0, 24, "avx512bw"),
    "avx512ifma": (0, 25, "avx512ifma"),
    "avx512vbmi": (0, 26, "avx512vbmi"),
    "avx512_vpopcntdq": (0, 27, "avx512vpopcntdq"),
    "avx512_vnni": (0, 28, "avx512vnni"),
    "avx512_vbmi2": (0, 29, "avx512vbmi2"),
    "avx512_bitalg": (0, 30, "avx512bitalg"),
    "avx512_bf16": (0, 31, "avx512bf16"),
    "avx512_fp16": (0, 32, "avx512fp16"),
    "amx_tile": (0, 50, "amx-tile"),
    "amx_int8": (0, 51, "amx-int8"),
    "amx_bf16": (0, 52, "amx-bf16"),
}

AT_HWCAP, AT_HWCAP2 = 16, 26
# (auxv entry, mask) → (data word, bit, LLVM feature name) of IREE_CPU_DATA*_ARM_64_*, as cpu.c maps them.
ARM_64_HWCAPS = {
    (AT_HWCAP, 1 << 0): (0, 0, "fp-armv8"),
    (AT_HWCAP, 1 << 8): (0, 1, "lse"),
    (AT_HWCAP, 1 << 10): (0, 10, "fullfp16"),
    (AT_HWCAP, 1 << 23): (0, 11, "fp16fml"),
    (AT_HWCAP, 1 << 20): (0, 12, "dotprod"),
    (AT_HWCAP2, 1 << 13): (0, 13, "i8mm"),
    (AT_HWCAP2, 1 << 14): (0, 14, "bf16"),
    (AT_HWCAP, 1 << 22): (0, 20, "sve"),
    (AT_HWCAP2, 1 << 1): (0, 21, "sve2"),
    (AT_HWCAP2, 1 << 36): (0, 22, "sve2p1"),
    (AT_HWCAP2, 1 << 4): (0, 23, "sve2-bitperm"),
    (AT_HWCAP2, 1 << 10): (0, 24, "f32mm"),
    (AT_HWCAP2, 1 << 11): (0, 25, "f64mm"),
    (AT_HWCAP2, 1 << 23): (0, 30, "sme"),
    (AT_HWCAP2, 1 << 37): (0, 31, "sme2"),
    (AT_HWCAP2, 1 << 38): (0, 32, "sme2p1"),
    (AT_HWCAP2, 1 << 42): (0, 33, "sme-f16f16"),
    (AT_HWCAP2, 1 << 25): (0, 34, "sme-f64f64"),
    (AT_HWCAP2, 1 << 24): (0, 35, "sme-i16i64"),
}


def pack(table: dict, present) -> tuple[int, ...]:
    """The data words with the bit of every `table` key in `present` set."""
    words = [0] * PROCESSOR_DATA_CAPACITY
    for key, (word, bit, _) in table.items():
        if key in present:
            words[word] |= 1 << bit
    return tuple(words)


def x86_64_cpuinfo_flags(text: str) -> set[str]:
    """The feature flags of the first processor in /proc/cpuinfo text."""
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "flags":
            return set(value.split())
    return set()


def arm_64_hwcap_bits(hwcaps: dict[int, int]) -> set[tuple[int, int]]:
    """The `ARM_64_HWCAPS` keys set in the given auxv values."""
    return {(entry, mask) for entry, mask in ARM_64_HWCAPS if hwcaps.get(entry, 0) & mask}


@functools.cache
def cpuinfo_flags() -> frozenset[str]:
    """The `flags` of /proc/cpuinfo (x86-64 feature names; empty if unreadable)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            return frozenset(x86_64_cpuinfo_flags(f.read()))
    except OSError:
        return frozenset()


def _arm_64_present() -> set[tuple[int, int]]:
    getauxval = ctypes.CDLL(None).getauxval
    getauxval.restype = ctypes.c_ulong
    getauxval.argtypes = [ctypes.c_ulong]
    return arm_64_hwcap_bits({entry: getauxval(entry) for entry in (AT_HWCAP, AT_HWCAP2)})


_SOURCES = {
    "x86_64": (X86_64_CPUINFO_FLAGS, cpuinfo_flags),
    "arm_64": (ARM_64_HWCAPS, _arm_64_present),
}


@functools.cache
def processor_data() -> tuple[int, ...]:
    """The 8 processor data words for this host (all zero if unknown)."""
    if HOST_ARCH not in _SOURCES:
        return (0,) * PROCESSOR_DATA_CAPACITY
    table, present = _SOURCES[HOST_ARCH]
    return pack(table, present())


def feature_value(name: str) -> int | None:
    """1/0 for an LLVM CPU feature name IREE knows on this host (`avx2`), else None.

    This is what `hal_inline.device.query.i64("hal.cpu", name)` answers.
    """
    if HOST_ARCH not in _SOURCES:
        return None
    table, _ = _SOURCES[HOST_ARCH]
    words = processor_data()
    for word, bit, llvm_name in table.values():
        if llvm_name == name:
            return (words[word] >> bit) & 1
    return None
