"""Benchmark programs (MLIR, f32), the configurations they are compiled in, and a compile cache.

Shared by the asv suites (`benchmarks/benchmarks/`) and `benchmarks/side_by_side.py`.

* `PROGRAMS` -- name -> `Program` (MLIR source, exported function, input shapes).
* `CONFIGS`  -- name -> iree-compile flags (see `CONFIG_NOTES` for what each one means).
* `compile_program(program, config)` -- path of the cached `.vmfb`; raises `CompileError`
  (also cached, so a combination that does not compile fails fast the second time).
* `make_inputs(program)` -- the deterministic (seeded) input arrays.
* `KNOWN_FAILURES` -- (program, config) pairs that iree-compile 3.13 rejects, with the reason
  (none of PROGRAMS x CONFIGS); `UNSUPPORTED_CONFIGS` -- variants left out because they fail.
* `INTERPRETED_SLOW` -- pairs the `interp` tier needs seconds to minutes per call for.

`python benchmarks/programs.py [PROGRAM...]` compiles every combination and lists the failures.

Modules are cached by the test suite's compiler cache (`tests/support/modules.py`:
`<repo>/.cache/test-modules`, override `VMVXJIT_TEST_CACHE`), keyed by the sha256 of (source,
flags, `iree-compile --version`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # benchmarks run from anywhere; they share the test compiler cache
    sys.path.insert(0, str(REPO_ROOT))
from tests.support import modules  # noqa: E402
from vmvxjit.tooling.iree_tools import tool_path  # noqa: E402


def _tool(name: str) -> str:
    """Path of an IREE tool (the native binary in the wheel, else PATH)."""
    found = tool_path(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found (pip install iree-base-runtime / -compiler)")
    return found


def iree_run_module() -> str:
    return _tool("iree-run-module")


def iree_benchmark_module() -> str:
    return _tool("iree-benchmark-module")


# ------------------------------------------------------------------------------------------------
# Configurations
# ------------------------------------------------------------------------------------------------

_STATIC = ["--iree-execution-model=inline-static", "--iree-hal-target-backends=vmvx-inline"]
_DYN_LLVM = ["--iree-execution-model=inline-dynamic", "--iree-hal-target-backends=llvm-cpu",
             "--iree-llvmcpu-target-cpu=host"]
_DYN_VMVX = ["--iree-execution-model=inline-dynamic", "--iree-hal-target-backends=vmvx"]

CONFIGS: dict[str, list[str]] = {
    "static": _STATIC,
    "dyn-llvm": _DYN_LLVM,
    "dyn-vmvx": _DYN_VMVX,
    "dyn-vmvx-ukernels": [*_DYN_VMVX, "--iree-vmvx-enable-microkernels"],
    "dyn-vmvx-dt": [*_DYN_VMVX, "--iree-vmvx-enable-microkernels", "--iree-opt-data-tiling"],
}

CONFIG_NOTES = {
    "static": "inline-static, vmvx-inline: one bytecode module, kernels are VM loops",
    "dyn-llvm": "inline-dynamic, llvm-cpu (target-cpu=host): native ELF executables",
    "dyn-vmvx": "inline-dynamic, vmvx: VMVX bytecode executables (loops)",
    "dyn-vmvx-ukernels": "inline-dynamic, vmvx + --iree-vmvx-enable-microkernels",
    "dyn-vmvx-dt": "inline-dynamic, vmvx + microkernels + --iree-opt-data-tiling (mmt4d)",
}

# ------------------------------------------------------------------------------------------------
# Programs
# ------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Program:
    name: str
    function: str
    source: str
    input_shapes: tuple[tuple[int, ...], ...]
    # Programs calling transcendental functions (exp) may differ from IREE by a few ulps (libm):
    # how many ulps the side-by-side check accepts before it reports a mismatch.
    max_ulps: int = 0
    description: str = ""

    def input_args(self, directory: Path) -> list[str]:
        """`--input=@file.npy` flags for IREE's tools (writes the seeded inputs once)."""
        return [f"--input=@{p}" for p in write_inputs(self, directory)]


