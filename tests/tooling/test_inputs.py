"""`--input` parsing: unit tests, then byte-for-byte comparisons with iree-run-module.

The oracle runs identity functions compiled for the full HAL (llvm-cpu,
`--device=local-sync`): they hand their argument views back untouched, so
iree-run-module's stdout is exactly "parse the input, print it", which is what
`parse_inputs` + `format_run_output` must reproduce. The helpers at the top are
shared with test_outputs.py and test_npy.py.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import struct
import subprocess

import numpy as np
import pytest

from tests.support.modules import compile_mlir
from vmvxjit.declaration import parse_declaration
from vmvxjit.errors import (Error, InvalidArgumentError, NotFoundError, OutOfRangeError,
                            ResourceExhaustedError, UnimplementedError)
from vmvxjit.hal_inline.buffer import BufferView, HalBuffer
from vmvxjit.tooling.arrays import array_from_buffer_view
from vmvxjit.tooling.inputs import (InputFiles, declared_checks, parse_elements, parse_input,
                                    parse_inputs, parse_scalar, parse_shape, parse_tensor)
from vmvxjit.tooling.outputs import format_run_output

# --- oracle helpers ----------------------------------------------------------------------------

FULL_HAL_FLAGS = ["--iree-hal-target-backends=llvm-cpu", "--iree-llvmcpu-target-cpu=generic",
                  "--iree-input-demote-f64-to-f32=false"]
# IREE element type name -> MLIR element type, for the identity functions.
IDENTITY_TYPES = {
    "i1": "i1", "i4": "i4", "i8": "i8", "i16": "i16", "i32": "i32", "i64": "i64",
    "si8": "si8", "si16": "si16", "si32": "si32", "si64": "si64",
    "ui8": "ui8", "ui16": "ui16", "ui32": "ui32", "ui64": "ui64",
    "f16": "f16", "bf16": "bf16", "f32": "f32", "f64": "f64",
    "cf64": "complex<f32>", "cf128": "complex<f64>",
    "f8E5M2": "f8E5M2", "f8E4M3FN": "f8E4M3FN", "f8E5M2FNUZ": "f8E5M2FNUZ",
    "f8E4M3FNUZ": "f8E4M3FNUZ", "f8E8M0FNU": "f8E8M0FNU",
}
PLUMBING_SOURCE = """\
func.func @sc(%a: i32, %b: i64, %c: f32, %d: f64) -> (i32, i64, f32, f64) {
  return %a, %b, %c, %d : i32, i64, f32, f64
}
func.func @mixed(%a: i32, %b: tensor<?xf32>, %c: f32) -> (f32, tensor<?xf32>, i32) {
  return %c, %b, %a : f32, tensor<?xf32>, i32
}
func.func @two(%a: tensor<?x?xi32>, %b: tensor<?xf32>) -> (tensor<?x?xi32>, tensor<?xf32>) {
  return %a, %b : tensor<?x?xi32>, tensor<?xf32>
}
func.func @three(%a: tensor<?xf32>, %b: tensor<?xf32>, %c: tensor<?xf32>)
    -> (tensor<?xf32>, tensor<?xf32>, tensor<?xf32>) {
  return %a, %b, %c : tensor<?xf32>, tensor<?xf32>, tensor<?xf32>
}
func.func @buf(%a: !hal.buffer) -> !hal.buffer {
  return %a : !hal.buffer
}
"""
# function -> (argument cconv, result cconv, result i = argument order[i]).
PLUMBING_SIGNATURES = {
    "sc": ("iIfF", "iIfF", (0, 1, 2, 3)), "mixed": ("irf", "fri", (2, 1, 0)),
    "two": ("rr", "rr", (0, 1)), "three": ("rrr", "rrr", (0, 1, 2)), "buf": ("r", "r", (0,)),
}


def identity_source() -> str:
    lines = []
    for name, mlir in IDENTITY_TYPES.items():
        for rank in range(4):
            tensor = f"tensor<{'?x' * rank}{mlir}>"
            lines.append(f"func.func @id_{name}_r{rank}(%a: {tensor}) -> {tensor} "
                         f"{{ return %a : {tensor} }}")
    return "\n".join(lines) + "\n"


@functools.cache
def identity_module():
    return compile_mlir(identity_source(), FULL_HAL_FLAGS)


@functools.cache
def plumbing_module():
    return compile_mlir(PLUMBING_SOURCE, FULL_HAL_FLAGS)


def identity(type_name: str, rank: int) -> str:
    return f"id_{type_name}_r{rank}"


def signature(function: str):
    return PLUMBING_SIGNATURES.get(function, ("r", "r", (0,)))


def module_for(function: str):
    return plumbing_module() if function in PLUMBING_SIGNATURES else identity_module()


@functools.cache
def iree_binary() -> str | None:
    """The native iree-run-module (the pip console script adds ~250 ms per run)."""
    if os.environ.get("IREE_RUN_MODULE"):
        return os.environ["IREE_RUN_MODULE"]
    try:
        import iree._runtime_libs as libs
        native = os.path.join(os.path.dirname(libs.__file__), "iree-run-module")
        if os.access(native, os.X_OK):
            return native
    except ImportError:
        pass
    return shutil.which("iree-run-module")


requires_iree = pytest.mark.skipif(
    iree_binary() is None or shutil.which("iree-compile") is None,
    reason="needs iree-compile and iree-run-module")


def run_iree(function: str, inputs=(), outputs=(), flags=(), cwd=None, module=None):
    """iree-run-module on `module` (default: the test module defining `function`)."""
    args = [iree_binary(), "--device=local-sync", f"--module={module or module_for(function)}",
            f"--function={function}", *(f"--input={i}" for i in inputs),
            *(f"--output={o}" for o in outputs), *flags]
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, timeout=60)


_LOCATION = re.compile(r"^\S+:\d+: ")
_CALLER_NOTES = ("; parsing function inputs", "; outputting results", "; printing results")
# Where vmvxjit says more than IREE on purpose: IREE's status text -> ours.
_IMPROVEMENTS = [
    # a missing file is NOT_FOUND with the OS's reason (IREE: UNKNOWN, no reason)
    (re.compile(r"^UNKNOWN; (unable to open file `[^`]*` with mode \d)"),
     r"NOT_FOUND; \1: No such file or directory"),
]


def iree_status(stderr: str) -> str:
    """`CODE; message; notes` of IREE's error without the source location and
    the notes iree-run-module adds above the I/O layer, as vmvxjit words it."""
    line = _LOCATION.sub("", stderr.splitlines()[0])
    for note in _CALLER_NOTES:
        line = line.split(note)[0]
    for iree, ours in _IMPROVEMENTS:
        line = iree.sub(ours, line)
    return line


def vmvxjit_stdout(function: str, inputs) -> str | None:
    """Our stdout for an identity-like function (raises vmvxjit errors), or
    None when the inputs do not supply every argument (the call then fails)."""
    arg_types, result_types, order = signature(function)
    values = parse_inputs(inputs, arg_types)
    if len(values) != len(arg_types):
        return None
    return format_run_output(function, [values[i] for i in order], result_types)


def assert_matches_iree(function: str, inputs, cwd=None):
    proc = run_iree(function, inputs, cwd=cwd)
    try:
        ours = vmvxjit_stdout(function, inputs)
    except Error as error:
        assert proc.returncode != 0, proc.stdout
        assert str(error) == iree_status(proc.stderr)
    else:
        if ours is None:
            assert "input list and function mismatch" in proc.stderr
        else:
            assert proc.returncode == 0, proc.stderr
            assert ours == proc.stdout


# --- unit tests ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text,kind,value", [
    ("4294967297", "i", 1), ("-2147483649", "i", 2147483647), ("0x10", "i", 16),
    ("010", "i", 8), ("12abc", "i", 12), ("4xf32=1", "i", 4), ("-0", "i", 0),
    ("0x7fffffffffffffff", "I", 2 ** 63 - 1), ("-9223372036854775808", "I", -2 ** 63),
    ("2.5", "f", 2.5), ("0.1", "f", float(np.float32(0.1))), ("0x1p3", "f", 8.0),
    ("1e39", "f", float("inf")), ("1e-40", "f", float(np.float32(1e-40))),
    ("0.1", "F", 0.1), ("1e-320", "F", 1e-320), ("-inf", "F", float("-inf")),
])
def test_parse_scalar(text, kind, value):
    assert parse_scalar(text, kind) == value


@pytest.mark.parametrize("text,kind", [
    ("i32=5", "i"), ("abc", "i"), ("", "i"), ("1234567890123456", "i"),
    ("9223372036854775808", "I"), ("1e-50", "f"), ("x", "f"), ("1e-400", "F"),
])
def test_parse_scalar_errors(text, kind):
    with pytest.raises(InvalidArgumentError) as info:
        parse_scalar(text, kind)
    name = {"i": "i32", "I": "i64", "f": "f32", "F": "f64"}[kind]
    assert info.value.message == f"parsing value `{text}` as {name}"


def test_parse_scalar_nan_sign():
    assert np.signbit(parse_scalar("-nan", "f")) and np.isnan(parse_scalar("-nan", "F"))


@pytest.mark.parametrize("text,shape", [
    ("", ()), ("4", (4,)), ("2x3", (2, 3)), ("010x0x10", (8, 0, 10)), ("4a", (4,)),
])
def test_parse_shape(text, shape):
    assert parse_shape(text) == shape


@pytest.mark.parametrize("text,cls,message", [
    ("x4", InvalidArgumentError, "invalid shape specification: 'x4'"),
    ("4x", InvalidArgumentError, "invalid shape specification: '4x'"),
    ("4x-x3", InvalidArgumentError, "shape[1] invalid value '-' of '4x-x3'"),
    ("-1", InvalidArgumentError, "shape[0] invalid value '-1' of '-1'"),
    ("x".join(["1"] * 129), ResourceExhaustedError,
     "a shape rank of 129 is just a little bit excessive, eh?"),
])
def test_parse_shape_errors(text, cls, message):
    with pytest.raises(cls) as info:
        parse_shape(text)
    assert info.value.message == message


@pytest.mark.parametrize("data,type_name,count,expected", [
    ("", "f32", 2, [0.0, 0.0]),
    ("7", "i32", 3, [7, 7, 7]),
    ("[[1 2][3 4]]", "i32", 4, [1, 2, 3, 4]),
    ("1,\t2\n,3", "i16", 3, [1, 2, 3]),
    ("255 -128 0x7f", "i8", 3, [-1, -128, 127]),
    ("-200 127", "si8", 2, [56, 127]),
    ("-1 4294967296", "ui32", 2, [4294967295, 0]),
    ("01 00 FF zz", "i1", 4, [True, False, True, False]),
])
def test_parse_elements(data, type_name, count, expected):
    view = parse_tensor(f"{count}x{type_name}={data}")
    assert array_from_buffer_view(view).tolist() == expected


@pytest.mark.parametrize("data,length,cls,message", [
    ("1 2 3", 16, OutOfRangeError, "input data string underflow: dst_i=3 < element_capacity=4"),
    ("[]", 16, OutOfRangeError, "input data string underflow: dst_i=0 < element_capacity=4"),
    ("1 2 3", 8, OutOfRangeError, "output data overflow: element_capacity=2 < dst_i=2"),
    ("1 2 3]", 8, OutOfRangeError, "output data buffer overflow: element_capacity=2 < dst_i=2+"),
    ("1", 0, OutOfRangeError, "output data overflow: element_capacity=0 < dst_i=0"),
    ("1 x 3", 12, InvalidArgumentError, ""),
    ("1e-50", 4, InvalidArgumentError, ""),
    ("1 2 3 " + "4" * 32, 16, InvalidArgumentError, ""),
])
def test_parse_elements_errors(data, length, cls, message):
    with pytest.raises(cls) as info:
        parse_elements(data, 0x21000020, length)
    assert info.value.message == message


def test_hex_element_count_mismatch():
    with pytest.raises(InvalidArgumentError) as info:
        parse_tensor("4xi1=1 0 1 0")
    assert info.value.message == "binary hex element count mismatch: buffer length=1 < expected=2"


def test_opaque_zero_bits():
    with pytest.raises(InvalidArgumentError) as info:
        parse_tensor("4xf0=1")
    assert info.value.message == "opaque element types cannot be indexed"


def test_values_by_kind():
    values = parse_inputs(["(null)", "(ignored)", "(null)", "(null)", "(null)",
                           "&2xf32=1 2", "2xf32=1 2"], "iIfFrrr")
    assert values[:5] == [0, 0, 0.0, 0.0, None]
    assert isinstance(values[5], HalBuffer) and values[5].length == 8
    assert isinstance(values[6], BufferView) and values[6].shape == (2,)


@pytest.mark.parametrize("texts,types,cls,message", [
    ([""], "r", InvalidArgumentError, "no value specified for input; parsing input ``"),
    (["  "], "r", InvalidArgumentError, "no value specified for input; parsing input ``"),
    (["1", "2"], "i", InvalidArgumentError,
     "function expected fewer input values; parsing input `2`"),
    (["(null)"], "", InvalidArgumentError,
     "function expected fewer input values; parsing input `(null)`"),
    (["&4xf32=1"], "i", InvalidArgumentError,
     "function signature mismatch: expected cconv type `r` but provided type `i`; "
     "parsing input `&4xf32=1`"),
    (["@x.bin"], "r", UnimplementedError,
     "only numpy (.npy) files are supported for metadata-less variant I/O; parsing input `@x.bin`"),
    (["abc"], "r", InvalidArgumentError,
     "invalid tensor specification, requires at least a shape/type (`4x2xf32=...`); "
     "parsing input `abc`"),
    (["=@x"], "r", InvalidArgumentError, "empty string input; parsing input `=@x`"),
])
def test_spec_errors(texts, types, cls, message):
    with pytest.raises(cls) as info:
        parse_inputs(texts, types)
    assert info.value.message == message


def test_missing_file(tmp_path):
    path = tmp_path / "missing.npy"
    with pytest.raises(NotFoundError) as info:
        parse_inputs([f"@{path}"], "r")
    assert str(info.value) == (f"NOT_FOUND; unable to open file `{path}` with mode 2: "
                               f"No such file or directory; parsing input `@{path}`")


@pytest.mark.parametrize("spec", ["1000000x1000000x1000000xf32=0", "1000000x1000000x1000000xf32",
                                  "1000000x1000000x1000000xf32=@raw.bin"])
def test_a_buffer_too_big_to_allocate_is_resource_exhausted(spec, tmp_path, monkeypatch):
    """IREE: `RESOURCE_EXHAUSTED; libc allocator failed the request`; we also give the size."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "raw.bin").write_bytes(bytes(16))
    with pytest.raises(ResourceExhaustedError) as info:
        parse_inputs([spec], "r")
    assert str(info.value) == ("RESOURCE_EXHAUSTED; allocation of 4000000000000000000 bytes "
                               f"failed; parsing input `{spec}`")


