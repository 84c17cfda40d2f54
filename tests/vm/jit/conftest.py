"""Fixtures the JIT's loop optimizer tests share."""

import pytest

from vmvxjit.vm.jit import switches


@pytest.fixture(params=[True, False], ids=["opt", "no-opt"])
def loop_opt(request, monkeypatch):
    """Every loop optimization on, then off (switches.py)."""
    monkeypatch.setattr(switches, "ENABLED", request.param)
    return request.param
