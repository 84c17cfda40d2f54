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


def iree_verdict(data: bytes, call: dict | None, timeout: float, work: Path) -> str:
    """`timeout`, `exit N`, `signal N`, or why IREE could not be asked."""
    tool = tool_path("iree-run-module")
    if tool is None or call is None or call["function"] is None:
        return "not run (" + ("no iree-run-module" if tool is None else "no export to call") + ")"
    module = work / "timed-out.vmfb"
    module.write_bytes(data)
    command = [tool, f"--module={module}", f"--function={call['function']}",
               *(f"--input={text}" for text in call["inputs"])]
    try:
        completed = subprocess.run(command, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout"
    code = completed.returncode
    return f"signal {-code}" if code < 0 else f"exit {code}"
