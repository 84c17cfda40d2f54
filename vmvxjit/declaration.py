"""Reads `iree.abi.declaration` reflection text into argument and result specs.

`sync func @f(%input0: tensor<?x4xf32>, %input1: i32) -> (%output0: tensor<?x4xf32>)`
becomes specs the library API checks numpy arguments against before calling.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from vmvxjit.errors import ModuleFormatError

_ITEM = re.compile(r"%(\w+)\s*:\s*(tensor<[^>]*>|[\w!.<>]+)")
_DIM = re.compile(r"[0-9]+|\?")


class ValueSpec(NamedTuple):
    """One argument or result: its name, and a tensor shape/type or a scalar type."""

    name: str
    type_text: str

    @property
    def is_tensor(self) -> bool:
        return self.type_text.startswith("tensor<")

    @property
    def element_type(self) -> str:
        if not self.is_tensor:
            return self.type_text
        return self.type_text[len("tensor<"):-1].split("x")[-1]

    @property
    def shape(self) -> tuple:
        """Dims as ints, None for a dynamic (`?`) dim; () for rank 0 and scalars."""
        if not self.is_tensor:
            return ()
        parts = self.type_text[len("tensor<"):-1].split("x")[:-1]
        return tuple(None if p == "?" else int(p) for p in parts)


class Declaration(NamedTuple):
    text: str
    inputs: tuple
    outputs: tuple


def parse_declaration(text: str | None, function: str) -> Declaration | None:
    """The specs in the declaration of export `function`, or None when the module
    carries none; a tensor dim that is neither a number nor `?` (a corrupted module)
    is a ModuleFormatError naming the function and the attribute."""
    if not text:
        return None
    head, _, tail = text.partition("->")
    inputs = tuple(ValueSpec(n, t) for n, t in _ITEM.findall(head))
    outputs = tuple(ValueSpec(n, t) for n, t in _ITEM.findall(tail))
    for spec in inputs + outputs:
        if spec.is_tensor and not all(
                _DIM.fullmatch(dim) for dim in spec.type_text[len("tensor<"):-1].split("x")[:-1]):
            raise ModuleFormatError(
                f"function '{function}': malformed iree.abi.declaration attribute: "
                f"%{spec.name} has type {spec.type_text!r}")
    return Declaration(text, inputs, outputs)
