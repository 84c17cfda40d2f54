"""Fixtures for the vmvx kernel tests: our module and IREE's (the oracle)."""

from __future__ import annotations

import pytest

from vmvxjit.kernels.module import VmvxModule


@pytest.fixture(scope="session")
def vmvx():
    return VmvxModule()


@pytest.fixture(scope="session")
def iree():
    pytest.importorskip("iree.runtime")
    from tests.kernels.iree_vmvx import IreeVmvx

    return IreeVmvx()
