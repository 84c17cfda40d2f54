"""The call deadline: a program that loops forever stops with DEADLINE_EXCEEDED at its
loop's branch, in every tier and place a loop can run (interpreted, fused Python,
compiled region code, a natively called callee); one that ends is unaffected."""

import time
from pathlib import Path

import pytest

import vmvxjit
from tests.support.modules import compile_mlir
from tests.support.oracle import have_iree
from vmvxjit.errors import DeadlineExceededError, InvalidArgumentError, StatusCode
from vmvxjit.vm import deadline as deadline_module
from vmvxjit.vm.deadline import ENV, Deadline, parse_seconds
from vmvxjit.vm.jit import tiering

PROGRAM = Path(__file__).parent / "programs" / "spin.mlir"
VM_FLAGS = ["--compile-mode=vm"]
DEADLINE_S = 0.5
# What a stopped call may take past its deadline: the clock is read every few thousand
# compiled back-edges, and a `jit` call compiles its regions within the deadline.
SLACK_S = 2.0
# The branch back to @spin's (and @spin_callee's) loop header, and @outer's call.
SPIN_BRANCH = 0x32
CALL_IN_OUTER = 0x37
LOOP_HEADER = 0x13      # @spin's loop header's first op

needs_iree = pytest.mark.skipif(not have_iree(), reason="needs iree-compile")


@pytest.fixture(scope="module")
def spin_module():
    return compile_mlir(PROGRAM.read_text(), VM_FLAGS)


def _stopped(module, function: str, *args) -> DeadlineExceededError:
    start = time.monotonic()
    with pytest.raises(DeadlineExceededError) as info:
        getattr(module, function)(*args)
    elapsed = time.monotonic() - start
    assert DEADLINE_S <= elapsed < DEADLINE_S + SLACK_S
    return info.value


@needs_iree
@pytest.mark.parametrize("tier", ["interp", "jit", "auto"])
def test_a_loop_that_never_ends_stops_at_its_branch(spin_module, tier):
    module = vmvxjit.load(str(spin_module), tier=tier, deadline=DEADLINE_S)
    error = _stopped(module, "spin", 1)
    assert error.code == StatusCode.DEADLINE_EXCEEDED
    assert error.frames == [f"spin.spin+0x{SPIN_BRANCH:04X}"]
    assert str(error).startswith(f"DEADLINE_EXCEEDED; call stopped after running past its "
                                 f"deadline of {DEADLINE_S:g} s (set by deadline)")
    assert module.finite(1000) == 1000       # the module lives on
    if tier == "jit":
        assert module.jit_stats()["regions_compiled"] >= 1


@needs_iree
@pytest.mark.parametrize("tier", ["interp", "jit", "auto"])
def test_a_callee_that_never_ends_names_every_frame(spin_module, tier):
    module = vmvxjit.load(str(spin_module), tier=tier, deadline=DEADLINE_S)
    error = _stopped(module, "outer", 1)
    assert error.frames[1:] == [f"spin.outer+0x{CALL_IN_OUTER:04X}"]
    assert error.frames[0].endswith(f"+0x{SPIN_BRANCH:04X}")
    if tier == "jit":
        notes = [n for c in module.jit_stats()["compiled"] for n in c["notes"]]
        assert any("native call" in note for note in notes)


@needs_iree
def test_fused_python_regions_check_the_deadline(spin_module, monkeypatch):
    """In `auto`, a loop not hot yet runs as one generated Python loop (here: never hot,
    and nothing loaded from the disk cache)."""
    monkeypatch.setattr(tiering._RegionTier, "advance", lambda self, regs: None)
    monkeypatch.setattr(tiering._RegionTier, "compile_ahead", lambda self, seconds, order: False)
    module = vmvxjit.load(str(spin_module), tier="auto", deadline=DEADLINE_S)
    error = _stopped(module, "spin", 1)
    assert error.frames == [f"spin.spin+0x{LOOP_HEADER:04X}"]     # the region's entry
    stats = module.jit_stats()
    assert stats["regions_compiled"] == 0 and stats["python_region_seconds"] > 0


@needs_iree
@pytest.mark.parametrize("tier", ["interp", "jit", "auto"])
def test_programs_that_end_are_unaffected(spin_module, tier):
    with_deadline = vmvxjit.load(str(spin_module), tier=tier, deadline=60)
    without = vmvxjit.load(str(spin_module), tier=tier)
    for module in (with_deadline, without):
        assert module.finite(200_000) == 200_000
        assert module.counted(100_000) == without.counted(100_000)
        assert module.outer(4) == 12


@pytest.mark.parametrize("value", [-1, 0, "soon", "", float("inf"), float("nan"), True, None])
def test_bad_deadlines_name_the_option(value):
    with pytest.raises(InvalidArgumentError, match=r"deadline=.* is not a deadline: give a "
                                                   r"positive number of seconds"):
        parse_seconds(value, "deadline")


def test_the_option_is_checked_at_load(spin_module):
    with pytest.raises(InvalidArgumentError, match="deadline='-2' is not a deadline"):
        vmvxjit.load(str(spin_module), deadline="-2")


def test_resolve_prefers_the_option_then_the_environment(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    assert not Deadline.resolve().enabled
    monkeypatch.setenv(ENV, "2.5")
    deadline = Deadline.resolve()
    assert (deadline.seconds, deadline.source) == (2.5, ENV)
    assert Deadline.resolve("0.25").seconds == 0.25
    monkeypatch.setenv(ENV, "never")
    with pytest.raises(InvalidArgumentError, match=f"{ENV}='never' is not a deadline"):
        Deadline.resolve()


def test_without_a_deadline_nothing_runs_out():
    none = deadline_module.NO_DEADLINE
    assert none.poll() == deadline_module.NO_FUEL_LIMIT
    assert none.fuel() == deadline_module.NO_FUEL_LIMIT
    assert none.expires_ns() == deadline_module.NEVER_NS
    assert none.run(lambda: 7) == 7


def test_nested_calls_keep_the_outer_expiry():
    deadline = Deadline(30)

    def inner():
        return deadline.expires_ns()

    def outer():
        first = deadline.expires_ns()
        time.sleep(0.01)
        return first, deadline.run(inner)
    first, nested = deadline.run(outer)
    assert first == nested < deadline_module.NEVER_NS
