"""Alias checks of optimized loops and nests by the byte ranges accesses touch.

Two buffer refs may be the same storage or overlapping subspans of it
(inline-static modules pack transient buffers into one allocation), and two
refs to one buffer may still touch disjoint parts of it. So the entry check
that lets an optimized loop or nest keep an element in a register or reorder
its writes compares bytes, not buffers: an access whose element range over
the loop or nest is computed (`lo`..`hi`, elements of `size` bytes counted
from the start of the buffer's view, which is at its address) touches
[addr + lo * size, addr + (hi + 1) * size); any other access is taken to touch
its whole buffer, [addr, addr + len). Only written ranges need to be disjoint
from the others. The checks are comparisons of locals: no side effects.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """The bytes an access touches: elements `lo`..`hi` (expressions) of
    element type `code` (`f32`, `i8.u`, ...) in buffer register `raw`, or the
    whole buffer when `lo` is None."""

    raw: int
    lo: str | None = None
    hi: str | None = None
    code: str = "i8"


def _bounds(gen, span: Span) -> tuple[str, str]:
    addr = gen.addr_expr(span.raw)
    if span.lo is None:
        return addr, f"{addr} + {gen.len_expr(span.raw)}"
    size = int(span.code[1:].split(".")[0]) // 8
    return f"{addr} + ({span.lo}) * {size}", f"{addr} + (({span.hi}) + 1) * {size}"


def disjoint(gen, written: list, others: list) -> list:
    """Checks that every span in `written` is disjoint from every span in
    `others` (each pair once). The buffers' handle checks must come first."""
    checks = []
    for w in dict.fromkeys(written):
        w_start, w_end = _bounds(gen, w)
        for o in dict.fromkeys(others):
            o_start, o_end = _bounds(gen, o)
            checks.append(f"({w_end} <= {o_start} or {o_end} <= {w_start})")
    return checks
