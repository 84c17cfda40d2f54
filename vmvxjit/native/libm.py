"""The C math library: the one handle every tier calls it through, and the
functions generated code calls, under private aliases.

Each function is registered with LLVM's process-wide symbol table as
`vmvxjit_<symbol>` (e.g. `vmvxjit_expf`), so compiled and cached code finds
it by name, and LLVM cannot recognise the call as a library function it may
fold or replace with its own: every tier calls the same libm the
interpreter calls through ctypes, and agrees with it to the last bit.
"""

from __future__ import annotations

import ctypes
from functools import lru_cache

UNARY = ("atan", "cos", "sin", "exp", "exp2", "expm1", "log", "log10", "log1p", "log2",
         "tanh", "erf", "sqrt", "ceil", "floor", "round")
BINARY = ("atan2", "pow", "remainder", "fmod")
# symbol -> (argument type, arity, result type): "f" float, "d" double, "q" int64
SIGNATURES = {**{name + "f": ("f", 2 if name in BINARY else 1, "f") for name in UNARY + BINARY},
              **{name: ("d", 2 if name in BINARY else 1, "d") for name in UNARY + BINARY},
              "llroundf": ("f", 1, "q"), "llround": ("d", 1, "q")}


def _open_libm() -> ctypes.CDLL:
    """glibc's libm by its soname; elsewhere `find_library`, which runs ldconfig (~10 ms)."""
    try:
        return ctypes.CDLL("libm.so.6")
    except OSError:
        from ctypes.util import find_library

        return ctypes.CDLL(find_library("m"))


# The one handle every tier calls libm through.
LIBM = _open_libm()


def alias(symbol: str) -> str:
    return f"vmvxjit_{symbol}"


@lru_cache(maxsize=None)
def register() -> None:
    """Adds every alias to LLVM's symbol table (once per process)."""
    from llvmlite import binding

    for symbol in SIGNATURES:
        binding.add_symbol(alias(symbol), ctypes.cast(getattr(LIBM, symbol), ctypes.c_void_p).value)
