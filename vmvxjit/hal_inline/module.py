"""The `hal_inline` native module (version 0): buffers and buffer views.

Every export keeps IREE's calling convention and error texts
(modules/hal/inline/module.c, modules/hal/utils/buffer_diagnostics.c).
Buffers live in host memory; `storage()` views alias it, so VM code,
executables and the caller all see the same bytes.
"""

from __future__ import annotations

import sys

from vmvxjit.errors import Error, InvalidArgumentError, OutOfRangeError, UnimplementedError
from vmvxjit.hal_inline import element_types
from vmvxjit.hal_inline.buffer import BufferView, HalBuffer, element_count
from vmvxjit.hal_inline.memory_pool import MemoryPool
from vmvxjit.hal_inline.printing import format_trace
from vmvxjit.vm.buffer import VmBuffer
from vmvxjit.vm.native_module import NativeModule, export
from vmvxjit.vm.ref import require_ref



def _format_shape(dims) -> str:
    return "x".join("?" if d is None else str(d) for d in dims)


def check_view_type(text: str, expected_type: int, dims: tuple, element_type: int,
                    shape: tuple) -> None:
    """buffer_view.assert's element type and shape checks, with its messages
    (`text` names the value); a None dim in `dims` matches any size."""
    if not element_types.is_compatible(expected_type, element_type):
        raise InvalidArgumentError(
            f"{text} element type mismatch; expected "
            f"{element_types.element_type_name(expected_type)} ({expected_type:08X}) but have "
            f"{element_types.element_type_name(element_type)} ({element_type:08X})")
    problem = None
    if len(shape) != len(dims):
        problem = (f"{text} shape rank mismatch; expected {len(dims)}"
                   f"{' (scalar)' if not dims else ''} but have {len(shape)}"
                   f"{' (scalar)' if not shape else ''}")
    else:
        for i, (actual, expected) in enumerate(zip(shape, dims)):
            if expected is not None and actual != expected:
                problem = (f"{text} shape dimension {i} mismatch; "
                           f"expected {expected} but have {actual}")
                break
    if problem:
        raise InvalidArgumentError(
            f"{problem}; expected shape `{_format_shape(dims)}`, "
            f"actual shape `{_format_shape(shape)}`")


class HalInlineModule(NativeModule):
    """`hal_inline.*`: what inline-static and inline-dynamic programs call."""

    name = "hal_inline"
    version = 0

    def __init__(self, trace_stream=None, memory: MemoryPool | None = None):
        """`memory`: the program's pool its buffers come from, which knows whether
        executables with native code (hal_loader) may touch them and charges them to
        the program's cap (default: a pool of its own, native code, no cap)."""
        self.trace_stream = trace_stream
        self.memory = MemoryPool() if memory is None else memory

    @property
    def native_code(self) -> bool:
        return self.memory.native_code

    @export("buffer.allocate", "0iI_rr")
    def buffer_allocate(self, minimum_alignment, allocation_size):
        buffer = HalBuffer(self.memory.zeros(allocation_size, "a hal_inline buffer"))
        return buffer, buffer.storage()

    @export("buffer.allocate.initialized", "0irII_rr")
    def buffer_allocate_initialized(self, minimum_alignment, source, offset, length):
        source = require_ref(source, VmBuffer)
        buffer = HalBuffer(self.memory.copy(source.bytes_ro(offset, length), "a hal_inline buffer"))
        return buffer, buffer.storage()

    @export("buffer.wrap", "0rII_r")
    def buffer_wrap(self, source, offset, length):
        require_ref(source, VmBuffer)
        raise UnimplementedError("vm->hal buffer wrapping not yet implemented")

    @export("buffer.subspan", "0rII_r")
    def buffer_subspan(self, source, offset, length):
        source = require_ref(source, HalBuffer)
        try:
            return source.subspan(offset, length)
        except Error as error:
            error.message += (f"; invalid subspan of an existing buffer "
                              f"(source_offset={offset}, length={length})")
            raise

    @export("buffer.length", "0r_I")
    def buffer_length(self, buffer):
        return require_ref(buffer, HalBuffer).length

    @export("buffer.storage", "0r_r")
    def buffer_storage(self, buffer):
        return require_ref(buffer, HalBuffer).storage()

    @export("buffer_view.create", "0rIIiiCID_r")
    def buffer_view_create(self, buffer, offset, length, element_type, encoding_type, dims):
        buffer = require_ref(buffer, HalBuffer)
        if offset != 0 or length != buffer.length:
            buffer = self.buffer_subspan(buffer, offset, length)
        needed = element_types.byte_size(element_type & 0xFFFFFFFF, element_count(dims))
        if needed > buffer.length:
            raise OutOfRangeError(f"buffer view byte length {needed} exceeds backing buffer "
                                  f"byte length {buffer.length}")
        return BufferView(buffer, dims, element_type, encoding_type)

    @export("buffer_view.assert", "0rriiCID_v")
    def buffer_view_assert(self, view, message, element_type, encoding_type, dims):
        view = require_ref(view, BufferView)
        message = require_ref(message, VmBuffer)
        expected_type = element_type & 0xFFFFFFFF
        expected_encoding = encoding_type & 0xFFFFFFFF
        if (view.element_type == expected_type and view.shape == tuple(dims)
                and view.encoding_type in (0, expected_encoding)):
            return  # the common case, decided without building any message
        text = message.text()
        if view.encoding_type != 0 and view.encoding_type != expected_encoding:
            raise InvalidArgumentError(
                f"{text} encoding mismatch; expected {expected_encoding:08X} "
                f"but have {view.encoding_type:08X}")
        check_view_type(text, expected_type, tuple(dims), view.element_type, view.shape)

    @export("buffer_view.buffer", "0r_r")
    def buffer_view_buffer(self, view):
        return require_ref(view, BufferView).buffer

    @export("buffer_view.element_type", "0r_i")
    def buffer_view_element_type(self, view):
        return require_ref(view, BufferView).element_type

    @export("buffer_view.encoding_type", "0r_i")
    def buffer_view_encoding_type(self, view):
        return require_ref(view, BufferView).encoding_type

    @export("buffer_view.rank", "0r_i")
    def buffer_view_rank(self, view):
        return require_ref(view, BufferView).rank

    @export("buffer_view.dim", "0ri_I")
    def buffer_view_dim(self, view, index):
        shape = require_ref(view, BufferView).shape
        return shape[index] if 0 <= index < len(shape) else 0

    @export("buffer_view.trace", "0rCrD_v")
    def buffer_view_trace(self, key, views):
        text = require_ref(key, VmBuffer).text()
        views = [require_ref(v, BufferView) for v in views]
        stream = self.trace_stream or sys.stderr
        stream.write(format_trace(text, views))

    @export("device.query.i64", "0rr_iI")
    def device_query_i64(self, category, key):
        category = require_ref(category, VmBuffer).text()
        key = require_ref(key, VmBuffer).text()
        if category != "hal.cpu":
            return 0, 0
        from vmvxjit.native.cpu import feature_value
        value = feature_value(key)
        return (0, 0) if value is None else (1, value)