def test_declared_checks_run_before_the_buffer_is_allocated():
    declaration = parse_declaration(
        "sync func @f(%input0: tensor<?x4xf32>, %input1: i32) -> (%output0: tensor<?x4xf32>)", "f")
    checks = declared_checks(declaration.inputs, 2)
    assert checks[1] is None and declared_checks(declaration.inputs, 3) == [None] * 3
    view = parse_inputs(["2x4xf32=1", "7"], "ri", checks=checks)[0]
    assert view.shape == (2, 4)
    with pytest.raises(InvalidArgumentError) as info:
        parse_inputs(["1000000000000x5xf32=1", "7"], "ri", checks=checks)
    assert str(info.value) == (
        "INVALID_ARGUMENT; input0 shape dimension 1 mismatch; expected 4 but have 5; expected "
        "shape `?x4`, actual shape `1000000000000x5`; parsing input `1000000000000x5xf32=1`")


def test_raw_file_continues(tmp_path):
    path = tmp_path / "raw.bin"
    path.write_bytes(np.arange(8, dtype=np.float32).tobytes())
    views = parse_inputs([f"2xf32=@{path}", f"2xf32=+{path}", f"4xf32=+{path}", f"1xf32=@{path}"],
                         "rrrr")
    assert [array_from_buffer_view(v).tolist() for v in views] == [
        [0, 1], [2, 3], [4, 5, 6, 7], [0]]
    with pytest.raises(OutOfRangeError) as info:
        parse_inputs([f"6xf32=@{path}", f"4xf32=+{path}"], "rr")
    assert info.value.message == f"end-of-file encountered during read; parsing input `4xf32=+{path}`"


