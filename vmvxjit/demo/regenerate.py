"""Recompiles demo.vmfb from demo.mlir with the pinned iree-compile (test extra)."""

import pathlib
import subprocess

HERE = pathlib.Path(__file__).parent
FLAGS = ["--iree-execution-model=inline-static", "--iree-hal-target-backends=vmvx-inline"]

if __name__ == "__main__":
    subprocess.run(["iree-compile", *FLAGS, str(HERE / "demo.mlir"), "-o", str(HERE / "demo.vmfb")],
                   check=True)
