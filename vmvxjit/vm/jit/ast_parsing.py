"""`ast.parse` for code that runs on several threads (region compiles on workers).

CPython 3.11 keeps the depth counter of its parse-tree-to-objects conversion in
state every thread shares, so two parses at once can fail with "SystemError: AST
constructor recursion depth mismatch" (CPython gh-106905; seen here when ShuffleNet's
regions compiled on two threads). One lock serializes the JIT's parses; a region's
source parses in about a millisecond.
"""

from __future__ import annotations

import ast
import threading

_LOCK = threading.Lock()


def parse(source: str) -> ast.Module:
    with _LOCK:
        return ast.parse(source)
