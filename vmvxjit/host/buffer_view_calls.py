"""Buffer views in and out of an export compiled whole: the calls the command line
(`vmvxjit run`, `vmvxjit bench`) and `Program.call` make, as iree-run-module and
iree-benchmark-module make theirs.

A buffer view's memory is already the program's: each argument reaches the
entry as an array over it (no copy; the code may write it in place, as IREE's
code writes its buffer views'), and each result array goes back as a buffer
view of the element type and encoding the code gives it.
"""

from __future__ import annotations

import math

import numpy as np

from vmvxjit.hal_inline.buffer import DENSE_ROW_MAJOR, BufferView, HalBuffer


def argument_types(plan) -> list:
    """(shape, dtype, element type, byte length) of each argument of HostPlan `plan`."""
    return [(shape, dtype, element_type, dtype.itemsize * math.prod(shape))
            for (shape, dtype), element_type in zip(plan.arguments, plan.element_types)]


def arrays(views, types: list, writable: bool) -> tuple | None:
    """An array over the memory of each of `views` (buffer views of the `types`'
    shapes, element types and dense encoding, whose buffers hold their bytes, and that
    the code may write if `writable`), or None when one is not (the interpreter's path
    then checks it, and says what is wrong)."""
    if len(views) != len(types):
        return None
    out = []
    for view, (shape, dtype, element_type, length) in zip(views, types):
        if (view.__class__ is not BufferView or view.shape != shape or view.element_type != element_type
                or view.encoding_type != DENSE_ROW_MAJOR):
            return None
        buffer = view.buffer
        allocation = buffer.allocation
        if buffer.length < length or (writable and not allocation.flags.writeable):
            return None
        out.append(np.ndarray(shape, dtype, allocation, buffer.offset))
    return tuple(out)


def buffer_views(results, plan) -> list:
    """Buffer views of result arrays `results` (a tuple for several, as the exports
    give them) of HostPlan `plan`."""
    if len(plan.results) == 1:
        results = (results,)
    return [BufferView(HalBuffer(array.reshape(-1).view(np.uint8)), array.shape, result.element_type,
                       result.encoding)
            for array, result in zip(results, plan.results)]
