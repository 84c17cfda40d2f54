"""Run a compiled module with real IREE and with vmvxjit, and compare what they print.

* :func:`run_iree` -- ``iree-run-module`` in a subprocess (the oracle).
* :func:`run_vmvxjit` -- vmvxjit in-process through ``vmvxjit.cli.main`` (same arguments as
  ``python -m vmvxjit run MODULE --function=... --input=...``).
* :func:`iree_result` -- ``iree-run-module``'s result of a one-array call, as numpy
  (:func:`iree_call`: of a call with several arrays).
* :func:`assert_same_output` -- exact text comparison, with an optional tolerance on float elements
  for programs that call libm functions (exp, log, tanh, erf, pow, atan2, ...).

Both runners return ``(returncode, stdout, stderr)``.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

IREE_RUN_MODULE = os.environ.get("IREE_RUN_MODULE", "iree-run-module")
IREE_TIMEOUT_S = float(os.environ.get("VMVXJIT_IREE_TIMEOUT", "120"))


def have_iree() -> bool:
    return shutil.which(IREE_RUN_MODULE) is not None


def iree_args(vmfb: Path | str, function: str, inputs: Sequence[str]) -> list[str]:
    return [f"--module={vmfb}", f"--function={function}", *(f"--input={i}" for i in inputs)]


def run_iree(vmfb: Path | str, function: str, inputs: Sequence[str]) -> tuple[int, str, str]:
    """Run ``iree-run-module`` on *vmfb*; returns (returncode, stdout, stderr).

    A negative return code means IREE was killed by a signal (e.g. -8 = SIGFPE for an integer
    division by zero inside the VM)."""
    proc = subprocess.run(
        [IREE_RUN_MODULE, *iree_args(vmfb, function, inputs)],
        capture_output=True, text=True, timeout=IREE_TIMEOUT_S,
    )
    return proc.returncode, proc.stdout, proc.stderr


def iree_result(vmfb: Path | str, function: str, array, directory: Path):
    """iree-run-module's result of `function` called with the one array `array`, through
    .npy files in `directory`."""
    return iree_call(vmfb, function, [array], directory)


def iree_call(vmfb: Path | str, function: str, arrays: Sequence, directory: Path):
    """iree-run-module's one-array result of `function` called with `arrays`, through
    .npy files in `directory`."""
    sources = [Path(directory) / f"x{n}.npy" for n in range(len(arrays))]
    result = Path(directory) / "y.npy"
    for source, array in zip(sources, arrays):
        np.save(source, array)
    subprocess.run([IREE_RUN_MODULE, f"--module={vmfb}", f"--function={function}",
                    *(f"--input=@{source}" for source in sources), f"--output=@{result}"],
                   check=True, capture_output=True, timeout=IREE_TIMEOUT_S)
    return np.load(result)


def vmvxjit_argv(vmfb: Path | str, function: str, inputs: Sequence[str],
                 tier: str | None = None, threads: int | None = None) -> list[str]:
    argv = ["run", str(vmfb), f"--function={function}", *(f"--input={i}" for i in inputs)]
    if tier is not None:
        argv.append(f"--tier={tier}")
    if threads is not None:
        argv.append(f"--threads={threads}")
    return argv


def run_vmvxjit(vmfb: Path | str, function: str, inputs: Sequence[str],
                tier: str | None = None, threads: int | None = None) -> tuple[int, str, str]:
    """Run vmvxjit in-process via ``vmvxjit.cli.main``; returns (returncode, stdout, stderr).

    An exception escaping ``main`` is a bug in vmvxjit (errors must be reported on stderr with exit
    code 1), so it is not caught here: the test fails with the traceback."""
    from vmvxjit.cli import main  # imported lazily: the CLI may not exist yet

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(vmvxjit_argv(vmfb, function, inputs, tier, threads))
        except SystemExit as exc:  # argparse-style exits are allowed
            code = exc.code
            rc = code if isinstance(code, int) else (0 if code is None else 1)
    return (0 if rc is None else int(rc)), out.getvalue(), err.getvalue()


def assert_second_process_compiles_nothing(run_args: Sequence[str], cache: Path) -> None:
    """`python -m vmvxjit run <run_args> --tier=jit --trace` twice, in fresh processes sharing
    the disk cache `cache`: the first compiles one region, the second loads it, same output."""
    command = [sys.executable, "-m", "vmvxjit", "run", *run_args, "--tier=jit", "--trace"]
    env = {**os.environ, "VMVXJIT_CACHE_DIR": str(cache)}
    first = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    second = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    assert "1 regions compiled (0 loaded from the disk cache)" in first.stderr
    assert "1 regions compiled (1 loaded from the disk cache)" in second.stderr
    assert first.stdout == second.stdout


# ------------------------------------------------------------------------------------------------
# Output comparison
# ------------------------------------------------------------------------------------------------

# `4xf32=`, `2x3xf64=`, `f32=` (rank 0 buffer view) or `f32=` / `f64=` (primitive result).
_FLOAT_LINE = re.compile(r"^(?P<prefix>(?:result\[\d+\]: )?(?:\d+x)*(?P<type>f16|bf16|f32|f64)=)(?P<body>.*)$")
_TOKEN = re.compile(r"[^\s\[\]]+")

_FLOAT_INFO = {
    # type: (mantissa bits incl. hidden bit, smallest positive normal)
    "f16": (11, 2.0 ** -14),
    "bf16": (8, 2.0 ** -126),
    "f32": (24, 2.0 ** -126),
    "f64": (53, 2.0 ** -1022),
}


def _parse_float(tok: str) -> float:
    t = tok.lower()
    if t in ("nan", "-nan", "+nan"):
        return math.copysign(math.nan, -1.0 if t.startswith("-") else 1.0)
    return float(t)


def _ulp(x: float, ftype: str) -> float:
    bits, tiny = _FLOAT_INFO[ftype]
    x = abs(x)
    if x < tiny:
        return tiny * 2.0 ** (1 - bits)
    return 2.0 ** (math.floor(math.log2(x)) - bits + 1)


def _printed_unit(x: float) -> float:
    """One unit in the last place of C's %g/%G (6 significant digits)."""
    if x == 0 or not math.isfinite(x):
        return 0.0
    return 10.0 ** (math.floor(math.log10(abs(x))) - 5)


