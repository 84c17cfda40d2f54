"""The thread counts the end-to-end suites run each case at.

Every case runs with `--threads=2` and every dispatch that has several workgroups run in
parts from its first run, every loop of inline-static code that may run in chunks in chunks
(`split_dispatches`: the work thresholds off, so small test dispatches and loops split too),
and a fixed sample of the cases also with `--threads=1`, IREE's
order. Each run must print what `iree-run-module` prints, so the two are bit-identical.
The sample is every case whose id hashes (CRC-32, salted apart from the tiers' sample) to
0 modulo SERIAL_SAMPLE_EVERY, so it stays the same as cases are added elsewhere.

VMVXJIT_TEST_THREADS=1,2 instead runs every case at each listed count.
"""

from __future__ import annotations

import os
import zlib

import pytest

PARALLEL = 2
SERIAL_SAMPLE_EVERY = 4


def in_serial_sample(case_id: str) -> bool:
    return zlib.crc32(f"threads {case_id}".encode()) % SERIAL_SAMPLE_EVERY == 0


def with_threads(params: list) -> list:
    """Each of `params` (a `pytest.param` with an id) once per thread count to run it at,
    the count as its last value and its id ending in `-t<count>`."""
    listed = [int(t) for t in os.environ.get("VMVXJIT_TEST_THREADS", "").split(",") if t.strip()]
    out = []
    for param in params:
        counts = listed or [PARALLEL, *([1] if in_serial_sample(param.id) else [])]
        out += [pytest.param(*param.values, threads, marks=param.marks, id=f"{param.id}-t{threads}")
                for threads in counts]
    return out


def split_dispatches(threads: int, monkeypatch) -> None:
    """With several threads, every dispatch with several workgroups runs in parts, and every
    loop of inline-static code that may run in chunks does (parallel_loops.py)."""
    if threads > 1:
        from vmvxjit.native import native_workers, workers
        from vmvxjit.vm.jit import native_chunks, switches

        monkeypatch.setattr(workers, "PARALLEL_ABOVE_S", 0.0)
        monkeypatch.setattr(native_workers, "PARALLEL_ABOVE_S", 0.0)
        monkeypatch.setattr(native_chunks, "PARALLEL_ABOVE_S", 0.0)
        monkeypatch.setattr(switches, "PARALLEL_MIN_WORK", 0)
