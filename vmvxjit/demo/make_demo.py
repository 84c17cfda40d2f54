"""Regenerates the bundled demo: trains the classifier (numpy, fixed seeds), writes its MLIR
source (demo.mlir) and the input the demo classifies (digit.npy), and compiles demo.vmfb with
IREE's compiler (the `compiler` or `test` extra). Every run writes the same bytes.

    python -m vmvxjit.demo.make_demo [DIRECTORY]     # default: this package's folder
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from vmvxjit.demo import DIGIT, INPUT, MODULE, SOURCE, digits, source, train

SEED = 0               # training set, initial weights and batch order
TEST_SEED = 1          # the images accuracy is measured on
INPUT_SEED = 7         # the demo's input: a 3 with its own shift and noise
TRAIN_COUNT, TEST_COUNT = 4000, 1000


def weights() -> list[np.ndarray]:
    rng = np.random.default_rng(SEED)
    return train.train(rng, *digits.dataset(rng, TRAIN_COUNT))


def demo_input() -> np.ndarray:
    """The 1x8x8 f32 image the demo classifies."""
    return digits.render(np.random.default_rng(INPUT_SEED), DIGIT)[None].astype(np.float32)


def build(directory: Path) -> float:
    """Writes the demo's files into `directory`; returns the accuracy on fresh images."""
    trained = weights()
    (directory / SOURCE.name).write_text(source.model_mlir(trained))
    np.save(directory / INPUT.name, demo_input())
    _compile(directory)
    return train.accuracy(trained, np.random.default_rng(TEST_SEED), TEST_COUNT)


def _compile(directory: Path) -> None:
    """Compiles from inside `directory`, so the module's source locations name `demo.mlir`
    and not a path that depends on the checkout."""
    from vmvxjit.tooling.compile import compile_file

    previous = os.getcwd()
    os.chdir(directory)
    try:
        compile_file(Path(SOURCE.name), Path(MODULE.name))
    finally:
        os.chdir(previous)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE.parent
    share = build(target)
    print(f"wrote {SOURCE.name}, {INPUT.name}, {MODULE.name} in {target}; "
          f"accuracy on {TEST_COUNT} fresh images: {share:.1%}")
