"""Compares vmvxjit's inline `expf` variants with this process's libm on all 2^32 float32 inputs.

    PYTHONPATH=. python tools/expf_exhaustive.py

Prints, per variant (FMA and SSE2 build of glibc's algorithm), how many inputs give other
bits than libm's `expf` (NaNs compared by bits too), and the first few inputs where the two
variants differ from each other (candidates for the run-time probes in expf.py). About a
minute per variant on one core.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

from vmvxjit.native.numba_intrinsics import bits_from_f32
from vmvxjit.vm.jit.expf import _expf, mismatches

CHUNK = 1 << 26


@njit(cache=True)
def _differences(inputs, limit):
    """Up to `limit` of `inputs` where the FMA and SSE2 variants disagree, and how many there are."""
    found = np.empty(limit, dtype=np.float32)
    count = 0
    for x in inputs:
        if bits_from_f32(_expf(x, True)) != bits_from_f32(_expf(x, False)):
            if count < limit:
                found[count] = x
            count += 1
    return found[:min(count, limit)], count


def main() -> None:
    totals = {True: 0, False: 0}
    differ, examples = 0, []
    start = time.perf_counter()
    for base in range(0, 1 << 32, CHUNK):
        inputs = np.arange(base, base + CHUNK, dtype=np.uint64).astype(np.uint32).view(np.float32)
        for fused in totals:
            totals[fused] += mismatches(inputs, fused)
        found, count = _differences(inputs, 4)
        differ += count
        examples += [float(v).hex() for v in found]
    print(f"inputs: {1 << 32}, {time.perf_counter() - start:.0f} s")
    print(f"FMA variant vs libm expf: {totals[True]} mismatches")
    print(f"SSE2 variant vs libm expf: {totals[False]} mismatches")
    print(f"FMA vs SSE2 variant: {differ} inputs differ, e.g. {examples[:16]}")


if __name__ == "__main__":
    main()
