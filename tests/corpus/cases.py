"""The end-to-end corpus: MLIR programs, the inputs they are run with, and where they compile.

Each :class:`Case` names an ``.mlir`` file in this directory, the exported function to call,
the ``--input`` strings, extra ``iree-compile`` flags, and the configurations it supports:

* ``static``       -- ``--iree-execution-model=inline-static`` + ``vmvx-inline`` (``modules.STATIC``)
* ``dynamic_llvm`` -- ``inline-dynamic`` + ``llvm-cpu`` (``modules.DYNAMIC_LLVM``)
* ``dynamic_vmvx`` -- ``inline-dynamic`` + ``vmvx`` (``modules.DYNAMIC_VMVX``)

The oracle is real IREE: ``tests/test_end_to_end.py`` compiles the file, runs it with
``iree-run-module`` and with vmvxjit, and compares stdout (and, for failures, the exit code and
the key text of the error).  ``transcendental=True`` allows a small tolerance on float elements
(libm functions may differ in the last ulp); every other case is compared exactly.

Input data is generated deterministically here (no randomness at test time).  Integer-valued or
dyadic float data is used where the reduction order must not matter; ``matmul_f32_inexact``
deliberately uses decimal fractions so that a different summation order shows up.

Everything below was checked against iree-compile / iree-run-module 3.13 when written: every case
compiles in every configuration it lists and ``iree-run-module`` runs it (exit code as recorded by
``expect_error``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent

STATIC = "static"
DYNAMIC_LLVM = "dynamic_llvm"
DYNAMIC_VMVX = "dynamic_vmvx"
ALL_CONFIGS = (STATIC, DYNAMIC_LLVM, DYNAMIC_VMVX)

F64_FLAGS = ("--iree-input-demote-f64-to-f32=false", "--iree-vm-target-extension-f64")
INLINE_CONSTANTS_FLAGS = ("--iree-flow-inline-constants-max-byte-length=1000000",)


@dataclass(frozen=True)
class Case:
    name: str
    source: str                      # file name in tests/corpus/
    function: str
    inputs: tuple[str, ...]
    flags: tuple[str, ...] = ()      # extra iree-compile flags (added to the configuration's flags)
    configs: tuple[str, ...] = ALL_CONFIGS
    transcendental: bool = False     # float elements may differ by a few ulps (libm)
    slow: bool = False               # big case: CI runs a sample (VMVXJIT_SAMPLE)
    # For cases where IREE itself fails: a substring of IREE's stderr that vmvxjit's stderr must
    # also contain (both must exit 1).  None = IREE succeeds and stdout is compared.
    expect_error: str | None = None
    # Per-configuration override of expect_error (e.g. only one configuration fails).
    expect_error_by_config: dict = field(default_factory=dict, compare=False, hash=False)
    note: str = ""

    @property
    def path(self) -> Path:
        return CORPUS_DIR / self.source

    def error_for(self, config: str) -> str | None:
        if config in self.expect_error_by_config:
            return self.expect_error_by_config[config]
        return self.expect_error


# ----------------------------------------------------------------------------------------------
# Deterministic data helpers
# ----------------------------------------------------------------------------------------------

def _lcg(n: int, seed: int) -> list[int]:
    """n pseudo-random 31-bit values (a fixed LCG, so inputs never change)."""
    out, x = [], seed & 0x7FFFFFFF
    for _ in range(n):
        x = (1103515245 * x + 12345) & 0x7FFFFFFF
        out.append(x >> 8)
    return out


def ints(n: int, lo: int, hi: int, seed: int) -> list[int]:
    return [lo + v % (hi - lo + 1) for v in _lcg(n, seed)]


def quarters(n: int, lo: int, hi: int, seed: int) -> list[float]:
    """Multiples of 0.25 in [lo, hi]: sums and products of a few are exact in f32."""
    return [q / 4 for q in ints(n, lo * 4, hi * 4, seed)]


def tenths(n: int, lo: int, hi: int, seed: int) -> list[float]:
    """Multiples of 0.1: not exactly representable, so summation order is observable."""
    return [q / 10 for q in ints(n, lo * 10, hi * 10, seed)]


def _fmt_num(v) -> str:
    if isinstance(v, float):
        r = repr(v)
        return r[:-2] if r.endswith(".0") else r
    return str(v)


def tensor(shape: tuple[int, ...], dtype: str, values) -> str:
    """An iree-run-module --input string, e.g. tensor((2, 3), 'f32', [...]) -> '2x3xf32=...'."""
    meta = "x".join([*(str(d) for d in shape), dtype])
    values = list(values)
    count = 1
    for d in shape:
        count *= d
    assert len(values) == count or len(values) <= 1, (shape, len(values))
    return meta + "=" + " ".join(_fmt_num(v) for v in values)


# Edge values
I32_MIN, I32_MAX = -(2 ** 31), 2 ** 31 - 1
I64_MIN, I64_MAX = -(2 ** 63), 2 ** 63 - 1

CASES: list[Case] = []


def case(*args, **kwargs) -> Case:
    c = Case(*args, **kwargs)
    assert c.name not in {x.name for x in CASES}, c.name
    CASES.append(c)
    return c


# ----------------------------------------------------------------------------------------------
# Elementwise
# ----------------------------------------------------------------------------------------------

case("ew_f32_add_mul_max", "elementwise_f32.mlir", "add_mul_max",
     ("8xf32=1 -2 3.5 0 -0 1e30 -7.25 100",
      "8xf32=0.5 4 -3.5 -0 0 1e30 3 -0.001"),
     note="4 results; 1e30*1e30 = inf, 0/-0 = nan, -0 results printed as -0")
case("ew_f32_select_cmp", "elementwise_f32.mlir", "select_cmp",
     ("8xf32=1 2 3 4 -5 nan 0 -0", "8xf32=2 2 1 8 -6 1 -0 0"))
case("ew_f32_special", "elementwise_f32.mlir", "special",
     ("6xf32=nan 1 -0 inf -inf 2", "6xf32=1 nan 0 -inf 5 -nan"),
     note="NaN propagation and signed zeros of minimumf/maxnumf/negf/absf")

case("ew_i32_arith", "elementwise_i32.mlir", "arith",
     (tensor((8,), "i32", [1, -1, I32_MAX, I32_MIN, 123456, -7, 0, 65536]),
      tensor((8,), "i32", [2, 5, 1, -1, 654321, -7, I32_MIN, 65536])),
     note="wraparound of add/sub/mul; maxsi vs minui on negative values")
case("ew_i32_divrem", "elementwise_i32.mlir", "divrem",
     (tensor((8,), "i32", [7, -7, 7, -7, I32_MIN, I32_MAX, 0, 100]),
      tensor((8,), "i32", [2, 2, -2, -2, 3, -1, 5, 7])))
case("ew_i32_bits", "elementwise_i32.mlir", "bits",
     (tensor((8,), "i32", [1, -1, I32_MIN, 0x12345678, -256, 5, I32_MAX, -3]),
      tensor((8,), "i32", [0, 1, 31, 4, 8, 2, 30, 31])))
case("ew_i32_compare", "elementwise_i32.mlir", "compare",
     (tensor((8,), "i32", [1, -1, 5, I32_MIN, 0, 9, -9, 3]),
      tensor((8,), "i32", [2, 1, 5, I32_MAX, -1, 9, 9, -3])))

case("ew_i8_ops", "elementwise_small_int.mlir", "i8_ops",
     ("8xi8=1 127 -128 -1 100 -100 7 0", "8xi8=1 1 -1 -1 100 3 -7 0"))
case("ew_i16_ops", "elementwise_small_int.mlir", "i16_ops",
     ("8xi16=1 32767 -32768 -1 300 -300 1000 12345", "8xi16=1 1 1 2 300 3 7 15"))
case("ew_trunc", "elementwise_small_int.mlir", "trunc",
     (tensor((8,), "i32", [255, 256, -1, 0x12345678, I32_MIN, 128, 32768, -129]),))

case("ew_i64_ops", "elementwise_i64.mlir", "i64_ops",
     (tensor((6,), "i64", [I64_MAX, I64_MIN, 1 << 40, -(1 << 33) - 5, 123456789012345, -7]),
      tensor((6,), "i64", [1, 3, 1 << 30, 7, -98765, 2])))
case("ew_i64_shift_cast", "elementwise_i64.mlir", "i64_shift_cast",
     (tensor((6,), "i64", [1, -1, I64_MIN, 0x123456789ABCDEF0, (1 << 32) + 5, -(1 << 35)]),
      tensor((6,), "i64", [63, 1, 1, 4, 32, 33])))

case("cast_float_to_int", "casts.mlir", "float_to_int",
     ("8xf32=2.5 -2.5 2.7 -2.7 0.49 100.5 3.99 -0.5",),
     note="fptosi rounds half away from zero in the 3.13 VM lowering (cast.f32.si32)")
case("cast_int_to_float", "casts.mlir", "int_to_float",
     (tensor((8,), "i32", [0, 1, -1, I32_MAX, I32_MIN, 16777217, -16777217, 123]),))
case("cast_bitcast", "casts.mlir", "bitcast",
     ("8xf32=1 -1 0 -0 inf -inf nan 1e-45",))

# ----------------------------------------------------------------------------------------------
# Matmul
# ----------------------------------------------------------------------------------------------

case("matmul_f32_8x16x4", "matmul.mlir", "matmul_f32_8x16x4",
     (tensor((8, 16), "f32", quarters(128, -4, 4, 1)),
      tensor((16, 4), "f32", quarters(64, -4, 4, 2))))
case("matmul_f32_33x17x9", "matmul.mlir", "matmul_f32_33x17x9",
     (tensor((33, 17), "f32", quarters(33 * 17, -3, 3, 3)),
      tensor((17, 9), "f32", quarters(17 * 9, -3, 3, 4))),
     slow=True)
case("matmul_f32_inexact", "matmul.mlir", "matmul_f32_33x17x9",
     (tensor((33, 17), "f32", tenths(33 * 17, -2, 2, 5)),
      tensor((17, 9), "f32", tenths(17 * 9, -2, 2, 6))),
     slow=True,
     note="decimal fractions: exact match requires IREE's k-order, non-fused multiply-add")
case("matmul_i32_8x16x4", "matmul.mlir", "matmul_i32_8x16x4",
     (tensor((8, 16), "i32", ints(128, -1000, 1000, 7)),
      tensor((16, 4), "i32", ints(64, -1000, 1000, 8))))
case("matmul_i32_33x17x9", "matmul.mlir", "matmul_i32_33x17x9",
     (tensor((33, 17), "i32", ints(33 * 17, -50000, 50000, 9)),
      tensor((17, 9), "i32", ints(17 * 9, -50000, 50000, 10))),
     slow=True, note="products overflow i32: wraparound")
case("matmul_acc_f32", "matmul.mlir", "matmul_acc_f32",
     (tensor((5, 3), "f32", quarters(15, -2, 2, 11)),
      tensor((3, 7), "f32", quarters(21, -2, 2, 12)),
      tensor((5, 7), "f32", quarters(35, -8, 8, 13))))

# ----------------------------------------------------------------------------------------------
# Reductions, softmax, convolution, transpose, gather, argmax
# ----------------------------------------------------------------------------------------------

case("reduce_sum_axis1", "reductions.mlir", "sum_axis1",
     (tensor((6, 10), "f32", quarters(60, -10, 10, 14)),))
case("reduce_max_axis0", "reductions.mlir", "max_axis0",
     (tensor((6, 10), "f32", quarters(60, -10, 10, 15)),))
case("reduce_sum_i32", "reductions.mlir", "sum_i32_all",
     (tensor((4, 5, 3), "i32", ints(60, -100000, 100000, 16)),))

case("softmax", "softmax.mlir", "softmax",
     (tensor((4, 10), "f32", tenths(40, -5, 5, 17)),), transcendental=True)

case("conv2d_nhwc_hwcf", "conv2d.mlir", "conv2d",
     (tensor((1, 6, 6, 2), "f32", quarters(72, -2, 2, 18)),
      tensor((3, 3, 2, 4), "f32", quarters(72, -2, 2, 19))))
case("conv2d_stride2", "conv2d.mlir", "conv2d_stride2",
     (tensor((2, 7, 7, 3), "f32", quarters(294, -2, 2, 20)),
      tensor((3, 3, 3, 2), "f32", quarters(54, -2, 2, 21))),
     slow=True)

case("transpose_2d", "transpose.mlir", "transpose2d",
     (tensor((3, 5), "f32", range(15)),))
case("transpose_3d", "transpose.mlir", "transpose3d",
     (tensor((2, 3, 4), "i32", range(24)),))

case("gather_rows", "gather_argmax.mlir", "gather_rows",
     (tensor((6, 4), "f32", [float(v) for v in range(24)]), "5xi32=5 0 3 3 1"))
case("gather_hlo", "gather_argmax.mlir", "gather_hlo",
     (tensor((5, 3), "i32", range(10, 25)), "i64=3"))
case("gather_hlo_out_of_range", "gather_argmax.mlir", "gather_hlo",
     (tensor((5, 3), "i32", range(10, 25)), "i64=9"),
     configs=(STATIC, DYNAMIC_VMVX),
     expect_error="out-of-bounds access detected (offset=108, length=4, alignment=4, buffer length=60)",
     note="StableHLO says the start index is clamped, but IREE 3.13 does not clamp: the VM "
          "buffer.load is out of bounds -> OUT_OF_RANGE. dynamic_llvm dropped: the native code reads "
          "past the buffer and printed garbage (3xi32=0 2495904 0), which is not reproducible")
case("argmax", "gather_argmax.mlir", "argmax",
     ("3x7xf32=[1 5 2 5 0 -1 3][-3 -2 -9 -1 -8 -7 -1][0 0 0 0 0 0 7]",))

# ----------------------------------------------------------------------------------------------
# Dynamic shapes
# ----------------------------------------------------------------------------------------------

case("dyn_add_3", "dynamic.mlir", "dyn_add", ("3xf32=1 2 3", "3xf32=10 20 30"))
case("dyn_add_17", "dynamic.mlir", "dyn_add",
     (tensor((17,), "f32", quarters(17, -5, 5, 22)), tensor((17,), "f32", quarters(17, -5, 5, 23))))
case("dyn_add_0", "dynamic.mlir", "dyn_add", ("0xf32", "0xf32"), note="empty tensors")
case("dyn_2d_2x3", "dynamic.mlir", "dyn_2d", ("2x3xf32=1 2 3 4 5 6",))
case("dyn_2d_5x1", "dynamic.mlir", "dyn_2d", ("5x1xf32=1 -2 3 -4 5",))
case("dyn_2d_7x9", "dynamic.mlir", "dyn_2d", (tensor((7, 9), "f32", quarters(63, -4, 4, 24)),))
case("dyn_matmul_3x4x2", "dynamic.mlir", "dyn_matmul",
     (tensor((3, 4), "f32", quarters(12, -2, 2, 25)), tensor((4, 2), "f32", quarters(8, -2, 2, 26))))
case("dyn_matmul_9x5x11", "dynamic.mlir", "dyn_matmul",
     (tensor((9, 5), "f32", quarters(45, -2, 2, 27)), tensor((5, 11), "f32", quarters(55, -2, 2, 28))),
     slow=True)

# ----------------------------------------------------------------------------------------------
# Rank-0 tensors, primitive arguments and results, f64
# ----------------------------------------------------------------------------------------------

case("rank0", "scalars.mlir", "rank0", ("f32=3.5", "f32=-2"))
case("prims", "scalars.mlir", "prims", ("46341", "9223372036854775800", "0.25"),
     note="46341^2 overflows i32; b + sext(a) wraps i64")
case("prims_negative", "scalars.mlir", "prims", ("-7", "-1", "-1e10"))
case("scale_tensor_by_scalar", "scalars.mlir", "scale", ("4xf32=1 2 3 4", "-0.5"))
case("extract_insert", "scalars.mlir", "extract_insert", ("5xi32=10 20 30 40 50", "3", "-1"))

case("f64_ops", "f64.mlir", "f64_ops",
     ("5xf64=2 0.1 1e300 -0 9", "5xf64=3 0.2 1e300 0 -9"), flags=F64_FLAGS)
case("f64_prims", "f64.mlir", "f64_prims", ("0.1", "0.2"), flags=F64_FLAGS)
case("f64_convert", "f64_convert.mlir", "f64_convert", ("4xf32=1 2 -7 0.1",), flags=F64_FLAGS,
     configs=(DYNAMIC_LLVM,),
     note="static/dynamic_vmvx dropped: iree-compile 3.13 fails to legalize arith.truncf f64->f32 "
          "inside vmvx dispatches")

# ----------------------------------------------------------------------------------------------
# Host-level loops
# ----------------------------------------------------------------------------------------------

case("loop_collatz_27", "loops.mlir", "collatz", ("27",))
case("loop_collatz_1", "loops.mlir", "collatz", ("1",), note="zero iterations")
case("loop_grow_tensor", "loops.mlir", "grow", ("4xf32=1 2 3 4", "1000"))
case("loop_powers", "loops.mlir", "powers", ("3xi32=2 -3 7", "11"))
case("loop_powers_zero_trips", "loops.mlir", "powers", ("3xi32=2 -3 7", "0"))

# ----------------------------------------------------------------------------------------------
# Large constants
# ----------------------------------------------------------------------------------------------

case("large_constant_inlined", "large_constant.mlir", "add_const",
     (tensor((32, 32), "f32", quarters(1024, -8, 8, 29)),), flags=INLINE_CONSTANTS_FLAGS, slow=True)
case("large_constant_default", "large_constant.mlir", "add_const",
     (tensor((32, 32), "f32", quarters(1024, -8, 8, 29)),), slow=True,
     expect_error_by_config={
         # IREE 3.13 emits a null buffer for the constant instead of rodata:
         STATIC: "INVALID_ARGUMENT; source_buffer is null",
         DYNAMIC_LLVM: "INVALID_ARGUMENT; ref is null",
         DYNAMIC_VMVX: "INVALID_ARGUMENT; ref is null",
     },
     note="without --iree-flow-inline-constants-max-byte-length the module compiles but fails at "
          "run time in every configuration (recorded IREE 3.13 behaviour)")

# ----------------------------------------------------------------------------------------------
# Math
# ----------------------------------------------------------------------------------------------

case("math_transcendental", "math.mlir", "transcendental",
     ("8xf32=0 1 -1 0.5 -2.25 3 10 -0.001",), transcendental=True)
case("math_binary", "math.mlir", "binary_transcendental",
     ("8xf32=2 2 -8 0.5 1 0 -1 3", "8xf32=10 0.5 3 -2 -1 -1 -1 1.5"), transcendental=True)
case("math_exact", "math.mlir", "exact_math",
     ("8xf32=2.5 -2.5 3.5 -0.5 0.49999997 16 -7.75 1e20",))

# ----------------------------------------------------------------------------------------------
# Error cases: vmvxjit must exit 1 and print IREE's key text
# ----------------------------------------------------------------------------------------------

case("err_wrong_shape", "errors.mlir", "add4", ("3xf32=1 2 3", "4xf32=1 2 3 4"),
     expect_error="input0 shape dimension 0 mismatch")
case("err_wrong_shape_arg1", "errors.mlir", "add4", ("4xf32=1 2 3 4", "2x2xf32=1 2 3 4"),
     expect_error="input1 shape rank mismatch")
case("err_wrong_element_type", "errors.mlir", "add4", ("4xi32=1 2 3 4", "4xf32=1 2 3 4"),
     expect_error="input0 element type mismatch")
case("err_too_few_inputs", "errors.mlir", "add4", ("4xf32=1 2 3 4",),
     expect_error="INVALID_ARGUMENT")
case("err_too_many_inputs", "errors.mlir", "add4", ("4xf32=1", "4xf32=2", "4xf32=3"),
     expect_error="INVALID_ARGUMENT")
case("err_data_underflow", "errors.mlir", "add4", ("4xf32=1 2 3", "4xf32=1 2 3 4"),
     expect_error="input data string underflow")
case("err_scalar_spelling", "errors.mlir", "scalar_arg", ("i32=5",),
     expect_error="parsing value `i32=5` as i32")


def by_name(name: str) -> Case:
    for c in CASES:
        if c.name == name:
            return c
    raise KeyError(name)
