"""Outputs against ONNX's reference outputs: floats within rtol/atol (NaN equals NaN),
everything else exactly, shapes and element types exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tools.conformance.cases import raw_byte_length, unpack_subbyte
from tools.conformance.config import ATOL, RAW_DTYPES, RTOL

# stage 4: run and compare
# =============================================================================================

def load_output(path: Path, spec: dict):
    """An output file as an array (raw .bin files reinterpreted with the reference's type)."""
    if spec["fmt"] == "npy":
        return np.load(path, allow_pickle=False)
    import ml_dtypes  # noqa: F401  (registers the dtypes)

    raw = path.read_bytes()
    count = int(np.prod(spec["shape"], dtype=np.int64))
    expected = raw_byte_length(spec["dtype"], count)
    if len(raw) != expected:
        raise ValueError(f"{len(raw)} bytes, expected {expected}")
    dtype = np.dtype(getattr(ml_dtypes, spec["dtype"]))
    _, bits, kind = RAW_DTYPES[spec["dtype"]]
    if bits < 8:
        return unpack_subbyte(raw, bits, kind, dtype, count).reshape(spec["shape"])
    return np.frombuffer(raw, dtype).reshape(spec["shape"])


def _load_reference(case_dir: Path, spec: dict):
    return load_output(case_dir / spec["file"], spec)


def _is_float(dtype: np.dtype) -> bool:
    return dtype.kind == "f" or (dtype.name in RAW_DTYPES and RAW_DTYPES[dtype.name][2] == "f")


def compare_array(actual: np.ndarray, expected: np.ndarray, demoted: bool = False) -> str | None:
    """None when `actual` matches the reference, else why not."""
    if actual.shape != expected.shape:
        return f"shape {list(actual.shape)} != expected {list(expected.shape)}"
    if (actual.dtype.kind in "iu" and expected.dtype.kind in "iu" and actual.dtype != expected.dtype
            and actual.dtype.itemsize == expected.dtype.itemsize):
        # IREE's integers are signless: its npy writer says `<i4` for a ui32 result
        actual = actual.view(expected.dtype)
    if actual.dtype != expected.dtype and not (
            demoted and expected.dtype == np.float64 and actual.dtype == np.float32):
        return f"element type {actual.dtype} != expected {expected.dtype}"
    if _is_float(expected.dtype):
        a, e = actual.astype(np.float64), expected.astype(np.float64)
        with np.errstate(all="ignore"):
            ok = np.isclose(a, e, rtol=RTOL, atol=ATOL, equal_nan=True)
            if ok.all():
                return None
            bad = ~ok
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            finite = bad & np.isfinite(a) & np.isfinite(e)
            abs_err = float(np.max(np.abs(a - e)[finite])) if finite.any() else float("nan")
            rel_err = (float(np.max((np.abs(a - e) / np.maximum(np.abs(e), 1e-30))[finite]))
                       if finite.any() else float("nan"))
        return (f"{int(bad.sum())}/{bad.size} elements differ; max abs err {abs_err:.3g}, max rel err "
                f"{rel_err:.3g}; first at {list(first)}: {a[first]!r} vs expected {e[first]!r}")
    a, e = actual, expected
    if a.dtype.name in RAW_DTYPES:
        a, e = a.astype(np.int64), e.astype(np.int64)
    if np.array_equal(a, e):
        return None
    bad = a != e
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    return (f"{int(bad.sum())}/{bad.size} elements differ; first at {list(first)}: "
            f"{a[first]!r} vs expected {e[first]!r}")


def same_arrays(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if _is_float(a.dtype):
        x, y = a.astype(np.float64), b.astype(np.float64)
        return bool(np.all((x == y) | (np.isnan(x) & np.isnan(y))))
    return bool(np.array_equal(a, b))


def compare_outputs(out_paths: list[Path], case_dir: Path, entry: dict, demoted: bool) -> tuple[str, str]:
    """("pass", "") or ("wrong", reason) against ONNX's reference outputs."""
    for j, (path, spec) in enumerate(zip(out_paths, entry["outputs"])):
        if not path.exists():
            return "wrong", f"output {j} was not written"
        try:
            actual = load_output(path, spec)
        except ValueError as exc:
            return "wrong", f"output {j}: {exc}"
        reason = compare_array(actual, _load_reference(case_dir, spec), demoted)
        if reason:
            return "wrong", f"output {j}: {reason}"
    return "pass", ""
