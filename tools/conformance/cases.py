"""Stage 1: the ONNX backend node test cases as files iree-run-module reads (inputs, reference
outputs), generated once per onnx version, and the selection a run takes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from tools.common.files import atomic_write
from tools.conformance.config import (CACHE_ROOT, GENERATE_VERSION, NPY_DTYPES, RAW_DTYPES,
                                      dist_version, read_json)

# stage 1: generate the cases
# =============================================================================================

class _Skip(Exception):
    """A case whose inputs or outputs have no tensor form for iree-run-module."""


def _pack_subbyte(arr: np.ndarray, bits: int) -> bytes:
    codes = arr.reshape(-1).view(np.uint8).astype(np.uint16) & ((1 << bits) - 1)
    per = 8 // bits
    pad = (-codes.size) % per
    codes = np.concatenate([codes, np.zeros(pad, np.uint16)]).reshape(-1, per)
    shifts = (np.arange(per, dtype=np.uint16) * bits)
    return (codes << shifts).sum(axis=1).astype(np.uint8).tobytes()


def unpack_subbyte(raw: bytes, bits: int, kind: str, dtype: np.dtype, count: int) -> np.ndarray:
    per = 8 // bits
    data = np.frombuffer(raw, np.uint8)
    shifts = (np.arange(per, dtype=np.uint8) * bits)
    codes = ((data[:, None] >> shifts) & ((1 << bits) - 1)).reshape(-1)[:count].astype(np.int16)
    if kind == "f":
        return codes.astype(np.uint8).view(dtype)
    if kind == "i":
        codes = np.where(codes >= (1 << (bits - 1)), codes - (1 << bits), codes)
    return codes.astype(dtype)


def raw_byte_length(dtype_name: str, count: int) -> int:
    bits = RAW_DTYPES[dtype_name][1]
    return (count * bits + 7) // 8


def _write_value(value, type_proto, directory: Path, stem: str) -> dict:
    """Write one input or reference output; returns its description for the index."""
    import onnx
    from onnx import helper, numpy_helper

    if not type_proto.HasField("tensor_type"):
        field = type_proto.WhichOneof("value") or "unknown"
        raise _Skip(f"{field.replace('_type', '')} value (not a tensor)")
    elem = type_proto.tensor_type.elem_type
    if elem == onnx.TensorProto.STRING:
        raise _Skip("string tensor")
    if isinstance(value, onnx.TensorProto):
        array = numpy_helper.to_array(value)
    else:
        array = np.asarray(value)
    if array.dtype == object:
        raise _Skip("object-dtype array")
    declared = np.dtype(helper.tensor_dtype_to_np_dtype(elem))
    if array.dtype != declared:
        array = array.astype(declared)
    name = array.dtype.name
    shape = list(array.shape)
    if name in NPY_DTYPES:
        path = directory / f"{stem}.npy"
        np.save(path, array, allow_pickle=False)
        return {"file": path.name, "fmt": "npy", "dtype": name, "shape": shape}
    if name not in RAW_DTYPES:
        raise _Skip(f"{name} tensor (no iree-run-module form)")
    iree_type, bits, _ = RAW_DTYPES[name]
    raw = _pack_subbyte(array, bits) if bits < 8 else array.tobytes()
    path = directory / f"{stem}.bin"
    path.write_bytes(raw)
    return {"file": path.name, "fmt": "bin", "dtype": name, "shape": shape, "iree_type": iree_type}


def _write_case(tc, cases_dir: Path) -> dict:
    model = tc.model
    entry = {"name": tc.name, "op": model.graph.node[0].op_type if model.graph.node else "?",
             "opset": max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
                          default=0),
             "inputs": [], "outputs": [], "skip": None}
    target = cases_dir / tc.name
    work = Path(tempfile.mkdtemp(dir=cases_dir, prefix=".gen-"))
    try:
        (work / "model.onnx").write_bytes(model.SerializeToString())
        inputs, outputs = tc.data_sets[0]
        try:
            if len(inputs) != len(model.graph.input) or len(outputs) != len(model.graph.output):
                raise _Skip("data set does not match the graph's inputs/outputs")
            for j, value in enumerate(inputs):
                entry["inputs"].append(_write_value(value, model.graph.input[j].type, work, f"in_{j}"))
            for j, value in enumerate(outputs):
                entry["outputs"].append(_write_value(value, model.graph.output[j].type, work, f"ref_{j}"))
        except _Skip as skip:
            entry["skip"] = str(skip)
        h = hashlib.sha256()
        for path in sorted(work.iterdir()):
            h.update(path.name.encode())
            h.update(path.read_bytes())
        entry["digest"] = h.hexdigest()
        if target.exists():
            shutil.rmtree(target)
        os.replace(work, target)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return entry


def case_root() -> Path:
    return CACHE_ROOT / f"onnx-{dist_version('onnx')}"


def load_cases(log=print) -> list[dict]:
    """The index of all node test cases, generated from the installed onnx package once."""
    root = case_root()
    index_path = root / f"index-v{GENERATE_VERSION}.json"
    index = read_json(index_path)
    if index is not None:
        return index
    import warnings

    from onnx.backend.test.case import node

    log(f"generating ONNX node test cases into {root} ...")
    start = time.monotonic()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        cases = node.collect_testcases(None)
    cases_dir = root / "cases"
    cases_dir.mkdir(parents=True, exist_ok=True)
    index = [_write_case(tc, cases_dir) for tc in sorted(cases, key=lambda c: c.name)]
    atomic_write(index_path, json.dumps(index, indent=0))
    log(f"generated {len(index)} cases in {time.monotonic() - start:.1f}s")
    return index


def select_cases(index: list[dict], sample: int | None, pattern: str | None) -> list[dict]:
    chosen = sorted(index, key=lambda e: e["name"])
    if sample and sample > 1:
        chosen = chosen[::sample]
    if pattern:
        rx = re.compile(pattern)
        chosen = [e for e in chosen if rx.fullmatch(e["name"]) or rx.search(e["name"])]
    return chosen


# =============================================================================================
