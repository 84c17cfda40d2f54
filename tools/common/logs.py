"""The line of a tool's log that says what went wrong, for one-line scoreboard entries."""

from __future__ import annotations

import re


def first_line(text: str, limit: int = 300) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[:limit] + "..."
    return "(no message)"


def error_line(text: str, limit: int = 300) -> str:
    """The most telling line of a compiler/importer log: the first `error:` line; for a crash,
    LLVM's fatal error or failed assertion; else the last non-empty line (a Python traceback
    ends with its exception)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]

    def clip(line):
        return line if len(line) <= limit else line[:limit] + "..."
    for line in lines:
        if "error:" in line:
            return clip(re.sub(r"^\S*?:\d+:\d+: ", "", line))     # drop `file:line:col: `
    for line in lines:
        if line.startswith("LLVM ERROR") or "Assertion" in line or "UNREACHABLE" in line:
            return clip(f"crash: {line}")
    if any(line.startswith("Stack dump:") for line in lines):
        for line in lines:                          # the first frame past the signal handler
            frame = re.match(r"#\d+ 0x[0-9a-f]+ (.*)", line)
            if frame and not re.search(r"llvm::sys::|SignalHandler|libc\.so|^\(", frame.group(1)):
                return clip(f"crash in {frame.group(1)}")
        return clip(f"crash: {lines[0]}")
    if lines:
        return clip(lines[-1])
    return "(no message)"
