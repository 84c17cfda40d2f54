"""The bundled demo, run by `python -m vmvxjit run` without a module: a digit classifier
(an MLP trained with numpy on 8x8 digits drawn from a bitmap font), compiled for inline-static
vmvx-inline, which runs on any CPU. `show.py` says what runs and what came out;
`make_demo.py` regenerates the files from fixed seeds."""

from pathlib import Path

HERE = Path(__file__).parent
SOURCE = HERE / "demo.mlir"
MODULE = HERE / "demo.vmfb"
INPUT = HERE / "digit.npy"
FUNCTION = "predict"
DIGIT = 3              # what the input shows
TIER = "interp"        # `run`'s default for the demo: a call is a few ms of interpretation,
                       # less than importing the JIT and generating its code costs