MATMUL = Program(
    name="matmul",
    function="matmul",
    description="linalg.matmul 256x256x256",
    input_shapes=((256, 256), (256, 256)),
    source="""\
func.func @matmul(%a: tensor<256x256xf32>, %b: tensor<256x256xf32>) -> tensor<256x256xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<256x256xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<256x256xf32>) -> tensor<256x256xf32>
  %r = linalg.matmul ins(%a, %b : tensor<256x256xf32>, tensor<256x256xf32>)
                     outs(%acc : tensor<256x256xf32>) -> tensor<256x256xf32>
  return %r : tensor<256x256xf32>
}
""")

ELEMENTWISE = Program(
    name="elementwise",
    function="elementwise",
    description="max(a*b + c, a) over 1M elements",
    input_shapes=((1048576,), (1048576,), (1048576,)),
    source="""\
func.func @elementwise(%a: tensor<1048576xf32>, %b: tensor<1048576xf32>,
                       %c: tensor<1048576xf32>) -> tensor<1048576xf32> {
  %0 = arith.mulf %a, %b : tensor<1048576xf32>
  %1 = arith.addf %0, %c : tensor<1048576xf32>
  %2 = arith.maximumf %1, %a : tensor<1048576xf32>
  return %2 : tensor<1048576xf32>
}
""")

ADD4 = Program(
    name="add4",
    function="add4",
    description="4-element add (per-call overhead)",
    input_shapes=((4,), (4,)),
    source="""\
func.func @add4(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = arith.addf %a, %b : tensor<4xf32>
  return %0 : tensor<4xf32>
}
""")

CONV2D = Program(
    name="conv2d",
    function="conv2d",
    description="conv2d NHWC 1x32x32x16 * HWCF 3x3x16x16 -> 1x30x30x16",
    input_shapes=((1, 32, 32, 16), (3, 3, 16, 16)),
    source="""\
func.func @conv2d(%x: tensor<1x32x32x16xf32>, %w: tensor<3x3x16x16xf32>) -> tensor<1x30x30x16xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<1x30x30x16xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<1x30x30x16xf32>) -> tensor<1x30x30x16xf32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x32x32x16xf32>, tensor<3x3x16x16xf32>)
         outs(%acc : tensor<1x30x30x16xf32>) -> tensor<1x30x30x16xf32>
  return %r : tensor<1x30x30x16xf32>
}
""")

SOFTMAX = Program(
    name="softmax",
    function="softmax",
    description="softmax over the last dim of 64x1024",
    input_shapes=((64, 1024),),
    max_ulps=16,
    source="""\
func.func @softmax(%x: tensor<64x1024xf32>) -> tensor<64x1024xf32> {
  %empty = tensor.empty() : tensor<64x1024xf32>
  %r = linalg.softmax dimension(1) ins(%x : tensor<64x1024xf32>)
                                   outs(%empty : tensor<64x1024xf32>) -> tensor<64x1024xf32>
  return %r : tensor<64x1024xf32>
}
""")

REDUCTION = Program(
    name="reduction",
    function="reduction",
    description="sum of each row of 1024x1024 -> 1024",
    input_shapes=((1024, 1024),),
    source="""\
func.func @reduction(%x: tensor<1024x1024xf32>) -> tensor<1024xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<1024xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<1024xf32>) -> tensor<1024xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                       iterator_types = ["parallel", "reduction"]}
         ins(%x : tensor<1024x1024xf32>) outs(%acc : tensor<1024xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<1024xf32>
  return %r : tensor<1024xf32>
}
""")

# Small kernels: the per-call cost with a little work (issue 14).
def sized_matmul(n: int) -> Program:
    """MATMUL at n×n×n, its function named matmul<n>."""
    return dataclasses.replace(
        MATMUL, name=f"matmul{n}", function=f"matmul{n}", description=f"linalg.matmul {n}x{n}x{n}",
        input_shapes=((n, n), (n, n)),
        source=MATMUL.source.replace("matmul(", f"matmul{n}(").replace("256", str(n)))


MATMUL64 = sized_matmul(64)
SOFTMAX1000 = dataclasses.replace(
    SOFTMAX, name="softmax1000", function="softmax1000", description="softmax over 1x1000",
    input_shapes=((1, 1000),),
    source=SOFTMAX.source.replace("softmax(", "softmax1000(").replace("64x1024", "1x1000"))

