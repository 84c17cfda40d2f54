"""The fuzzer's child: what it runs of a module and how it reports."""

from __future__ import annotations

import vmvxjit
from tests.hal_inline.test_read_only_arguments import ADD     # @f: a 4-element add
from tests.support.modules import DYNAMIC_LLVM, compile_mlir
from tools.fuzz import child


def test_each_export_is_called_twice_so_that_its_native_entry_runs_too(monkeypatch):
    """From its second call an export compiled whole runs its native entry (vmvxjit/host),
    code a single call never reaches."""
    loaded = []
    load = vmvxjit.load
    monkeypatch.setattr(child.vmvxjit, "load", lambda data, **options: loaded.append(load(data, **options))
                        or loaded[-1])
    notes = []
    report = child.run_mutant(compile_mlir(ADD, DYNAMIC_LLVM).read_bytes(), {}, notes.append)
    assert report == {"outcome": "result"}
    assert [note["function"] for note in notes] == ["f", "f"]      # the load's note, then the call's
    assert loaded[0].jit_stats()["host_functions"]["f"].startswith("compiled whole")