def test_shared_input_files(tmp_path):
    path = tmp_path / "a.npy"
    with open(path, "wb") as f:
        for i in range(3):
            np.save(f, np.full(2, i, np.int32))
    with InputFiles() as files:
        first = parse_input(f"@{path}", "r", files)
        second = parse_input(f"+{path}", "r", files)
        rest = parse_inputs([f"*{path}"], "rrr", files)
    assert [array_from_buffer_view(v)[0] for v in (first, second, *rest)] == [0, 1, 2]
    with pytest.raises(InvalidArgumentError):
        parse_input(f"*{path}", "r")


# --- oracle comparisons -------------------------------------------------------------------------

ORACLE_CASES = [
    # f32: specials, C strtof quirks, separators, quoting, splat, zero-fill, zero-size dims
    (identity("f32", 1), ["4xf32=1 nan -nan inf"]),
    (identity("f32", 1), ["6xf32=-inf -0 1e10 1e-7 0x1p-3 123456789"]),
    (identity("f32", 1), ["5xf32=1e-40 3.4028236e38 1e39 -1e39 1.17549435e-38"]),
    (identity("f32", 1), ["5xf32=1abc 2.5e 0x 12e+ .5"]),
    (identity("f32", 1), ["4xf32=nan(0x123) -nan(7) infinity -INF"]),
    (identity("f32", 1), ["3xf32=1\t2\n3"]),
    (identity("f32", 1), ['"4xf32=1 2 3 4"']),
    (identity("f32", 1), ["   4xf32=1 2 3 4   "]),
    (identity("f32", 1), ["4xf32=1"]), (identity("f32", 1), ["4xf32"]),
    (identity("f32", 1), ["4xf32="]), (identity("f32", 1), ["0xf32"]),
    (identity("f32", 1), ["0xf32="]), (identity("f32", 1), ["010xf32=0.5"]),
    (identity("f32", 1), ["3xf32=1,2,,3"]),
    (identity("f32", 1), ["3xf32=1 2 1234567890123456789012345678901"]),
    (identity("f32", 2), ["2x3xf32=[1 2 3][4 5 6]"]),
    (identity("f32", 2), ["2x2xf32=[[1 2][3 4]]"]),
    (identity("f32", 2), ["2x0xf32"]), (identity("f32", 2), ["0x3xf32="]),
    (identity("f32", 3), ["2x3x4xf32=0.25"]), (identity("f32", 3), ["2x0x3xf32"]),
    (identity("f32", 0), ["f32=3.5"]), (identity("f32", 0), ["f32=-0"]),
    (identity("f32", 0), ["f32="]), (identity("f32", 0), ["f32=1 "]),
    # other floats
    (identity("f64", 1), ["5xf64=1e300 -nan 5e-324 0.1 -1e309"]),
    (identity("f64", 0), ["f64=0.1"]),
    (identity("f16", 1), ["7xf16=1 -nan 65520 65504 6e-8 0.1 -inf"]),
    (identity("bf16", 1), ["5xbf16=3.3 -nan inf 1e-40 1.00390625"]),
    (identity("f8E5M2", 1), ["5xf8E5M2=1 -nan inf 57344 1e-6"]),
    (identity("f8E4M3FN", 1), ["6xf8E4M3FN=448 480 -1e6 0.1 nan -0"]),
    (identity("f8E5M2FNUZ", 1), ["5xf8E5M2FNUZ=1 -0 nan inf 1e-6"]),
    (identity("f8E4M3FNUZ", 1), ["5xf8E4M3FNUZ=240 -0 nan -inf 0.3"]),
    (identity("f8E8M0FNU", 1), ["6xf8E8M0FNU=1 1.5 0.75 0 inf 3e38"]),
    # integers: per-type ranges, base-0 parsing, wrapping, trailing garbage
    (identity("i8", 1), ["6xi8=-128 255 0x7f 010 1e2 0b1"]),
    (identity("si8", 1), ["4xsi8=-200 127 0 -1"]),
    (identity("ui8", 1), ["4xui8=0 255 0xff 1"]),
    (identity("i16", 1), ["4xi16=-32768 65535 1 0"]),
    (identity("si16", 1), ["3xsi16=-40000 32767 0"]),
    (identity("ui16", 1), ["3xui16=65535 0 1"]),
    (identity("i32", 1), ["5xi32=4294967297 -1 0x7fffffff 010 123456789012345"]),
    (identity("si32", 1), ["2xsi32=-2147483648 2147483647"]),
    (identity("ui32", 1), ["4xui32=-1 0 4294967295 4294967296"]),
    (identity("i64", 1), ["3xi64=0x7fffffffffffffff -9223372036854775808 1"]),
    (identity("si64", 1), ["2xsi64=-5 5"]),
    (identity("ui64", 1), ["3xui64=-1 18446744073709551615 0"]),
    (identity("i32", 2), ["2x2xi32=[1 2][3 4]"]),
    (identity("i32", 0), ["i32=7"]),
    # raw hex types
    (identity("i1", 1), ["4xi1=01 00 01 FF"]), (identity("i1", 1), ["2xi1=zz 0G"]),
    (identity("i1", 1), ["3xi1=01"]), (identity("i1", 0), ["i1=01"]),
    (identity("cf64", 1), ["2xcf64=0000803F00000040 0000000000000000"]),
    (identity("cf128", 0), ["cf128=000000000000F03F0000000000000040"]),
    (identity("i32", 1), ["2x*32=DEADBEEF 00000000"]), (identity("i32", 1), ["1x*16=abcd"]),
    (identity("i32", 1), ["2xi24=010203 040506"]), (identity("i32", 1), ["2xf8=3C 00"]),
    # scalars and the other spec kinds
    ("sc", ["4294967297", "0x10", "nan", "-nan"]),
    ("sc", ["010", "-9223372036854775808", "1e-40", "1e-320"]),
    ("sc", ["12abc", " 7 ", "0x1p3", "inf"]),
    ("sc", ["-2147483649", "0x7fffffffffffffff", "-0", "-inf"]),
    ("sc", ["4xf32=1", "2.5", "1e39", "-1e309"]),
    ("sc", ["(null)", "(ignored)", "(null)", "(ignored)"]),
    ("mixed", ["(null)", "(null)", "(null)"]),
    ("mixed", ["7", "3xf32=1 2 3", "2.5"]),
    ("buf", ["&4xf32=1 2 3 4"]), ("buf", ["(null)"]),
    ("three", ["&2xf32=1 2", "2xf32", "1xf32=5"]),
]

