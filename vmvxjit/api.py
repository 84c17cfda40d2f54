"""The library API: `vmvxjit.load(path_or_bytes)`, numpy in, numpy out.

Arguments are checked against the function's `iree.abi.declaration` before
the call (count, rank, static dims, element type) with errors that name the
argument. A big, aligned, dense array of the declared type and static shape that
the function can neither write nor let out of the call (read_only_arguments.py;
with executables, HostPlan.read_only_arguments: only VMVX ones bind it, at bindings
they never write) is wrapped, not copied; other tensors are
copied once into memory from the program's pool (memory_pool.py: reused, its
pages already faulted). Results come back as numpy arrays (views of the result
buffers, which hold their memory out of the pool while the caller keeps them)
or Python scalars.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from vmvxjit.declaration import Declaration, ValueSpec, parse_declaration
from vmvxjit.errors import InvalidArgumentError
from vmvxjit.hal_inline import element_types
from vmvxjit.hal_inline.buffer import BufferView, HalBuffer, wrap_alignment
from vmvxjit.hal_inline.memory_pool import POOLED_BYTES, MemoryPool
from vmvxjit.hal_inline.read_only_arguments import read_only_arguments
from vmvxjit.host import host_plan
from vmvxjit.host.host_function import TAKE_SLOW_PATH
from vmvxjit.runtime import Program
from vmvxjit.vm.buffer import VmBuffer
from vmvxjit.tooling.arrays import array_from_buffer_view, is_packed, view_bytes

_SCALARS = {"i": int, "I": int, "f": float, "F": float}


class Function:
    """One exported function of a loaded module."""

    def __init__(self, program: Program, name: str):
        self._call = program.caller(name)
        self._state = program.state
        self.name = name
        function = program.signature(name)
        self.cconv = function.cconv.text
        self.declaration: Declaration | None = parse_declaration(
            function.attrs.get("iree.abi.declaration"), name)
        specs = self.declaration.inputs if self.declaration else (None,) * len(function.cconv.args)
        module, ordinal = program.module, program.module.exports[name]
        # Analysed when the first big array arrives (a big static function takes a while).
        read_only = functools.cache(lambda: _read_only(program, ordinal, self.declaration))
        self._converters = [_converter(self.name, i, ch, spec, program.memory,
                                       lambda i=i: i in read_only())
                            for i, (ch, spec) in enumerate(zip(function.cconv.args, specs))]
        # Small buffers native code may touch are guarded mappings the pool reuses: results
        # over them are handed out as copies (see host/arenas.py for why).
        self._copied_below = POOLED_BYTES if program.native_code else 0
        self._host = program.host_route(name)

    def __repr__(self) -> str:
        text = self.declaration.text if self.declaration else self.cconv
        return f"<vmvxjit.Function {text}>"

    def __call__(self, *args):
        result = self._host.call(args)
        if result is not TAKE_SLOW_PATH:
            return result
        if len(args) != len(self._converters):
            raise InvalidArgumentError(
                f"{self.name} expects {len(self._converters)} arguments but {len(args)} were given")
        results = self._call([convert(value) for convert, value in zip(self._converters, args)])
        if not results:
            return None
        held = _global_memory(self._state.global_refs) if self._state.global_refs else ()
        if len(results) == 1:
            return _to_host(results[0], held, self._copied_below)
        return tuple(_to_host(v, held, self._copied_below) for v in results)


def _converter(function: str, index: int, ch: str, spec: ValueSpec | None, memory: MemoryPool,
               read_only):
    """A function checking and converting argument `index` (built once per export;
    copies into memory from `memory`; `read_only()`: whether the function can neither
    write the argument's buffer nor let it out of the call)."""
    what = f"{function}: argument {index}" + (f" (%{spec.name}: {spec.type_text})" if spec else "")
    if ch in _SCALARS:
        cast = _SCALARS[ch]

        def scalar(value):
            if isinstance(value, np.ndarray) and value.ndim == 0:
                value = value.item()
            if not isinstance(value, (int, float, np.integer, np.floating, bool)):
                raise InvalidArgumentError(f"{what} must be a scalar, got {type(value).__name__}")
            return cast(value)
        return scalar
    if spec is None or not spec.is_tensor:
        def untyped(value):
            if value is None or isinstance(value, BufferView):
                return value
            array = _as_array(value, None, what)
            element_type = _element_type(array)
            if element_type is None:
                raise InvalidArgumentError(
                    f"{what} has element type {array.dtype}, which no buffer view can hold")
            return _copied_view(array, element_type, memory, what)
        return untyped
    expected = element_types.parse_element_type(spec.element_type)
    dtype = element_types.numpy_dtype(expected)
    shape = spec.shape
    accepted = set()
    dense = None if is_packed(expected) or None in shape else tuple(shape)
    memory_of = None if dense is None else _dense_memory(
        element_types.byte_size(expected, math.prod(dense)), memory, read_only, what)

    def tensor(value):
        if (value.__class__ is np.ndarray and value.shape == dense and value.dtype == dtype
                and value.flags.c_contiguous):
            return BufferView(HalBuffer(memory_of(value)), dense, expected)
        if value is None or isinstance(value, BufferView):
            return value
        array = value if isinstance(value, np.ndarray) else _as_array(value, dtype, what)
        if array.dtype not in accepted:
            actual = _element_type(array)
            if actual is None or not element_types.is_compatible(expected, actual):
                raise InvalidArgumentError(
                    f"{what} has element type {array.dtype} but {spec.element_type} is expected")
            accepted.add(array.dtype)
        if len(shape) != array.ndim or any(
                d is not None and d != n for d, n in zip(shape, array.shape)):
            raise InvalidArgumentError(
                f"{what} has shape {tuple(array.shape)} but {spec.type_text} is expected")
        return _copied_view(array, expected, memory, what)
    return tensor


def _dense_memory(length: int, memory: MemoryPool, read_only, what: str):
    """A function giving the buffer memory of a C-contiguous array of the declared
    type and shape (`length` bytes): a big one's own bytes, read-only, when
    `read_only()` and it is aligned (buffer.wrap_alignment; for a small one a
    copy costs less than the checks); else a copy, in one numpy call for a small
    one the pool would not keep when no native code needs alignment and no cap
    counts it."""
    def copy(value: np.ndarray) -> np.ndarray:
        return memory.copy(np.frombuffer(value, np.uint8), what)

    if length >= POOLED_BYTES:
        alignment = wrap_alignment(length)

        def wrapped_or_copied(value: np.ndarray) -> np.ndarray:
            if read_only():
                data = np.frombuffer(value, np.uint8)
                if data.ctypes.data % alignment == 0:
                    data.flags.writeable = False
                    return data
            return copy(value)
        return wrapped_or_copied
    if not memory.native_code and memory.limit.cap is None:
        return lambda value: np.ndarray.copy(np.frombuffer(value, np.uint8))
    return copy


def _read_only(program: Program, ordinal: int, declaration: Declaration | None) -> frozenset:
    """The arguments export `ordinal` can neither write nor let out of the call: from
    its bytecode without executables, else from its host plan, made once the
    initializer has loaded them (none when it has no plan)."""
    if not program.native_code:
        return read_only_arguments(program.module, ordinal)
    try:
        return host_plan.plan(program.module, ordinal, declaration, program.state.global_refs).read_only_arguments()
    except host_plan.Unsupported:
        return frozenset()


def _copied_view(array: np.ndarray, element_type: int, memory: MemoryPool, what: str) -> BufferView:
    """A view of `element_type` over a copy of `array`'s dense bytes in memory from `memory`."""
    return BufferView(HalBuffer(memory.copy(view_bytes(array, element_type), what)), array.shape,
                      element_type)


def _as_array(value, dtype, what: str) -> np.ndarray:
    """`value` (a nested sequence of numbers) as an array; text, and what numpy
    cannot convert, is an INVALID_ARGUMENT naming the argument."""
    if not isinstance(value, (str, bytes)):
        try:
            return np.asarray(value, dtype=dtype)
        except (ValueError, TypeError, OverflowError):
            pass
    shown = repr(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    raise InvalidArgumentError(
        f"{what} must be a numpy array or a nested sequence of numbers, "
        f"got {type(value).__name__} {shown}")


def _element_type(array: np.ndarray) -> int | None:
    """The element type an argument's dtype maps to; None when none does (str, object)."""
    try:
        return element_types.element_type_for_dtype(array.dtype)
    except InvalidArgumentError:
        return None


def _to_host(value, held: list, copied_below: int):
    """A result as numpy (a view of its buffer, a copy when that buffer is memory a
    global of the module holds: a later call could change it, and writing to the
    result would change the module's state; a copy too when the buffer's whole
    allocation is under `copied_below` bytes) or as the scalar it is."""
    if value.__class__ is not BufferView:
        return value
    array = _result_array(value)
    if (value.buffer.allocation.shape[0] < copied_below
            or held and any(np.may_share_memory(array, memory) for memory in held)):
        return array.copy()
    return array


def _result_array(view: BufferView) -> np.ndarray:
    """The view's elements as an array over its buffer, made in one numpy call when
    the buffer holds exactly the elements (array_from_buffer_view otherwise: packed
    types, and the error for a buffer of another size)."""
    dtype = _RESULT_DTYPES.get(view.element_type)
    if dtype is None:
        dtype = _RESULT_DTYPES[view.element_type] = (
            False if is_packed(view.element_type) else element_types.numpy_dtype(view.element_type))
    buffer = view.buffer
    if dtype is False or dtype is None or dtype.itemsize * math.prod(view.shape) != buffer.length:
        return array_from_buffer_view(view, copy=False)
    return np.ndarray(view.shape, dtype, buffer.allocation, buffer.offset)


_RESULT_DTYPES: dict = {}   # element type -> numpy dtype; False for packed types


def _global_memory(global_refs: list) -> list:
    """The host memory the module's global refs hold (buffers and buffer views)."""
    memory = []
    for ref in global_refs:
        buffer = ref.buffer if isinstance(ref, BufferView) else ref
        if isinstance(buffer, HalBuffer):
            memory.append(buffer.allocation)
        elif isinstance(buffer, VmBuffer):
            memory.append(buffer.data)
    return memory


class Module:
    """A loaded `.vmfb`: its exported functions by name and as attributes."""

    def __init__(self, source, **options):
        self._program = Program(source, **options)
        self._options = options
        self.functions = {name: Function(self._program, name)
                          for name in self._program.public_functions}

    def __reduce__(self):
        """Pickles as the module file's bytes and the load options, so a module
        passed to another process (multiprocessing, concurrent.futures) is
        loaded again there: its buffers and compiled code stay per process."""
        data = bytes(self._program.module.module_def.container.data)
        return _reload, (data, self._options)

    def __getitem__(self, name: str) -> Function:
        function = self.functions.get(name)
        if function is None:
            raise self._program.function_not_found(name)
        return function

    def __getattr__(self, name: str) -> Function:
        if "_program" not in self.__dict__:   # mid-unpickling: no functions yet
            raise AttributeError(name)
        return self[name]

    def __repr__(self) -> str:
        return f"<vmvxjit.Module {self._program.module.name}: {', '.join(self.functions)}>"

    def jit_stats(self) -> dict:
        """What `--trace` reports, as data: regions compiled (and loaded from the disk
        cache), compile time, time in compiled code and in regions run as Python."""
        return self._program.context.jit_stats.as_dict()


def _reload(data: bytes, options: dict) -> Module:
    return Module(data, **options)


def load(source, **options) -> Module:
    """Loads a `.vmfb` from a path, bytes or a numpy uint8 array."""
    return Module(source, **options)