PROGRAMS: dict[str, Program] = {p.name: p for p in
                                (ADD4, ELEMENTWISE, MATMUL, CONV2D, SOFTMAX, REDUCTION, MATMUL64,
                                 SOFTMAX1000)}

# (program, config) pairs iree-compile 3.13 rejects, with the reason; the side-by-side script and
# the asv suites skip them without calling the compiler. Every combination of PROGRAMS x CONFIGS
# compiles with iree-compile 3.13.0rc20261016, so the table is empty. Variants left out of CONFIGS
# because they do not compile are in UNSUPPORTED_CONFIGS.
KNOWN_FAILURES: dict[tuple[str, str], str] = {}

UNSUPPORTED_CONFIGS: dict[str, tuple[list[str], str]] = {
    "static-ukernels": ([*_STATIC, "--iree-vmvx-enable-microkernels"],
                        "failed to legalize operation 'util.buffer.subspan' (add4, elementwise, "
                        "matmul, softmax; conv2d and reduction compile)"),
}

# (program, config) pairs that vmvxjit's `interp` tier (the pure-Python VM interpreter, no JIT)
# needs more than ~5 s per call for: the inline-static modules, whose kernels are VM loops. Measured
# with `side_by_side.py --tier interp --include-slow --max-seconds 10`: matmul and conv2d > 10 s
# (the 256^3 matmul takes minutes), elementwise ~7 s, reduction ~5 s; softmax ~1 s. (The VMVX
# configurations run their executables through vmvxjit's kernels in every tier, and the default
# `auto` tier compiles hot loops.) The side-by-side script skips these with the interp tier unless
# --include-slow; the asv suites unless VMVXJIT_BENCH_SLOW=1.
INTERPRETED_SLOW: frozenset[tuple[str, str]] = frozenset({
    ("matmul", "static"), ("conv2d", "static"), ("elementwise", "static"), ("reduction", "static"),
})


# ------------------------------------------------------------------------------------------------
# Inputs
# ------------------------------------------------------------------------------------------------

SEED = 20240601


def make_inputs(program: Program) -> list[np.ndarray]:
    """Deterministic inputs: standard normal f32 from a generator seeded per program."""
    seed = SEED + int.from_bytes(hashlib.sha256(program.name.encode()).digest()[:4], "little")
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(np.float32) for shape in program.input_shapes]


def write_inputs(program: Program, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, array in enumerate(make_inputs(program)):
        path = directory / f"{program.name}-input{i}.npy"
        if not path.exists():
            tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
            np.save(tmp, array)
            os.replace(tmp, path)
        paths.append(path)
    return paths


# ------------------------------------------------------------------------------------------------
# Compiling (cached)
# ------------------------------------------------------------------------------------------------


class CompileError(RuntimeError):
    """iree-compile rejected a (program, configuration); the message holds the first error."""


def first_error(stderr: str) -> str:
    """The first `error:` line of iree-compile's stderr (without the file location)."""
    for line in stderr.splitlines():
        if "error:" in line:
            return line.split("error:", 1)[1].strip()
    return stderr.strip().splitlines()[0] if stderr.strip() else "iree-compile failed"


def compile_program(program: Program | str, config: str) -> Path:
    """The `.vmfb` of *program* in *config*, compiled once and cached by the test suite's
    content-addressed compiler cache (`tests/support/modules.py`)."""
    if isinstance(program, str):
        program = PROGRAMS[program]
    try:
        return modules.compile_mlir(program.source, CONFIGS[config])
    except modules.CompileError as error:
        raise CompileError(first_error(str(error))) from None


def main(argv: list[str] | None = None) -> int:
    """`python benchmarks/programs.py`: compile every combination and print which fail."""
    argv = sys.argv[1:] if argv is None else argv
    programs = [p for p in PROGRAMS if not argv or p in argv]
    for name in programs:
        for config in CONFIGS:
            try:
                path = compile_program(name, config)
                print(f"{name:12} {config:18} ok     {path.stat().st_size:>9} B  {path.name}")
            except CompileError as error:
                print(f"{name:12} {config:18} FAILS  {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
