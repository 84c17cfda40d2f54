"""The command line: run, bench, info, errors and exit codes (the demo: test_demo.py)."""

import contextlib
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tests.support.modules import CONFIGS, FULL_HAL, STATIC, compile_mlir
from tests.test_api import FILL
from vmvxjit.cli import main
from vmvxjit.tooling.iree_tools import tool_path

ADD = """
func.func @add(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = arith.addf %a, %b : tensor<4xf32>
  return %0 : tensor<4xf32>
}
"""


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def add_module():
    return str(compile_mlir(ADD, STATIC))


def test_run_prints_like_iree_run_module(add_module):
    code, out, err = run(["run", add_module, "--input=4xf32=1 2 3 4", "--input=4xf32=1"])
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "4xf32=2 3 4 5"


def test_module_flag_and_npy_output(add_module, tmp_path):
    target = tmp_path / "out.npy"
    code, out, _ = run(["run", f"--module={add_module}", "--function=add",
                        "--input=4xf32=1 2 3 4", "--input=4xf32=1", f"--output=@{target}"])
    assert code == 0 and out == "EXEC @add\n"
    np.testing.assert_array_equal(np.load(target), np.array([2, 3, 4, 5], np.float32))


@pytest.mark.parametrize("tier", ["interp", "jit", "auto"])
def test_tier_flag_is_accepted(add_module, tier):
    code, out, _ = run(["run", add_module, "--input=4xf32=1 2 3 4", "--input=4xf32=1",
                        f"--tier={tier}", "--trace"])
    assert code == 0 and out.endswith("4xf32=2 3 4 5\n")


def test_wrong_shape_fails_with_iree_text_while_parsing(add_module):
    """The declaration's check, with the text of the module's own assert, rejects
    an input before its buffer is filled (IREE fills it, then fails in the call, after
    printing `EXEC @add`: so does vmvxjit)."""
    code, out, err = run(["run", add_module, "--input=3xf32=1 2 3", "--input=4xf32=1"])
    assert (code, out) == (1, "EXEC @add\n")
    assert err == ("Error: INVALID_ARGUMENT; input0 shape dimension 0 mismatch; expected 4 but "
                   "have 3; expected shape `4`, actual shape `3`; parsing input `3xf32=1 2 3`\n")


@pytest.mark.parametrize("spec, problem", [
    ("1000000000000000000xf32=0", "input1 shape dimension 0 mismatch; expected 4 but have "
                                  "1000000000000000000"),
    ("1000000x1000000x1000000xf32=@nothing.bin",
     "input1 shape rank mismatch; expected 1 but have 3"),
    ("4xi32=1", "input1 element type mismatch; expected f32 (21000020) but have i32 (10000020)"),
])
def test_inputs_are_checked_against_the_declaration_before_allocation(add_module, spec, problem):
    """Shapes no memory could hold, and a file that is not there, are never reached
    (what was printed is what iree-run-module prints before its call fails)."""
    code, out, err = run(["run", add_module, "--input=4xf32=1", f"--input={spec}"])
    assert (code, out) == (1, "EXEC @add\n")
    assert err.startswith(f"Error: INVALID_ARGUMENT; {problem}; ")
    assert err.endswith(f"; parsing input `{spec}`\n")


def test_npy_inputs_are_checked_before_their_data_is_read(add_module, tmp_path):
    path = tmp_path / "big.npy"
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,), }"
    path.write_bytes(b"\x93NUMPY\x01\x00v\x00" + header.ljust(117) + b"\n")   # no data
    code, _, err = run(["run", add_module, "--input=4xf32=1", f"--input=@{path}"])
    assert code == 1
    assert err.startswith("Error: INVALID_ARGUMENT; input1 shape dimension 0 mismatch; "
                          "expected 4 but have 1000000000000")


def test_missing_file_and_garbage_file(tmp_path):
    assert run(["run", str(tmp_path / "nope.vmfb")])[0] == 1
    bad = tmp_path / "bad.vmfb"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    code, _, err = run(["run", str(bad)])
    assert code == 1 and err.startswith("Error: ")


def test_unknown_function(add_module):
    code, _, err = run(["run", add_module, "--function=nope"])
    assert code == 1
    assert err == ("Error: NOT_FOUND; function 'nope' not found in module 'module'; "
                   "its exported functions are: add\n")


def test_info_and_disassembly(add_module):
    code, out, _ = run(["info", add_module, "--disasm"])
    assert code == 0
    assert "hal_inline.buffer_view.assert" in out
    assert "vm.buffer.load.f32" in out


