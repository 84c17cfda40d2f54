"""Compile MLIR test programs with `iree-compile`, cached on disk.

`compile_mlir(source, flags)` returns the path of a `.vmfb` keyed by the
sha256 of (source, flags, iree-compile version), so reruns and parallel test
workers reuse one artifact. Outputs are written to a temporary file and
renamed into place, so a concurrent reader never sees a partial module.
The source is compiled from a file named `input.mlir`, so debug locations
read `input.mlir:LINE:COL`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import signal
import subprocess
import tempfile
from pathlib import Path

IREE_COMPILE = os.environ.get("IREE_COMPILE", "iree-compile")
REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE_NAME = "input.mlir"
COMPILE_TIMEOUT_S = float(os.environ.get("VMVXJIT_COMPILE_TIMEOUT", "300"))

STATIC = ["--iree-execution-model=inline-static", "--iree-hal-target-backends=vmvx-inline"]
DYNAMIC_LLVM = ["--iree-execution-model=inline-dynamic", "--iree-hal-target-backends=llvm-cpu",
                "--iree-llvmcpu-target-cpu=generic"]
DYNAMIC_VMVX = ["--iree-execution-model=inline-dynamic", "--iree-hal-target-backends=vmvx"]
MICROKERNELS_VMVX = [*DYNAMIC_VMVX, "--iree-vmvx-enable-microkernels"]
DATA_TILED_VMVX = [*MICROKERNELS_VMVX, "--iree-opt-data-tiling"]      # vmvx.pack, vmvx.mmt4d, vmvx.unpack
CONFIGS = {"static": STATIC, "dynamic_llvm": DYNAMIC_LLVM, "dynamic_vmvx": DYNAMIC_VMVX}
FULL_HAL = ["--iree-hal-target-backends=vmvx"]   # no inline execution model: vmvxjit refuses it
BARE = ["--iree-vm-emit-polyglot-zip=false"]   # add to a config: no ZIP wrapper


class CompileError(RuntimeError):
    """iree-compile rejected a test program (message holds its stderr)."""


def cache_dir() -> Path:
    path = Path(os.environ.get("VMVXJIT_TEST_CACHE", REPO_ROOT / ".cache" / "test-modules"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@functools.cache
def compiler_version() -> str:
    result = subprocess.run([IREE_COMPILE, "--version"], capture_output=True, text=True,
                            check=True)
    return result.stdout.strip()


def cache_key(source: str, flags: list[str]) -> str:
    payload = json.dumps([source, list(flags), compiler_version()])
    return hashlib.sha256(payload.encode()).hexdigest()


def compile_mlir(source: str, flags: list[str]) -> Path:
    """The `.vmfb` for `source` compiled with `flags` (compiled once, then cached)."""
    target = cache_dir() / f"{cache_key(source, flags)}.vmfb"
    if target.exists():
        return target
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".compile-") as work:
        (Path(work) / SOURCE_NAME).write_text(source)
        process = subprocess.Popen([IREE_COMPILE, *flags, SOURCE_NAME, "-o", "module.vmfb"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   cwd=work, start_new_session=True)
        try:
            _, stderr = process.communicate(timeout=COMPILE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            # iree-compile 3.13 hangs on recursive functions; the pip wrapper
            # leaves the real compiler running unless its whole group is killed.
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise CompileError(f"iree-compile {' '.join(flags)} timed out after "
                               f"{COMPILE_TIMEOUT_S} s") from None
        if process.returncode != 0:
            raise CompileError(f"iree-compile {' '.join(flags)} failed:\n{stderr}")
        os.replace(Path(work) / "module.vmfb", target)
    return target


# Small sample programs shared by the container, module and dump tests.
ADD_F32 = """\
func.func @add(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = arith.addf %a, %b : tensor<4xf32>
  return %0 : tensor<4xf32>
}
"""

# Three internal functions: a private helper (not inlined) and two exports.
MULTI_FUNCTION = """\
func.func private @helper(%a: i32) -> i32 attributes {noinline} {
  %c = arith.constant 3 : i32
  %r = arith.muli %a, %c : i32
  return %r : i32
}
func.func @f(%a: i32) -> i32 {
  %r = call @helper(%a) : (i32) -> i32
  return %r : i32
}
func.func @g(%a: i32) -> i32 {
  %r = call @helper(%a) : (i32) -> i32
  %s = arith.addi %r, %a : i32
  return %s : i32
}
"""
