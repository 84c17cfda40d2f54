"""Buffer views as IREE prints them (hal_inline's `buffer_view.trace`, and
iree-run-module's results through tooling/outputs.py): `2x3xf32=[1 2 3][4 5 6]`
with C `%G` floats (NaN sign shown), `%d`/`%u` ints, hex bytes for i1 and
everything else, elided after `max_element_count` elements.
"""

from __future__ import annotations

import math

import numpy as np

from vmvxjit.errors import OutOfRangeError
from vmvxjit.hal_inline import element_types as et
from vmvxjit.hal_inline import small_floats
from vmvxjit.hal_inline.buffer import BufferView


def c_float_text(value: float, conversion: str) -> str:
    """C printf `%g`/`%G` of a double: like Python's, but NaN keeps its sign."""
    if math.isnan(value):
        text = "-nan" if math.copysign(1.0, value) < 0 else "nan"
        return text.upper() if conversion == "G" else text
    return f"%{conversion}" % value


def format_trace(key: str, views) -> str:
    """What `hal_inline.buffer_view.trace` prints to stderr (no elision)."""
    body = "".join(f"{format_buffer_view(view, None)}\n" for view in views)
    return f"=== {key} ===\n{body}\n"


def format_buffer_view(view: BufferView, max_element_count: int | None = 1024) -> str:
    """`<d0>x...x<type>=<elements>`; None means no element limit."""
    dims = "".join(f"{d}x" for d in view.shape)
    elements = format_elements(view.buffer.data(), view.shape, view.element_type,
                               max_element_count)
    return f"{dims}{et.element_type_name(view.element_type)}={elements}"


def format_elements(data: np.ndarray, shape, element_type: int,
                    max_element_count: int | None) -> str:
    """Elements of dense row-major `data` (uint8) with IREE's brackets and
    elision: a budget of elements is spent in row-major order; a row cut
    short ends in `...`, later rows print only `...`."""
    shape = tuple(shape) or (1,)
    size = et.dense_byte_count(element_type)
    total = math.prod(shape)
    budget = total if max_element_count is None else max_element_count
    shown = min(budget, total)
    if len(shape) > 1 and data.size < total * size:
        raise OutOfRangeError(
            f"input data underflow: data_length={data.size} < expected={total * size}")
    if len(shape) == 1 and data.size < shown * size:
        raise OutOfRangeError(
            f"input data underflow; data_length={data.size} < expected={shown * size}")
    texts = element_texts(data[:shown * size], element_type)
    width = shape[-1]
    items = []
    for row in range(math.prod(shape[:-1])):
        count = min(width, max(budget - row * width, 0))
        start = row * width
        items.append(" ".join(texts[start:start + count]) + ("..." if count < width else ""))
    for depth in range(len(shape) - 2, -1, -1):
        length = shape[depth]
        groups = math.prod(shape[:depth])
        items = ["".join(f"[{item}]" for item in items[g * length:(g + 1) * length])
                 for g in range(groups)]
    return items[0] if items else ""


def element_texts(data: np.ndarray, element_type: int) -> list[str]:
    """The printed form of each element in `data` (dense bytes)."""
    row = et.BY_CODE.get(element_type)
    style = row.print_style if row is not None else "x"
    if style == "x":
        size = et.dense_byte_count(element_type)
        digits = data.tobytes().hex().upper()
        return [digits[i:i + 2 * size] for i in range(0, len(digits), 2 * size)] if size else []
    values = data.view(row.dtype)
    if style == "G":
        if row.dtype.itemsize < 4:
            values = small_floats.decode(values)
        with np.errstate(invalid="ignore"):  # signaling NaNs quieten; the sign stays
            values = values.astype(np.float64)
        return [c_float_text(v, "G") for v in values.tolist()]
    return [str(v) for v in values.tolist()]
