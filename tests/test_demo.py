"""The bundled demo: it says what it runs, classifies its digit right, prints what
iree-run-module prints for the same module and input, and make_demo regenerates it."""

import contextlib
import io

import numpy as np
import pytest

from tests.support.oracle import have_iree, run_iree
from vmvxjit import demo
from vmvxjit.cli import main
from vmvxjit.demo import make_demo, show, train

IREE_PART = "The result, as iree-run-module prints it:\n"


@pytest.fixture(scope="module")
def demo_output():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["run"]) == 0
    return out.getvalue()


def test_the_demo_says_what_it_runs_and_answers(demo_output):
    intro, _, rest = demo_output.partition("  answer: ")
    assert intro.startswith("vmvxjit demo (`run` without a module): a digit classifier\n")
    assert "an MLP 64-32-10" in intro and "inline-static vmvx-inline" in intro
    assert f"  module: {demo.MODULE}\n" in intro and f"--input=@{demo.INPUT} (1x8x8xf32)" in intro
    assert f"  tier:   {demo.TIER}{show.TIER_NOTE}\n" in intro
    assert sum(line.startswith("          |") for line in intro.splitlines()) == 8   # the digit
    assert rest.startswith(f"{demo.DIGIT} (probability ")
    assert demo_output.endswith(show.HOW_TO)


@pytest.mark.skipif(not have_iree(), reason="iree-run-module not installed")
def test_the_demo_prints_what_iree_run_module_prints(demo_output):
    code, expected, _ = run_iree(demo.MODULE, demo.FUNCTION, [f"@{demo.INPUT}"])
    assert code == 0
    assert demo_output.split(IREE_PART)[1].removesuffix(show.HOW_TO) == expected


def test_the_jit_tiers_print_the_same_result(demo_output):
    for tier in ("auto", "jit"):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["run", f"--tier={tier}"]) == 0
        assert f"  tier:   {tier}\n" in out.getvalue()
        assert out.getvalue().split(IREE_PART)[1] == demo_output.split(IREE_PART)[1]


def test_the_module_computes_the_trained_model(demo_output):
    """The printed probabilities are numpy's forward pass of make_demo's weights."""
    printed = demo_output.split(IREE_PART)[1].splitlines()[2]
    scores = np.array(printed.split("=[")[1].rstrip("]").split(), np.float64)
    image = np.load(demo.INPUT).reshape(1, 64).astype(np.float64)
    np.testing.assert_allclose(scores, train.predict(make_demo.weights(), image)[0], rtol=1e-4, atol=1e-7)
    assert scores.argmax() == demo.DIGIT


def test_make_demo_writes_the_shipped_files(tmp_path):
    """Training is seeded and its weights rounded to a grid: the same MLIR, input and (with
    the pinned iree-compile) module, byte for byte."""
    accuracy = make_demo.build(tmp_path)
    for shipped in (demo.SOURCE, demo.INPUT, demo.MODULE):
        assert (tmp_path / shipped.name).read_bytes() == shipped.read_bytes(), (
            f"{shipped.name} differs: run `python -m vmvxjit.demo.make_demo` and commit")
    assert accuracy > 0.95


def test_the_demo_classifies_a_digit_given_as_input(tmp_path):
    from vmvxjit.demo import digits

    path = tmp_path / "seven.npy"
    np.save(path, digits.render(np.random.default_rng(3), 7)[None].astype(np.float32))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["run", f"--input=@{path}"]) == 0
    assert f"--input=@{path} (1x8x8xf32)" in out.getvalue() and "  answer: 7 (" in out.getvalue()