ORACLE_ERRORS = [
    (identity("f32", 1), ["4xf32=1 2 3"]), (identity("f32", 1), ["4xf32=1 2 3 4 5"]),
    (identity("f32", 1), ["2xf32=[1 2 3]"]), (identity("f32", 1), ["2xf32=1 2 3,"]),
    (identity("f32", 1), ["4xf32=[]"]), (identity("f32", 1), ["0xf32=1"]),
    (identity("f32", 1), ["4xf32=1 abc 3 4"]), (identity("f32", 1), ["4xf32=1e-50"]),
    (identity("f32", 1), ["3xf32=1 2 12345678901234567890123456789012"]),
    (identity("f32", 1), ["4xf33=1"]), (identity("f32", 1), ["4xq32=1"]),
    (identity("f32", 1), ["-1xf32=1"]), (identity("f32", 1), ["4x4"]),
    (identity("f32", 1), ["abc"]), (identity("f32", 1), ["4xff32=1"]),
    (identity("f32", 1), ["4xf32x=1"]), (identity("f32", 1), ["x4xf32=1"]),
    (identity("f32", 1), ["4xxf32=1"]), (identity("f32", 1), ["4x-x3xf32"]),
    (identity("f32", 1), ["4xi"]), (identity("f32", 1), ["4xi300"]),
    (identity("f32", 1), ["5000000000000000000000xf32=1"]),
    (identity("f32", 1), ["100000x100000x100000x100000xf32=0"]),
    (identity("f32", 1), ["x".join(["1"] * 129) + "xf32"]),
    (identity("f32", 0), ["f32"]),
    (identity("f32", 1), ["4xf0=1"]), (identity("f32", 1), ['""']), (identity("f32", 1), ['"x"']),
    (identity("f32", 1), ["="]), (identity("f32", 1), ["=@x"]), (identity("f32", 1), [""]),
    (identity("f32", 1), ["4xf32=+5 0 0 0"]), (identity("f32", 1), ["@x.bin"]),
    (identity("f32", 1), ["@missing.npy"]), (identity("i32", 0), ["*16=abcd"]),
    (identity("i32", 0), ["x16=abcd"]),
    (identity("i8", 1), ["4xi8=1 2 3 300"]), (identity("i8", 1), ["4xi8=-129 0 0 0"]),
    (identity("ui8", 1), ["4xui8=-1 0 0 0"]), (identity("si16", 1), ["4xsi16=40000 0 0 0"]),
    (identity("i32", 1), ["4xi32=1234567890123456 1 1 1"]),
    (identity("i64", 1), ["4xi64=9223372036854775808 0 0 0"]),
    (identity("i1", 1), ["4xi1=1 0 1 0"]), (identity("i1", 1), ["2xi1=001 00"]),
    ("sc", ["i32=5", "1", "1", "1"]), ("sc", ["1", "2", "1e-50", "1"]),
    ("sc", ["1", "9223372036854775808", "1", "1"]), ("sc", ["1", "1", "1", "1e-400"]),
    ("sc", ["+5", "1", "1", "1"]), ("sc", ["&4xf32=1", "1", "1", "1"]),
    ("sc", ["1", "1", "1", "1", "5"]),
    ("mixed", ["1", "2", "3"]),
]


