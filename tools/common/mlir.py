"""What the tools need to know of imported MLIR text."""

from __future__ import annotations

import re


_FUNC_RE = re.compile(r'^\s*func\.func\s+(?:(public|private|nested)\s+)?@("(?:[^"\\]|\\.)*"|[\w$.\-]+)\s*\(',
                      re.M)


def main_function(mlir: str) -> str | None:
    for match in _FUNC_RE.finditer(mlir):
        if match.group(1) == "private":
            continue
        name = match.group(2)
        return name[1:-1] if name.startswith('"') else name
    return None
