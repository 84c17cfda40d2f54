"""The outside reference: onnxruntime's warm call on one thread for the same model and inputs
(run by `measure` in a subprocess so that a time limit can kill it; onnxruntime is optional,
not a vmvxjit dependency: without it the scoreboard shows "–").

    python -m tools.models.onnxruntime_warm MODEL.onnx --input IN.npy ... [--calls N]

prints {"seconds": median of the calls after the first} as JSON on stdout.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time

from tools.models import process
from tools.models.prepare import Prepared

BUDGET_S = 30.0


def available() -> bool:
    return importlib.util.find_spec("onnxruntime") is not None


def measure(prepared: Prepared, timeout: float) -> dict:
    """{"status": "ok", "seconds": warm call} or why not."""
    result = process.run([sys.executable, "-m", "tools.models.onnxruntime_warm", str(prepared.onnx_path),
                          *(f"--input={path}" for path in prepared.inputs)], timeout)
    section = process.outcome(result, timeout)
    if result.ok:
        section.update(json.loads(result.stdout.strip().splitlines()[-1]))
    return section


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.models.onnxruntime_warm")
    parser.add_argument("model")
    parser.add_argument("--input", action="append", default=[])
    parser.add_argument("--calls", type=int, default=10)
    args = parser.parse_args(argv)

    import numpy as np
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    feeds = {value.name: np.load(path) for value, path in zip(session.get_inputs(), args.input)}
    seconds, start = [], time.perf_counter()
    while len(seconds) < max(args.calls, 2):
        before = time.perf_counter()
        session.run(None, feeds)
        seconds.append(time.perf_counter() - before)
        if len(seconds) >= 2 and time.perf_counter() - start > BUDGET_S:
            break
    sys.stdout.write(json.dumps({"seconds": statistics.median(seconds[1:])}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
