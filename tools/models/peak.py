"""This machine's peak for separate float32 multiplies and adds on one core: the bound a
bit-identical kernel works under (IREE's interpreter and vmvxjit keep mul and add apart,
never fused), measured with a loop of independent vector multiply-then-add chains that LLVM
compiles for the host CPU.

    python -m tools.models.peak
"""

from __future__ import annotations

import ctypes
import hashlib
import struct
import time

CHAINS = 12           # independent accumulators: enough to cover the latency of mul then add
ITERATIONS = 20_000_000


def _width() -> int:
    from vmvxjit.native.cpu import cpuinfo_flags

    flags = cpuinfo_flags()
    return 16 if "avx512f" in flags else 8 if "avx" in flags else 4


def _source(width: int) -> str:
    vector = f"<{width} x float>"

    def splat(value: float) -> str:
        exact = struct.unpack("<d", struct.pack("<d", struct.unpack("<f", struct.pack("<f", value))[0]))[0]
        literal = f"0x{struct.unpack('<Q', struct.pack('<d', exact))[0]:016X}"   # LLVM's float spelling
        return "<" + ", ".join([f"float {literal}"] * width) + ">"
    lines = [f"define void @peak_mul_add(i64 %n, {vector}* %out) {{", "entry:", "  br label %loop", "loop:",
             "  %i = phi i64 [0, %entry], [%i.next, %loop]"]
    for c in range(CHAINS):
        lines.append(f"  %a{c} = phi {vector} [{splat(1.0 + c)}, %entry], [%a{c}.next, %loop]")
    for c in range(CHAINS):
        lines += [f"  %m{c} = fmul {vector} %a{c}, {splat(0.999999)}",
                  f"  %a{c}.next = fadd {vector} %m{c}, {splat(1e-6)}"]
    lines += ["  %i.next = add i64 %i, 1", "  %more = icmp ult i64 %i.next, %n",
              "  br i1 %more, label %loop, label %exit", "exit:"]
    total = "%a0.next"
    for c in range(1, CHAINS):
        lines.append(f"  %s{c} = fadd {vector} {total}, %a{c}.next")
        total = f"%s{c}"
    lines += [f"  store {vector} {total}, {vector}* %out, align 4", "  ret void", "}"]
    return "\n".join(lines) + "\n"


def gflops() -> float:
    """Separate multiply + add GFLOP/s on one core (the best of three runs)."""
    from vmvxjit.native import llvm_engine

    width = _width()
    text = _source(width)
    llvm_engine.compile_ir(text, "peak-" + hashlib.sha256(text.encode()).hexdigest()[:24])
    run = ctypes.CFUNCTYPE(None, ctypes.c_int64, ctypes.c_void_p)(llvm_engine.address("peak_mul_add"))
    out = (ctypes.c_float * width)()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        run(ITERATIONS, ctypes.addressof(out))
        best = min(best, time.perf_counter() - start)
    return 2 * ITERATIONS * CHAINS * width / best / 1e9


if __name__ == "__main__":
    print(f"{gflops():.1f} GFLOP/s (float32, separate multiply and add, one core)")
