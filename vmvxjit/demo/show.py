"""What `python -m vmvxjit run` prints around the demo's iree-run-module output: what runs
(model, module and configuration, the input drawn in characters) before it, the answer
(the digit and every digit's probability) and how to run one's own module after it."""

from __future__ import annotations

import numpy as np

from vmvxjit.demo import TIER
from vmvxjit.tooling.arrays import array_from_buffer_view

SHADES = " .:-=+*#%@"          # pixel 0 .. 1, two characters per pixel
BAR = 40                      # characters for probability 1
TIER_NOTE = " (a call is ~5 ms of work, less than the JIT's start-up; --tier=auto to use it)"
HOW_TO = ("\nYour own model: python -m vmvxjit compile model.onnx -o model.vmfb, then "
          "python -m vmvxjit run model.vmfb --input=... (README.md)\n")


def intro(module: str, inputs: list[str], values: list, tier: str) -> str:
    image = array_from_buffer_view(values[0]).reshape(8, 8)
    shades = np.clip(np.rint(image * (len(SHADES) - 1)), 0, len(SHADES) - 1).astype(int)
    art = "".join("          |" + "".join(SHADES[s] * 2 for s in row) + "|\n" for row in shades)
    return (
        "vmvxjit demo (`run` without a module): a digit classifier\n"
        "  model:  an MLP 64-32-10 (ReLU, softmax), trained with numpy on 8x8 digits drawn from a\n"
        "          bitmap font with shifts, dropped pixels and noise (vmvxjit/demo/make_demo.py);\n"
        "          its weights are constants in its source, demo.mlir\n"
        f"  module: {module}\n"
        "          compiled by iree-compile for inline-static vmvx-inline (VM bytecode, any CPU)\n"
        f"  tier:   {tier}{TIER_NOTE if tier == TIER else ''}\n"
        f"  input:  {' '.join('--input=' + text for text in inputs)} (1x8x8xf32):\n{art}")


def answer(results: list) -> str:
    scores = array_from_buffer_view(results[0]).reshape(-1)
    best = int(scores.argmax())
    lines = [f"  answer: {best} (probability {scores[best]:.1%})"]
    lines += [f"          {digit}  {score:6.1%}  {'#' * round(score * BAR)}".rstrip()
              for digit, score in enumerate(scores)]
    return "\n".join(lines) + "\n\nThe result, as iree-run-module prints it:\n"
