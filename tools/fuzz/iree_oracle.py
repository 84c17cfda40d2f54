"""What IREE's own runtime does with a call that hung or crashed in vmvxjit.

A mutant can make a program loop forever (a loop counter's increment turned
into another op, a branch sent back to the entry block), or make the module's
own native code write far outside its buffers (a workgroup count grown a
million-fold: the code indexes by workgroup id unchecked, as IREE's does). That
hangs or crashes IREE as it does vmvxjit, and is the program's behaviour rather
than a vmvxjit bug. The fuzzer replays each such call (or, for a hang while
loading, the module's first export: its `__init` runs first) with
`iree-run-module` under the same time limit; only what IREE does not share
stays a finding.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from vmvxjit.tooling.iree_tools import tool_path
from vmvxjit.vm.container import open_container
from vmvxjit.vm.flatbuffer import FlatBuffer
from vmvxjit.vm.module_def import BYTECODE_MODULE_DEF, EXPORT_DEF


def iree_verdict(data: bytes, call: dict | None, timeout: float, work: Path) -> str:
    """`timeout`, `exit N`, `signal N`, or why IREE could not be asked."""
    tool = tool_path("iree-run-module")
    if tool is None or call is None or call["function"] is None:
        return "not run (" + ("no iree-run-module" if tool is None else "no export to call") + ")"
    name = _raw_export_name(data, call["function"])
    if b"\0" in name:
        return "not run (the export's name holds a NUL, which no argument can)"
    module = work / "timed-out.vmfb"
    module.write_bytes(data)
    command = [tool.encode(), f"--module={module}".encode(), b"--function=" + name,
               *(f"--input={text}".encode() for text in call["inputs"])]
    try:
        completed = subprocess.run(command, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout"
    code = completed.returncode
    return f"signal {-code}" if code < 0 else f"exit {code}"


def _raw_export_name(data: bytes, name: str) -> bytes:
    """The bytes of export `name` as the module stores them: vmvxjit shows names that are
    not UTF-8 with U+FFFD, which iree-run-module would not find."""
    if "\ufffd" not in name:
        return name.encode()
    root = FlatBuffer(open_container(data).flatbuffer).root(BYTECODE_MODULE_DEF)
    for export in root.tables("exported_functions", EXPORT_DEF):
        start = export.fb.follow(export.field_position("local_name", 4), "name")
        raw = bytes(export.fb.data[start + 4:start + 4 + export.fb.read("u32", start, "name")])
        if raw.decode("utf-8", "replace") == name:
            return raw
    return name.encode()