def test_full_hal_module_run_and_info_say_how_to_recompile():
    path = str(compile_mlir(ADD, FULL_HAL))
    code, out, err = run(["run", path, "--input=4xf32=1", "--input=4xf32=2"])
    assert (code, out) == (1, "")
    assert err.startswith("Error: NOT_FOUND; required module 'hal' is not provided by vmvxjit: "
                          "the module was compiled for IREE's full HAL")
    assert "--iree-execution-model=inline-static --iree-hal-target-backends=vmvx-inline" in err
    code, out, err = run(["info", path])
    assert code == 0 and "hal, version >= " in out
    assert err.startswith("Note: vmvxjit cannot run this module: required module 'hal' is not "
                          "provided by vmvxjit: the module was compiled for IREE's full HAL")
    assert "--iree-execution-model=inline-dynamic" in err


def test_help_without_command_lists_every_command():
    code, out, _ = run([])
    assert code == 0 and "usage: python -m vmvxjit COMMAND" in out
    assert all(f"  {name} " in out for name in ("run", "bench", "info"))


def test_unknown_command_says_so():
    code, _, err = run(["bnech"])
    assert code == 2 and "unknown command 'bnech'" in err and "bench [MODULE]" in err


def test_version():
    from vmvxjit.version import __version__

    assert run(["--version"]) == (0, f"vmvxjit {__version__}\n", "")


def test_bench_reports_first_call_warm_calls_and_compiles_as_json(add_module):
    code, out, _ = run(["bench", add_module, "--input=4xf32=1 2 3 4", "--input=4xf32=1 1 1 1",
                        "--repetitions=3", "--json"])
    report = json.loads(out)
    assert code == 0 and report["function"] == "add" and report["repetitions"] == 3
    assert 0 < report["min_s"] <= report["median_s"] and report["first_call_s"] > 0
    assert report["jit"]["regions_compiled"] >= 0 and "iree" not in report


@pytest.mark.skipif(tool_path("iree-benchmark-module") is None, reason="iree-benchmark-module not installed")
def test_bench_compares_with_iree_on_the_same_module_and_inputs():
    code, out, _ = run(["bench", "--compare-iree", "--repetitions=2"])
    assert code == 0 and "@predict in" in out and "demo.vmfb" in out
    line = next(x for x in out.splitlines() if x.startswith("iree-benchmark-module:"))
    assert "over 2 repetitions; vmvxjit / IREE = " in line and line.endswith("x")


def _modules_after_run(argv: list[str], cache) -> set[str]:
    """Names in sys.modules after `vmvxjit run` with `argv` in a fresh process using the
    disk cache `cache`."""
    code = ("import sys; from vmvxjit.cli import main; "
            f"code = main(['run', *{argv!r}]); print(*sorted(sys.modules)); sys.exit(code)")
    result = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                            text=True, env={**os.environ, "VMVXJIT_CACHE_DIR": str(cache)})
    return set(result.stdout.split("\n")[-2].split())


@pytest.mark.parametrize("config", ["demo", "static", "dynamic_llvm"])
def test_short_runs_import_nothing_they_do_not_need(config, tmp_path):
    """Nothing compiles and nothing is bf16/fp8/i4, so Numba and ml_dtypes (~0.5 s each)
    stay unimported; dynamic_llvm's VM code has no loops, so the JIT's code generator too,
    and its workgroup loop comes from the disk cache as machine code, so no LLVM after
    the first run; the demo runs on the interpreter, so no part of the JIT and no LLVM."""
    argv = [] if config == "demo" else [
        str(compile_mlir(ADD, CONFIGS[config])), "--input=4xf32=1", "--input=4xf32=2"]
    unneeded = {"numba", "ml_dtypes"} | {
        "dynamic_llvm": {"vmvxjit.vm.jit.codegen", "llvmlite"},
        "demo": {"vmvxjit.vm.jit.tiering", "vmvxjit.vm.jit.codegen", "llvmlite"}}.get(config, set())
    first = _modules_after_run(argv, tmp_path)
    modules = _modules_after_run(argv, tmp_path)
    assert "vmvxjit.cli" in modules
    assert not unneeded & modules
    assert not {"numba", "ml_dtypes"} & first

SUM = """
func.func @total(%a: tensor<?xf32>) -> tensor<f32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<f32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<f32>) -> tensor<f32>
  %r = linalg.reduce ins(%a : tensor<?xf32>) outs(%i : tensor<f32>) dimensions = [0]
    (%x: f32, %acc: f32) { %s = arith.addf %x, %acc : f32
                           linalg.yield %s : f32 }
  return %r : tensor<f32>
}
"""