@requires_iree
@pytest.mark.parametrize("function,inputs", ORACLE_CASES)
def test_matches_iree(function, inputs):
    proc = run_iree(function, inputs)
    assert proc.returncode == 0, proc.stderr
    assert vmvxjit_stdout(function, inputs) == proc.stdout


@requires_iree
@pytest.mark.parametrize("function,inputs", ORACLE_ERRORS)
def test_errors_match_iree(function, inputs, tmp_path, monkeypatch):
    proc = run_iree(function, inputs, cwd=tmp_path)
    assert proc.returncode != 0 and proc.stdout == ""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(Error) as info:
        vmvxjit_stdout(function, inputs)
    assert str(info.value) == iree_status(proc.stderr)


@pytest.fixture
def npy_files(tmp_path, monkeypatch):
    """Input files in a fresh working directory shared by IREE and us."""
    monkeypatch.chdir(tmp_path)
    with open("two.npy", "wb") as f:
        np.save(f, np.arange(6, dtype=np.int32).reshape(2, 3))
        np.save(f, np.array([1.5, 2.5], dtype=np.float32))
    with open("f.npy", "wb") as f:
        for i in range(3):
            np.save(f, np.full(i + 1, i, np.float32))
    np.save("one.npy", np.array([7, 8], dtype=np.float32))
    open("empty.npy", "wb").close()
    open("raw.bin", "wb").write(struct.pack("<8f", *range(8)))
    return tmp_path


