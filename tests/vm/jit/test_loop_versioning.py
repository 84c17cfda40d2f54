"""Versioned innermost loops (loop_versioning.py): the entry checks pick the optimized version
only when it computes what the literal code computes, here with buffers that may alias."""

import contextlib
import io
from pathlib import Path

import pytest

from tests.support.modules import compile_mlir
from tests.support.oracle import run_iree, run_vmvxjit
from vmvxjit.cli import main

ALIAS = Path(__file__).parent / "programs" / "alias.mlir"


@pytest.mark.parametrize("inputs", [("16", "3", "1"), ("16", "3", "0"), ("0", "5", "1"),
                                    ("16", "15", "1"), ("1", "0", "1"), ("16", "16", "0"),
                                    ("3", "15", "1"), ("15", "15", "1")])
def test_aliasing_buffers_match_iree(inputs, loop_opt):
    """`dst[at] += src[k]` where src may be dst itself: promotion must not apply then, unless
    the elements the loop reads (src[0..n-1]) do not include dst[at]."""
    path = compile_mlir(ALIAS.read_text(), ["--compile-mode=vm"])
    iree = run_iree(path, "run", inputs)
    ours = run_vmvxjit(path, "run", inputs, tier="jit")
    assert (ours[0], ours[1]) == (iree[0], iree[1]), ours[2]


@pytest.mark.parametrize("inputs,optimized", [(("16", "3", "1"), 0), (("3", "15", "1"), 1),
                                              (("16", "3", "0"), 1)])
def test_trace_counts_which_version_each_entry_ran(inputs, optimized):
    """src = dst: the loop still keeps dst[at] in a register when src[0..n-1] leaves it alone
    (byte ranges, not buffers, are compared), and falls back once, not once per iteration,
    when it does not."""
    path = compile_mlir(ALIAS.read_text(), ["--compile-mode=vm"])
    stderr, stdout = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        main(["run", str(path), "--function=run", *(f"--input={i}" for i in inputs), "--tier=jit", "--trace"])
    counts = [line for line in stderr.getvalue().splitlines() if "entries optimized" in line]
    assert len(counts) == 1
    assert f"{optimized} entries optimized, {1 - optimized} fell back to the literal code" in counts[0]
    assert stdout.getvalue() == run_iree(path, "run", inputs)[1]
