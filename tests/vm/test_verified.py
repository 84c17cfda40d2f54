"""The load-time checks' disk marker (vm/verified.py): a module's exact bytes are
verified once; any other bytes are verified in full."""

from __future__ import annotations

import dataclasses

import pytest

from vmvxjit.demo import MODULE
from vmvxjit.vm import bytecode_module, verified
from vmvxjit.vm.module_def import load_module_def


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(tmp_path))
    return tmp_path


def _count_checks(monkeypatch) -> list:
    calls = []
    real = bytecode_module.verify_function

    def counted(*args):
        calls.append(args)
        return real(*args)
    monkeypatch.setattr(bytecode_module, "verify_function", counted)
    return calls


def test_a_module_is_checked_once_then_its_marker_skips_the_checks(cache, monkeypatch):
    calls = _count_checks(monkeypatch)
    first = bytecode_module.BytecodeModule.load(MODULE)
    assert len(calls) == len(first.functions) > 0
    assert len(list((cache / "verified").iterdir())) == 1
    again = bytecode_module.BytecodeModule.load(MODULE)
    assert len(calls) == len(first.functions)
    assert repr([f.instrs for f in again.functions]) == repr([f.instrs for f in first.functions])


def test_other_bytes_have_no_marker(cache):
    md = load_module_def(MODULE)
    verified.remember(md)
    assert verified.passed(md)
    changed = bytearray(md.bytecode)
    changed[len(changed) // 2] ^= 1
    assert not verified.passed(dataclasses.replace(md, bytecode=memoryview(bytes(changed))))
    fewer_globals = dataclasses.replace(md, global_bytes=md.global_bytes + 4)
    assert not verified.passed(fewer_globals)


def test_a_module_failing_the_checks_leaves_no_marker(cache, monkeypatch):
    def reject(*args):
        raise bytecode_module.VerificationError("rejected")
    monkeypatch.setattr(bytecode_module, "verify_function", reject)
    with pytest.raises(bytecode_module.VerificationError):
        bytecode_module.BytecodeModule.load(MODULE)
    assert not (cache / "verified").exists()


def test_an_unwritable_cache_only_costs_the_checks(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("VMVXJIT_CACHE_DIR", str(blocker))
    assert bytecode_module.BytecodeModule.load(MODULE).functions
