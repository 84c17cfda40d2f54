"""Fixtures for the loader tests: compiled suites and the native fixture library."""

from __future__ import annotations

import pytest

from tests.loaders import native_library, util


@pytest.fixture(scope="session")
def suite_executable():
    """`suite_executable(variant)` -> (format, ELF bytes), compiled once per session."""
    cache = {}

    def get(variant: str):
        if variant not in cache:
            cache[variant] = util.suite_executable(variant)
        return cache[variant]

    return get


@pytest.fixture(scope="session")
def native_fixture(tmp_path_factory):
    """`native_fixture(**defines)` -> bytes of the hand-written test library."""
    if native_library.CC is None:
        pytest.skip("no C compiler (cc) available")
    directory = tmp_path_factory.mktemp("native-fixture")
    return lambda **defines: native_library.build_library(directory, **defines)