def floats_close(a_tok: str, b_tok: str, ftype: str, float_ulps: int) -> bool:
    if a_tok == b_tok:
        return True
    try:
        a, b = _parse_float(a_tok), _parse_float(b_tok)
    except ValueError:
        return False
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)  # sign of a libm NaN is not compared
    if math.isinf(a) or math.isinf(b):
        return a == b
    big = max(abs(a), abs(b))
    tol = float_ulps * _ulp(big, ftype) + _printed_unit(big)
    return abs(a - b) <= tol


def _compare_float_line(iree_line: str, our_line: str, float_ulps: int) -> str | None:
    """None if the lines match within tolerance, else a reason."""
    mi, mo = _FLOAT_LINE.match(iree_line), _FLOAT_LINE.match(our_line)
    if not mi or not mo:
        return "line differs"
    if mi.group("prefix") != mo.group("prefix"):
        return "shape/type prefix differs"
    bi, bo = mi.group("body"), mo.group("body")
    # Structure (brackets, spaces, '...' elision) must be identical; only numbers may differ.
    if _TOKEN.sub("#", bi) != _TOKEN.sub("#", bo):
        return "element layout differs"
    ti, to = _TOKEN.findall(bi), _TOKEN.findall(bo)
    ftype = mi.group("type")
    for k, (x, y) in enumerate(zip(ti, to)):
        if x.endswith("...") or y.endswith("..."):
            x, y = x.removesuffix("..."), y.removesuffix("...")
            if (x == "") != (y == ""):
                return f"element {k}: elision differs"
            if x == "":
                continue
        if not floats_close(x, y, ftype, float_ulps):
            return f"element {k}: {x} vs {y} (more than {float_ulps} ulp + printing precision)"
    return None


def assert_same_output(iree_out: str, our_out: str, *, float_ulps: int | None = None) -> None:
    """Assert that vmvxjit's stdout equals IREE's.

    With ``float_ulps=None`` (the default) the comparison is exact text.  With an integer, lines
    holding float tensors or float scalars may differ element-wise by ``float_ulps`` ulps of the
    element type plus one unit of the 6th significant digit (C's ``%G`` precision); NaN matches
    NaN of either sign.  Everything else (line structure, shapes, types, integer elements) must
    still be identical.  Use a tolerance only for cases that call transcendental libm functions.
    """
    if iree_out == our_out:
        return
    if float_ulps is None:
        _fail_diff(iree_out, our_out, "outputs differ")
    il, ol = iree_out.splitlines(), our_out.splitlines()
    if len(il) != len(ol) or iree_out.endswith("\n") != our_out.endswith("\n"):
        _fail_diff(iree_out, our_out, "different number of lines")
    for n, (a, b) in enumerate(zip(il, ol)):
        if a == b:
            continue
        reason = _compare_float_line(a, b, float_ulps)
        if reason is not None:
            _fail_diff(iree_out, our_out, f"line {n + 1}: {reason}")


def _fail_diff(expected: str, actual: str, why: str) -> None:
    import difflib

    diff = "\n".join(difflib.unified_diff(
        expected.splitlines(), actual.splitlines(), "iree-run-module", "vmvxjit", lineterm="", n=1))
    if len(diff) > 6000:
        diff = diff[:6000] + "\n... (diff truncated)"
    raise AssertionError(f"{why}\n{diff}")


def assert_same_failure(iree_result: tuple[int, str, str], our_result: tuple[int, str, str],
                        key_text: str) -> None:
    """Both runs fail (exit 1), IREE's stderr contains *key_text*, and so does vmvxjit's."""
    irc, iout, ierr = iree_result
    orc, oout, oerr = our_result
    assert irc == 1, f"IREE was expected to fail with exit 1, got {irc}\nstdout:\n{iout}\nstderr:\n{ierr}"
    assert key_text in ierr, f"IREE's error no longer contains {key_text!r}:\n{ierr}"
    assert orc == 1, f"vmvxjit exit code {orc}, expected 1\nstdout:\n{oout}\nstderr:\n{oerr}"
    assert key_text in oerr, f"vmvxjit's stderr lacks {key_text!r}:\n{oerr}"
    # Whatever was printed before the failure (e.g. `EXEC @f`) must match too.
    assert oout == iout, f"stdout before the failure differs:\nIREE:\n{iout}\nvmvxjit:\n{oout}"


def f32_bits(x: float) -> int:
    """Helper for tests: the IEEE bit pattern of x as a signed i32 (as `vm.bitcast.f32.i32`)."""
    return struct.unpack("<i", struct.pack("<f", x))[0]
