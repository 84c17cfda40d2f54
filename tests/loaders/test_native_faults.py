"""A damaged llvm-cpu executable whose code faults: an error, and the process lives on.

The damage is the kind the fuzzer found (tools/fuzz): a relocation or symbol
that moves an export or the query function to another address inside the
code, which no loader check can tell from a valid one. Here it points at an
int3 byte (LLVM's padding between functions), so the fault is certain.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest

import vmvxjit
from tests.loaders import util
from tests.loaders.test_elf_validation import RX, Patchable
from tests.support import modules
from vmvxjit.errors import FailedPreconditionError, NativeCodeFault
from vmvxjit.loaders import elf
from vmvxjit.native.cpu import HOST_ARCH

pytestmark = pytest.mark.skipif(HOST_ARCH != "x86_64",
                                reason="the damage aims code at an int3 byte, an x86-64 instruction")

_INT3 = 0xCC


@pytest.fixture(scope="module", params=["generic", "system"])
def suite(request):
    """(the suite's .vmfb bytes, the file offset of its library, that library): an
    embedded ELF, and a system library (dlopen-ed)."""
    data = modules.compile_mlir(util.SUITE, util.VARIANTS[request.param]).read_bytes()
    library = bytes(util.suite_executable(request.param)[1])
    return data, data.index(library), Patchable(library)


def _int3_address(patch: Patchable) -> int:
    start, end = patch.segment_range(RX)
    return patch.vaddr_of(RX) + bytes(patch.data[start:end]).index(bytes([_INT3]))


def _damaged(suite, damage) -> bytes:
    """The .vmfb with its ELF changed in place by `damage(patch, int3 vaddr)`."""
    data, offset, original = suite
    patch = Patchable(original.data)
    damage(patch, _int3_address(patch))
    return data[:offset] + bytes(patch.data) + data[offset + len(patch.data):]


def _export_addends(patch: Patchable, target: int) -> None:
    """Every R_X86_64_RELATIVE addend that points into the code (the export table's
    entries) now points at `target`."""
    start, end = patch.segment_range(RX)
    code = range(patch.vaddr_of(RX), patch.vaddr_of(RX) + end - start)
    for index in range(patch.dyn_value(elf.DT_RELASZ) // 24):
        addend_at = patch.rela(index) + 16
        if struct.unpack_from("<q", patch.data, addend_at)[0] in code:
            patch.u64(addend_at, target)


def _query_symbol(patch: Patchable, target: int) -> None:
    patch.u64(patch.symbol(1) + 8, target)   # st_value of the library's one exported symbol


def _vector() -> np.ndarray:
    return np.arange(4, dtype=np.float32)


def test_export_fault_is_an_error_and_the_module_refuses_further_calls(suite):
    module = vmvxjit.load(_damaged(suite, _export_addends), threads=1)
    with pytest.raises(NativeCodeFault, match=r"ABORTED; executable native code faulted: SIGTRAP "
                       r"at pc 0x\w+ in export 'add\w*' \(0x\w+\), workgroup "
                       r"\(0, 0, 0\); the module's memory may be damaged"):
        module.add(_vector(), _vector())
    with pytest.raises(FailedPreconditionError, match=r"function 'add' not run: an earlier "
                       r"call's native code faulted .* load the module again"):
        module.add(_vector(), _vector())
    with pytest.raises(FailedPreconditionError, match="load the module again"):
        module.rowsum(np.ones((8, 32), np.float32))
    intact = vmvxjit.load(suite[0], threads=1)
    np.testing.assert_array_equal(intact.add(_vector(), _vector()), 2 * _vector())


def test_fault_on_worker_threads(suite):
    """Both parts of rowsum's 8 workgroups fault, one on a worker thread: the
    dispatch reports the first and the process lives on."""
    module = vmvxjit.load(_damaged(suite, _export_addends), threads=2)
    with pytest.raises(NativeCodeFault, match=r"in export 'rowsum\w*' \(0x\w+\), workgroup \(0, 0, 0\)"):
        module.rowsum(np.ones((8, 32), np.float32))
    np.testing.assert_array_equal(vmvxjit.load(suite[0], threads=2).rowsum(
        np.ones((8, 32), np.float32)), np.full(8, 32, np.float32))


def test_query_function_fault_fails_the_load(suite):
    with pytest.raises(NativeCodeFault, match=r"SIGTRAP .* in the library's query function"):
        vmvxjit.load(_damaged(suite, _query_symbol))
