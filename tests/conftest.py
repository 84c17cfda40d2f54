"""Test-session policy: slow suites run as a bounded, deterministic sample.

Tests marked `slow` are sampled: every k-th one (by node id order) runs,
with k = VMVXJIT_SAMPLE (default 4); `--full` or VMVXJIT_SAMPLE=1 runs all.
The same command therefore stays bounded on CI and complete on demand.
The session ends once the JIT's compile threads are idle.
"""

from __future__ import annotations

import os
import sys

import pytest


def pytest_addoption(parser):
    parser.addoption("--full", action="store_true", help="run every slow test, not a sample")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--full"):
        return
    every = int(os.environ.get("VMVXJIT_SAMPLE", "4"))
    if every <= 1:
        return
    slow = sorted((item for item in items if item.get_closest_marker("slow")),
                  key=lambda item: item.nodeid)
    skip = pytest.mark.skip(reason=f"slow: sampled every {every}th (run with --full for all)")
    for index, item in enumerate(slow):
        if index % every:
            item.add_marker(skip)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    """Lets queued compiles finish before pytest's summary, which may import (and parse with
    `ast.parse`) plugin modules: beside a compile thread's parse that fails in CPython 3.11
    (background.wait_idle; a models-only run crashed in hypothesis's summary)."""
    background = sys.modules.get("vmvxjit.vm.jit.background")
    if background is not None:
        background.wait_idle()
