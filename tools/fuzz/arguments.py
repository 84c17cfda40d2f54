"""Arguments for calling a (possibly mutated) module's function.

Built from the function's `iree.abi.declaration` when it has one (tensors of
the declared element type and shape, dynamic dims 4), else from its calling
convention (scalars, null refs). Values are small and deterministic, so a call
of an intact seed computes something and a mutant's call is reproducible.
"""

from __future__ import annotations

import math

import numpy as np

from vmvxjit.hal_inline import element_types

DYNAMIC_DIM = 4
MAX_ELEMENTS = 1 << 16     # a mutated declaration may ask for any shape; build none bigger
_SCALARS = {"i": 3, "I": 3, "f": 1.5, "F": 1.5, "r": None}


def _tensor(spec):
    shape = tuple(DYNAMIC_DIM if d is None else d for d in spec.shape)
    code = element_types.parse_element_type(spec.element_type)
    dtype = element_types.numpy_dtype(code)
    if dtype is None or min(shape, default=0) < 0 or math.prod(shape) > MAX_ELEMENTS:
        return None
    values = np.arange(math.prod(shape)) % 5
    if dtype.kind == "b":
        values = values % 2
    elif dtype.kind == "f":
        values = values * 0.5 - 1.0
    return values.astype(dtype).reshape(shape)


def _argument_chars(cconv: str) -> str:
    """The argument characters of a cconv such as `0rr_r` (variadic spans kept as is)."""
    return cconv[1:].partition("_")[0]


def _specs(function) -> tuple:
    chars = _argument_chars(function.cconv)
    declaration = function.declaration
    if declaration and len(declaration.inputs) == len(chars):
        return tuple(zip(chars, declaration.inputs))
    return tuple((ch, None) for ch in chars)


def arguments(function) -> list:
    """Values for every argument of `function` (a vmvxjit.api.Function)."""
    return [_tensor(spec) if spec is not None and spec.is_tensor else _SCALARS.get(ch)
            for ch, spec in _specs(function)]


def iree_inputs(function, values: list) -> list[str]:
    """`values` as iree-run-module `--input` texts (to run the same call with IREE)."""
    texts = []
    for (_, spec), value in zip(_specs(function), values):
        if value is None:
            texts.append("(null)")
        elif isinstance(value, np.ndarray):
            dims = "".join(f"{d}x" for d in value.shape)
            flat = value.reshape(-1)
            elements = " ".join(repr(v) for v in (flat.astype(int) if flat.dtype.kind == "b" else flat).tolist())
            texts.append(f"{dims}{spec.element_type}={elements}")
        else:
            texts.append(repr(value))
    return texts
