"""machine_code: a function's bytes taken out of an LLVM object, kept on disk, run from a copy."""

import ctypes

import pytest

from vmvxjit.errors import InternalError
from vmvxjit.native import llvm_engine, machine_code

TWICE = """
define i64 @twice(i64 %x) {
  %y = add i64 %x, %x
  ret i64 %y
}
"""
# Reads a global: its code holds a relocation, so it cannot run from a copy.
GLOBAL = """
@g = global i64 5
define i64 @read() {
  %v = load i64, ptr @g
  ret i64 %v
}
"""


def _twice_code() -> bytes:
    return machine_code.function_code(llvm_engine.emit_object(TWICE, baseline=True), "twice")


def test_a_function_is_built_once_then_loaded_from_the_disk_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(tmp_path))
    built = []

    def build():
        built.append(1)
        return _twice_code()
    twice = [ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64)(machine_code.load("twice-test", build))
             for _ in range(2)]
    assert [f(21) for f in twice] == [42, 42]
    assert built == [1]
    assert (tmp_path / "machine-code" / "twice-test.bin").exists()


def test_a_damaged_cache_file_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(tmp_path))
    path = tmp_path / "machine-code" / "twice-test.bin"
    path.parent.mkdir()
    path.write_bytes(b"\0" * 40)
    address = machine_code.load("twice-test", _twice_code)
    assert ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64)(address)(-4) == -8
    assert path.read_bytes()[32:] == _twice_code()


def test_code_with_relocations_or_without_the_symbol_is_refused():
    with pytest.raises(InternalError, match="read's section has relocations"):
        machine_code.function_code(llvm_engine.emit_object(GLOBAL, baseline=True), "read")
    with pytest.raises(InternalError, match="no symbol thrice"):
        machine_code.function_code(llvm_engine.emit_object(TWICE, baseline=True), "thrice")
    with pytest.raises(InternalError, match="not a little-endian ELF64 object"):
        machine_code.function_code(b"\0" * 64, "twice")


# Reads the word mapped at its own address + machine_code.TAIL.
TAIL_WORD = f"""
define dso_local i64 @tail_word() {{
  %self = ptrtoint ptr @tail_word to i64
  %at = add i64 %self, {machine_code.TAIL}
  %slot = inttoptr i64 %at to ptr
  %word = load i64, ptr %slot
  ret i64 %word
}}
"""


def test_tail_data_is_mapped_at_the_code_address_plus_tail(tmp_path, monkeypatch):
    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(tmp_path))
    build = lambda: machine_code.function_code(llvm_engine.emit_object(TAIL_WORD, baseline=True),  # noqa: E731
                                               "tail_word")
    for word in (1234, 5678):   # the code from the cache, its tail new each time
        function = ctypes.CFUNCTYPE(ctypes.c_int64)(
            machine_code.load("tail-word", build, word.to_bytes(8, "little")))
        assert function() == word