@pytest.mark.parametrize("flag", ["--max-allocation=1G", "env"])
def test_max_allocation_rejects_a_huge_input_before_allocating(flag, monkeypatch):
    """A 40 GB input is RESOURCE_EXHAUSTED before its memory is touched (the shape
    passes the declaration's check: the dim is dynamic)."""
    if flag == "env":
        monkeypatch.setenv("VMVXJIT_MAX_ALLOCATION", "1G")
    argv = ["run", str(compile_mlir(SUM, STATIC)), "--input=10000000000xf32=0"]
    code, _, err = run(argv + ([flag] if flag != "env" else []))
    assert code == 1
    assert err.startswith("Error: RESOURCE_EXHAUSTED; allocating 40000000000 bytes for an input "
                          "would exceed the allocation cap of 1073741824 bytes")
    assert "--max-allocation=N" in err and err.endswith("; parsing input `10000000000xf32=0`\n")


def test_max_allocation_flag_caps_what_the_module_allocates(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.ones(1000, np.float32))
    module = str(compile_mlir(SUM, STATIC))
    assert run(["run", module, f"--input=@{path}", "--max-allocation=64K"])[1].endswith("f32=1000\n")
    code, _, err = run(["bench", module, f"--input=@{path}", "--max-allocation=3K"])
    assert code == 1 and "RESOURCE_EXHAUSTED; allocating 4000 bytes for an input file's contents" in err


def test_max_allocation_flag_stops_what_the_module_allocates():
    module = str(compile_mlir(FILL, STATIC))
    assert run(["run", module, "--input=1000", "--max-allocation=1M"])[0] == 0
    code, out, err = run(["run", module, "--input=1000000", "--max-allocation=1M"])
    assert (code, out) == (1, "EXEC @fill\n")
    assert err.startswith("Error: RESOURCE_EXHAUSTED; allocating 4000000 bytes for a hal_inline "
                          "buffer would exceed the allocation cap of 1048576 bytes")
    assert "at module.fill+0x" in err


def test_threads_flag():
    module = str(compile_mlir(SUM, STATIC))
    assert run(["run", module, "--input=4xf32=1", "--threads=1"])[1].endswith("f32=4\n")
    code, _, err = run(["run", module, "--input=4xf32=1", "--threads=0"])
    assert code == 1
    assert err.startswith("Error: INVALID_ARGUMENT; threads must be a whole number ≥ 1, not '0'")


@pytest.mark.parametrize("command", ["run", "bench"])
def test_deadline_flag_stops_a_call_that_loops_forever(command):
    from tests.vm.test_deadline import PROGRAM, SPIN_BRANCH, VM_FLAGS

    module = str(compile_mlir(PROGRAM.read_text(), VM_FLAGS))
    assert run([command, module, "--function=finite", "--input=8", "--deadline=30"])[0] == 0
    code, out, err = run([command, module, "--function=spin", "--input=1", "--deadline=0.2"])
    assert code == 1
    assert err.startswith("Error: DEADLINE_EXCEEDED; call stopped after running past its deadline "
                          "of 0.2 s (set by deadline)")
    assert f"at spin.spin+0x{SPIN_BRANCH:04X}" in err
    code, _, err = run([command, module, "--function=finite", "--input=8", "--deadline=-1"])
    assert code == 1 and "INVALID_ARGUMENT; deadline='-1' is not a deadline" in err


def test_python_m_vmvxjit_starts_no_blas_threads_and_freezes_what_it_leaves():
    """`python -m vmvxjit` keeps numpy's OpenBLAS to one thread (no command calls BLAS) and,
    once the command returns, freezes the objects left out of the collector's exit passes."""
    code = ("import gc, os, runpy, sys\n"
            "sys.argv = ['vmvxjit', 'run']\n"
            "try:\n"
            "    runpy.run_module('vmvxjit', run_name='__main__')\n"
            "except SystemExit as exit:\n"
            "    print(exit.code, len(os.listdir('/proc/self/task')), gc.get_freeze_count() > 0,\n"
            "          file=sys.stderr)\n")
    env = {name: value for name, value in os.environ.items() if name != "OPENBLAS_NUM_THREADS"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, check=True)
    assert "EXEC @predict" in result.stdout
    assert result.stderr.split() == ["0", "1", "True"]
