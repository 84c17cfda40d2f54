"""Loader registry: format matching, order, extension; importing stays light."""

from __future__ import annotations

import subprocess
from pathlib import Path
import sys

import pytest

from vmvxjit.loaders import registry
from vmvxjit.native.cpu import HOST_ARCH
from vmvxjit.loaders.embedded_elf import EmbeddedElfLoader
from vmvxjit.loaders.system_library import SystemLibraryLoader
from vmvxjit.loaders.vmvx_executable import VmvxLoader

OTHER_ARCH = "arm_64" if HOST_ARCH == "x86_64" else "x86_64"


@pytest.mark.parametrize("format, loader", [
    (f"embedded-elf-{HOST_ARCH}", EmbeddedElfLoader),
    (f"embedded-elf-{HOST_ARCH}-something", EmbeddedElfLoader),
    (f"system-elf-{HOST_ARCH}", SystemLibraryLoader),
    (f"embedded-elf-{OTHER_ARCH}", None),
    (f"system-elf-{OTHER_ARCH}", None),
    ("vmvx-bytecode-fb", VmvxLoader),
    ("vmvx-bytecode-fb-extra", None),
    ("embedded-elf", None),
    ("static", None),
])
def test_find_loader(format, loader):
    found = registry.find_loader(format)
    assert type(found) is loader if loader else found is None
    assert registry.query_support(format) == (loader is not None)


def test_registered_loaders_come_last():
    class Greedy:
        def supports(self, format):
            return format == "custom" or format.startswith("embedded-elf-")

    greedy = Greedy()
    registry.register_loader(greedy)
    try:
        assert registry.find_loader("custom") is greedy
        assert isinstance(registry.find_loader(f"embedded-elf-{HOST_ARCH}"), EmbeddedElfLoader)
    finally:
        registry.LOADERS.remove(greedy)


def test_loaders_do_not_import_numba():
    code = ("import sys, vmvxjit.loaders.registry, vmvxjit.loaders.executable;"
            "assert 'numba' not in sys.modules, 'numba imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
