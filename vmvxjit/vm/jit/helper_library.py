"""helpers.py and expf.py read as source, without importing them (they import
Numba, which the LLVM code generator does without): the names generated code may
use, and the definitions llvm_lower.py lowers when region code calls a helper
that is not one of llvm_builtins.py's primitives.

So each helper that is an algorithm (IREE's round-to-even, fpowi, x86-64's
float-to-uint64 conversion, the rounding casts, glibc's expf) is written once,
in helpers.py or expf.py, and both compilers build it from that text; the
numbers expf.py reads come from expf_data.py, which has no Numba either.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from vmvxjit.native import libm
from vmvxjit.vm.jit import ast_parsing, expf_data

SOURCES = [Path(__file__).with_name(name) for name in ("helpers.py", "expf.py")]


@cache
def _tree(path: Path) -> ast.Module:
    return ast_parsing.parse(path.read_text())


@cache
def definitions() -> dict:
    """The functions of helpers.py and expf.py by name (private ones too: public ones
    call them; no name is defined in both)."""
    found = {}
    for path in SOURCES:
        for node in _tree(path).body:
            if isinstance(node, ast.FunctionDef):
                assert node.name not in found, f"{node.name} is defined twice"
                found[node.name] = node
    return found


@cache
def constants() -> dict:
    """The numbers and tables expf.py's algorithm reads, by name (expf_data.py's
    EXPF_*): Python floats, numpy scalars and one-dimensional numpy arrays."""
    return {name: value for name, value in vars(expf_data).items() if name.startswith("EXPF_")}


def names() -> list:
    """What helpers.py offers generated code: its public functions and constants,
    the names it re-exports (`import x as x`) and a `libm_<type>_<name>` function
    per libm function (native/libm.py)."""
    found = [f"libm_{t}_{name}" for t in ("f32", "f64") for name in libm.UNARY + libm.BINARY]
    for node in _tree(SOURCES[0]).body:
        if isinstance(node, ast.FunctionDef):
            found.append(node.name)
        elif isinstance(node, ast.Assign):
            found += [target.id for target in node.targets if isinstance(target, ast.Name)]
        elif isinstance(node, ast.ImportFrom):
            found += [alias.name for alias in node.names if alias.asname == alias.name]
    return sorted(name for name in found if not name.startswith("_"))