FILE_CASES = [
    ("two", ["*two.npy"]), ("two", ["@two.npy", "+two.npy"]),
    ("three", ["@f.npy", "+f.npy", "+f.npy"]), ("three", ["*f.npy"]),
    ("three", ["@f.npy", "*f.npy"]), ("three", ["@one.npy", "@one.npy", "*one.npy"]),
    ("three", ["@one.npy", "*empty.npy", "*one.npy", "+f.npy"]),
    ("three", ["2xf32=@raw.bin", "2xf32=+raw.bin", "4xf32=+raw.bin"]),
    ("three", ["2xf32=@raw.bin", "1xf32=@raw.bin", "2xf32=+raw.bin"]),
    ("three", ["@f.npy", "&2x2xi8=+raw.bin", "f32=+raw.bin"]),
    ("two", ["@two.npy", "@two.npy"]),
    # errors
    ("three", ["*f.npy", "+f.npy"]), ("two", ["*f.npy"]), ("two", ["@empty.npy", "*one.npy"]),
    ("three", ["2xf32=@raw.bin", "2xf32=+raw.bin", "5xf32=+raw.bin"]),
    ("sc", ["@one.npy", "1", "1", "1"]), ("three", ["2xf32=@missing.bin", "1", "1"]),
    ("three", ["2xf32=@raw.bin", "2xf32=+raw.bin", "@raw.bin"]),
]


