"""Calling-convention strings: `0<args>_<results>` (e.g. `0rIIiiCID_r`).

`i` i32, `I` i64, `f` f32, `F` f64, `r` ref, `v` nothing, and `C…D` a variadic
span of tuples. Parsed once into a `CConv` that every caller and callee uses,
so a native export, an import and a bytecode function agree on one layout.
"""

from __future__ import annotations

from typing import NamedTuple

from vmvxjit.errors import ModuleFormatError

SCALAR_CHARS = "iIfFr"


class CConv(NamedTuple):
    """A parsed calling convention.

    `args` and `results` are tuples of items; an item is a single character
    (`"i"`) or, for a variadic span, a string of the span's characters
    prefixed with `C` (`"CrII"`).
    """

    text: str
    args: tuple
    results: tuple


def _split_items(side: str, text: str) -> tuple:
    if side == "v":
        return ()
    items = []
    i = 0
    while i < len(side):
        ch = side[i]
        if ch == "C":
            end = side.find("D", i)
            if end < 0 or any(c not in SCALAR_CHARS for c in side[i + 1:end]):
                raise ModuleFormatError(f"malformed variadic span in calling convention '{text}'")
            items.append("C" + side[i + 1:end])
            i = end + 1
        elif ch in SCALAR_CHARS:
            items.append(ch)
            i += 1
        else:
            raise ModuleFormatError(f"unknown type '{ch}' in calling convention '{text}'")
    return tuple(items)


def parse_cconv(text: str) -> CConv:
    """Parses `0<args>_<results>`; raises ModuleFormatError when malformed."""
    if not text or text[0] != "0" or "_" not in text:
        raise ModuleFormatError(f"unsupported calling convention '{text}'")
    args, _, results = text[1:].partition("_")
    return CConv(text, _split_items(args, text), _split_items(results, text))


def frame_layout(items: tuple) -> tuple[tuple, int, int]:
    """Where a function finds its arguments (or results) in a fresh frame.

    Returns `(slots, i32_count, ref_count)`: one `(char, slot)` per item —
    `i`/`f` take the next i32 slot, `I`/`F` the next even-aligned pair, `r`
    the next ref slot — and how many slots of each bank that used. Internal
    calls and host invocations place values this way (IREE 3.13).
    """
    slots = []
    i32_next = ref_next = 0
    for ch in items:
        if len(ch) != 1:
            raise ModuleFormatError("internal functions cannot accept variadic arguments")
        if ch in "IF":
            i32_next += i32_next & 1
            slots.append((ch, i32_next))
            i32_next += 2
        elif ch in "if":
            slots.append((ch, i32_next))
            i32_next += 1
        else:
            slots.append((ch, ref_next))
            ref_next += 1
    return tuple(slots), i32_next, ref_next
