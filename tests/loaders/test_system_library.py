"""System-library specifics: the IREEDBG footer and independent dlopen-ed copies."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from vmvxjit.errors import OutOfRangeError
from vmvxjit.loaders.system_library import SystemLibraryLoader, library_bytes
from tests.loaders.util import aligned_bytes

LIBRARY = bytes(range(256)) * 4


def footer(library_size, debug_offset, debug_size):
    return struct.pack("<8sIIQQQQ", b"IREEDBG\0", 0, 0, 0, library_size, debug_offset, debug_size)


def test_without_footer_everything_is_the_library():
    assert bytes(library_bytes(LIBRARY)) == LIBRARY


def test_footer_selects_the_library_prefix():
    data = LIBRARY + b"debug-data" + footer(len(LIBRARY), len(LIBRARY), 10)
    assert bytes(library_bytes(np.frombuffer(data, np.uint8))) == LIBRARY


@pytest.mark.parametrize("sizes", [(2000, 0, 0), (10, 1020, 10)])
def test_footer_ranges_are_checked(sizes):
    with pytest.raises(OutOfRangeError, match="footer references out of range bytes"):
        library_bytes(LIBRARY + footer(*sizes))


def test_footered_library_loads(native_fixture):
    data = native_fixture()
    executable = SystemLibraryLoader().load(
        "system-elf", np.frombuffer(data + b"pdb" + footer(len(data), len(data), 3), np.uint8), None)
    assert executable.export_names == ["noop", "fail_at", "record"]
    executable.release()


def counting_dispatch(executable, count):
    calls = aligned_bytes(np.zeros(1, np.uint32))
    executable.dispatch(1, (count, 1, 1), np.array([1, 999, 0, 0], np.uint32), [calls])
    return int(calls.view(np.uint32)[0])


def test_copies_of_one_library_are_independent(native_fixture):
    data = np.frombuffer(native_fixture(), np.uint8)
    loader = SystemLibraryLoader()
    first, second = loader.load("system-elf", data, None), loader.load("system-elf", data, None)
    assert first.library.exports[0].function != second.library.exports[0].function
    first.release()
    assert counting_dispatch(second, 3) == 3
    third = loader.load("system-elf", data, None)
    assert counting_dispatch(third, 2) == 2
    second.release()
    third.release()
