"""helpers.py read as source, without importing it (that imports Numba, which the
LLVM code generator does without): the names generated code may use, and the
definitions llvm_lower.py lowers when region code calls a helper that is not one
of llvm_builtins.py's primitives.

So each helper that is an algorithm (IREE's round-to-even, fpowi, x86-64's
float-to-uint64 conversion, the rounding casts) is written once, in helpers.py,
and both compilers build it from that text.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from vmvxjit.native import libm
from vmvxjit.vm.jit import ast_parsing

_SOURCE = Path(__file__).with_name("helpers.py")


@cache
def _tree() -> ast.Module:
    return ast_parsing.parse(_SOURCE.read_text())


@cache
def definitions() -> dict:
    """helpers.py's functions by name (private ones too: public ones call them)."""
    return {node.name: node for node in _tree().body if isinstance(node, ast.FunctionDef)}


def names() -> list:
    """What helpers.py offers generated code: its public functions and constants,
    the names it re-exports (`import x as x`) and a `libm_<type>_<name>` function
    per libm function (native/libm.py)."""
    found = [f"libm_{t}_{name}" for t in ("f32", "f64") for name in libm.UNARY + libm.BINARY]
    for node in _tree().body:
        if isinstance(node, ast.FunctionDef):
            found.append(node.name)
        elif isinstance(node, ast.Assign):
            found += [target.id for target in node.targets if isinstance(target, ast.Name)]
        elif isinstance(node, ast.ImportFrom):
            found += [alias.name for alias in node.names if alias.asname == alias.name]
    return sorted(name for name in found if not name.startswith("_"))
