"""Result checks: close to ONNX's reference (onnx's backend-test tolerance), bit-identical to IREE."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def load(paths: list[Path]) -> list[np.ndarray]:
    return [np.load(path) for path in paths]


def onnx_mismatch(actual: list[np.ndarray], expected: list[np.ndarray], rtol: float,
                  atol: float) -> str | None:
    """None when every output is within onnx's `assert_allclose(rtol, atol)`, else why not."""
    if len(actual) != len(expected):
        return f"{len(actual)} outputs, expected {len(expected)}"
    for i, (a, e) in enumerate(zip(actual, expected)):
        if a.shape != e.shape or a.dtype != e.dtype:
            return f"output {i}: {a.dtype}{list(a.shape)}, expected {e.dtype}{list(e.shape)}"
        error = np.abs(a.astype(np.float64) - e.astype(np.float64))
        bad = ~(error <= atol + rtol * np.abs(e.astype(np.float64)))
        if bad.any():
            return (f"output {i}: {int(bad.sum())}/{bad.size} elements off, max abs error "
                    f"{float(np.nanmax(error)):.3g}")
    return None


def bit_identical(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(x.shape == y.shape and x.dtype == y.dtype
                                    and x.tobytes() == y.tobytes() for x, y in zip(a, b))