@requires_iree
@pytest.mark.parametrize("function,inputs", FILE_CASES)
def test_file_inputs_match_iree(function, inputs, npy_files):
    assert_matches_iree(function, inputs, cwd=npy_files)


NARROW_TYPES = {"f16": (65504.0, 2.0 ** -24), "bf16": (1.7e38, 2.0 ** -133),
                "f8E5M2": (57344.0, 2.0 ** -16), "f8E4M3FN": (448.0, 2.0 ** -9),
                "f8E5M2FNUZ": (57344.0, 2.0 ** -17), "f8E4M3FNUZ": (240.0, 2.0 ** -10),
                "f8E8M0FNU": (1.7e38, 2.0 ** -127)}


@requires_iree
@pytest.mark.parametrize("type_name", NARROW_TYPES)
def test_narrow_float_rounding_matches_iree(type_name, tmp_path, monkeypatch):
    """Text -> f32 -> narrow bits, on values spread over the type's range,
    its subnormals (where IREE flushes early) and random f32 bit patterns."""
    largest, smallest = NARROW_TYPES[type_name]
    rng = np.random.default_rng(5)
    bits = rng.integers(0, 2 ** 32, 500, dtype=np.uint64).astype(np.uint32)
    values = np.concatenate([
        rng.uniform(-2 * largest, 2 * largest, 500).astype(np.float32),
        (rng.choice([-1, 1], 500) * np.exp2(rng.uniform(np.log2(smallest) - 3, 4, 500))
         ).astype(np.float32),
        bits[(bits & 0x7F800000) != 0x7F800000].view(np.float32),  # finite (no sNaN casts)
        np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, smallest, smallest / 2,
                  smallest * 0.75], np.float32),
    ])
    spec = f"{values.size}x{type_name}=" + " ".join(f"{v:.9g}" for v in values.tolist())
    monkeypatch.chdir(tmp_path)
    proc = run_iree(identity(type_name, 1), [spec], outputs=["@o.bin"])
    assert proc.returncode == 0, proc.stderr
    ours = parse_input(spec, "r").buffer.data().tobytes()
    assert ours == (tmp_path / "o.bin").read_bytes()
