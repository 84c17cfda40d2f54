"""Results as iree-run-module prints and writes them (function_io.c, string_util.c).

Printing: scalars `i32=5` / `f32=2.5` (C `%g`), `(null)`, and refs as their
type name, a newline and a body: a buffer view as hal_inline/printing.py prints
it, a vm.list's `child_list[j]: ...` lines, or `(no printer)`.

Writing (`--output=`): `-` prints, `@path`/`+path` create or append a file,
`.npy` paths get an npy array (scalars become rank-0 arrays, buffers 1-D i8)
and any other path the raw bytes.

Scalar values need a type to print (`i32=` vs `i64=`): pass numpy scalars
(np.int32(5)), `(type_name, value)` pairs as vm.list variants hold them, or
plain Python numbers together with a cconv char / value type name.
"""

from __future__ import annotations

import sys

import numpy as np

from vmvxjit.cnumbers import to_signed
from vmvxjit.errors import (InvalidArgumentError, OutOfRangeError, UnimplementedError,
                            os_error)
from vmvxjit.hal_inline import element_types as et
from vmvxjit.hal_inline.buffer import BufferView, HalBuffer
from vmvxjit.hal_inline.printing import c_float_text, format_buffer_view
from vmvxjit.tooling.arrays import buffer_view_from_array
from vmvxjit.tooling.npy import view_bytes, write_npy
from vmvxjit.vm.buffer import VmBuffer

# IREE's primitive value types and the numpy dtype holding each.
VALUE_TYPES = {"i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64,
               "f32": np.float32, "f64": np.float64}
_CCONV_VALUE_TYPES = {"i": "i32", "I": "i64", "f": "f32", "F": "f64"}
_DTYPE_VALUE_TYPES = {np.dtype(dtype): name for name, dtype in VALUE_TYPES.items()}
_I8 = et.parse_element_type("i8")
_WRITE_MODES = {"@": ("wb", 5), "+": ("ab", 12)}  # prefix -> (Python mode, IREE mode bits)


def typed_scalar(value, value_type: str | None = None):
    """(type name, Python value) of a scalar result, the value converted to
    that type (f32 rounded, ints wrapped); `value_type` is a cconv char
    (`i`/`I`/`f`/`F`) or a value type name (`i32`...)."""
    if isinstance(value, tuple) and len(value) == 2 and value[0] in VALUE_TYPES:
        name, value = value
    elif value_type is not None:
        name = _CCONV_VALUE_TYPES.get(value_type, value_type)
    elif isinstance(value, np.generic) and value.dtype in _DTYPE_VALUE_TYPES:
        name = _DTYPE_VALUE_TYPES[value.dtype]
    else:
        raise TypeError(f"cannot tell the value type of scalar {value!r}; pass a numpy "
                        "scalar or a cconv char")
    if name not in VALUE_TYPES:
        raise TypeError(f"unknown value type {name!r} for scalar {value!r}")
    if name.startswith("f"):
        return name, VALUE_TYPES[name](value).item()
    return name, to_signed(int(value), np.dtype(VALUE_TYPES[name]).itemsize * 8)


def _is_scalar(value) -> bool:
    return isinstance(value, (int, float, np.generic, tuple))


def format_value(value, max_element_count: int | None = 1024, value_type: str | None = None) -> str:
    """The text iree-run-module prints for one result (after `result[i]: `)."""
    if value is None:
        return "(null)"
    if _is_scalar(value):
        name, number = typed_scalar(value, value_type)
        text = c_float_text(number, "g") if name.startswith("f") else str(number)
        return f"{name}={text}"
    type_name = getattr(value, "type_name", type(value).__name__)
    if isinstance(value, BufferView):
        body = format_buffer_view(value, max_element_count)
    elif type_name == "vm.list":
        body = format_list(value, max_element_count)
    else:
        body = "(no printer)"
    return f"{type_name}\n{body}"


def format_list(items, max_element_count: int | None = 1024) -> str:
    """A vm.list's `child_list[j]: <value>` lines, each newline-terminated."""
    element_type = getattr(items, "element_type", None)
    value_type = element_type if element_type in VALUE_TYPES else None
    raw = getattr(items, "items", None)
    lines = []
    for j in range(len(items)):
        item = raw[j] if raw is not None else items[j]
        lines.append(f"child_list[{j}]: {format_value(item, max_element_count, value_type)}\n")
    return "".join(lines)


def format_run_output(function_name: str, results, result_types=None,
                      max_element_count: int | None = 1024) -> str:
    """iree-run-module's whole stdout for a call without `--output` flags."""
    types = list(result_types) if result_types is not None else [None] * len(results)
    lines = [f"EXEC @{function_name}\n"]
    for i, (value, value_type) in enumerate(zip(results, types)):
        lines.append(f"result[{i}]: {format_value(value, max_element_count, value_type)}\n")
    return "".join(lines)


def output_view(value, value_type: str | None = None) -> BufferView:
    """The buffer view `--output=` writes for a result (IREE's rules)."""
    if value is None:
        return BufferView(HalBuffer.allocate(0), (0,), _I8)
    if isinstance(value, BufferView):
        return value
    if isinstance(value, HalBuffer):
        return BufferView(value, (value.length,), _I8)
    if isinstance(value, VmBuffer):
        return BufferView(HalBuffer.wrap(value.data), (value.length,), _I8)
    if _is_scalar(value):
        name, number = typed_scalar(value, value_type)
        array = np.array(number, dtype=VALUE_TYPES[name])
        return buffer_view_from_array(array, et.parse_element_type(name))
    raise InvalidArgumentError(
        "unsupported output source type; expected: !hal.buffer, !hal.buffer_view, !vm.buffer")


def write_output(value, spec: str, value_type: str | None = None,
                 max_element_count: int | None = 1024, stdout=None) -> None:
    """Handles one `--output=` spec for one result."""
    if not spec:
        return
    if spec == "-":
        (stdout or sys.stdout).write(format_value(value, max_element_count, value_type) + "\n")
        return
    if spec[0] not in _WRITE_MODES:
        raise UnimplementedError(f"unsupported output mode specification '{spec}'")
    mode, iree_mode = _WRITE_MODES[spec[0]]
    path = spec[1:]
    try:
        stream = open(path, mode)
    except OSError as error:
        raise os_error(error, f"unable to open file `{path}` with mode {iree_mode}") from None
    with stream:
        view = output_view(value, value_type)
        if path.endswith(".npy"):
            write_npy(stream, view)
        else:
            stream.write(view_bytes(view))


def write_outputs(specs, results, result_types=None, max_element_count: int | None = 1024,
                  stdout=None) -> None:
    """`--output=` handling: exactly one spec per result, processed in order."""
    if len(specs) != len(results):
        raise OutOfRangeError(f"{len(specs)} outputs specified but the provided variant "
                              f"list only has {len(results)} elements")
    types = list(result_types) if result_types is not None else [None] * len(results)
    for value, spec, value_type in zip(results, specs, types):
        write_output(value, spec, value_type, max_element_count, stdout)
