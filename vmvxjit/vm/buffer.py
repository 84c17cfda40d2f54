"""`vm.buffer`: a bounds-checked byte view that every part of vmvxjit shares.

A VmBuffer wraps a 1-D, C-contiguous numpy `uint8` array (`data`). The array
may alias rodata in the module file, hal_inline heap memory, or an executable
binding; it never owns more than the range it was given, so `len(data)` *is*
the buffer length every check is made against. The interpreter uses the
checked accessors here; JIT code receives `data` itself and checks indices
against `data.shape[0]` with the same rule (`check_range`).
"""

from __future__ import annotations

import struct

import numpy as np

from vmvxjit.errors import OutOfRangeError, PermissionDeniedError, ResourceExhaustedError
from vmvxjit.vm.elements import ELEMENTS, LOADS, STORES
from vmvxjit.vm.ref import register_ref_type


def out_of_bounds(offset: int, length: int, alignment: int, buffer_length: int) -> OutOfRangeError:
    """The error IREE reports for an access outside a buffer."""
    return OutOfRangeError(
        f"out-of-bounds access detected (offset={offset}, length={length}, "
        f"alignment={alignment}, buffer length={buffer_length})"
    )


def allocate_checked(length: int, allocate):
    """`allocate(length)`, with a negative size or a failed allocation reported
    as RESOURCE_EXHAUSTED (sizes are unsigned in IREE, so negative means huge)."""
    if length < 0:
        raise ResourceExhaustedError(f"allocation of {length & 0xFFFFFFFFFFFFFFFF} bytes failed")
    try:
        return allocate(length)
    except (MemoryError, ValueError):
        raise ResourceExhaustedError(f"allocation of {length} bytes failed") from None


def read_only() -> PermissionDeniedError:
    return PermissionDeniedError("buffer is read-only and cannot be mapped for mutation")


# The structs of the element codes of typed loads, and of stores and fills
# (vm/elements.py).
_STRUCTS = {code: struct.Struct(ELEMENTS[code].format) for code in LOADS.values()}
_STORE_STRUCTS = {code: struct.Struct(ELEMENTS[code].store_format) for code in STORES.values()}
_UINT8 = np.dtype(np.uint8)


@register_ref_type
class VmBuffer:
    """A `vm.buffer` ref: `data` (uint8 numpy array) plus mutability."""

    type_name = "vm.buffer"
    __slots__ = ("data", "mutable", "_address", "__weakref__")

    def __init__(self, data, mutable: bool = True):
        array = np.asarray(data) if not isinstance(data, np.ndarray) else data
        if array.dtype is not _UINT8 or array.ndim != 1:
            array = array.reshape(-1).view(np.uint8)
        self.data = array
        self.mutable = mutable and array.flags.writeable
        self._address = None

    @classmethod
    def over(cls, array: np.ndarray) -> "VmBuffer":
        """A buffer over `array`, already a 1-D uint8 numpy array (no conversion:
        the per-call path of `hal_inline.buffer.storage`)."""
        buffer = cls.__new__(cls)
        buffer.data = array
        buffer.mutable = array.flags.writeable
        buffer._address = None
        return buffer

    @property
    def address(self) -> int:
        """Where the bytes start (for compiled code; `data` never changes)."""
        if self._address is None:
            self._address = self.data.ctypes.data
        return self._address

    @classmethod
    def allocate(cls, length: int) -> "VmBuffer":
        """A new zero-filled mutable buffer of `length` bytes."""
        return cls(np.zeros(length, dtype=np.uint8), mutable=True)

    @property
    def length(self) -> int:
        return self.data.shape[0]

    def __len__(self) -> int:
        return self.data.shape[0]

    def __repr__(self) -> str:
        kind = "rw" if self.mutable else "ro"
        return f"<vm.buffer {self.length} bytes {kind}>"

    # Range checks -----------------------------------------------------------

    def check_range(self, offset: int, length: int, alignment: int = 1) -> None:
        """Raises OUT_OF_RANGE unless bytes [offset, offset+length) are inside."""
        if offset < 0 or length < 0 or offset + length > self.data.shape[0]:
            raise out_of_bounds(offset, length, alignment, self.data.shape[0])

    def check_mutable(self) -> None:
        if not self.mutable:
            raise read_only()

    def bytes_ro(self, offset: int, length: int) -> np.ndarray:
        """A checked read-only window of bytes."""
        self.check_range(offset, length)
        return self.data[offset:offset + length]

    def bytes_rw(self, offset: int, length: int) -> np.ndarray:
        """A checked writable window of bytes."""
        self.check_mutable()
        self.check_range(offset, length)
        return self.data[offset:offset + length]

    def text(self) -> str:
        """The buffer's bytes as text (messages, format names, keys)."""
        return bytes(self.data).decode("utf-8", errors="replace")

    # Typed element access (element indices, as the VM ops use) ---------------

    def load(self, code: str, index: int):
        """Loads element `index` of the element type `code` (see vm/elements.py)."""
        return _LOADS[code](self, index)

    def store(self, code: str, index: int, value) -> None:
        """Stores `value` (truncated to the element width) at element `index`."""
        _STORES[code](self, index, value)

    def fill(self, code: str, index: int, count: int, value) -> None:
        """Fills `count` elements starting at element `index` with `value`."""
        if not self.mutable:
            raise read_only()
        st = _STORE_STRUCTS[code]
        size = st.size
        offset, length = index * size, count * size
        if index < 0 or count < 0 or offset + length > self.data.shape[0]:
            raise out_of_bounds(offset, length, size, self.data.shape[0])
        mask = ELEMENTS[code].store_mask
        pattern = st.pack(value & mask if mask is not None else value)
        # One pass, no temporary: the window as unsigned elements of the pattern's width.
        window = self.data[offset:offset + length].view(f"<u{size}")
        window[:] = int.from_bytes(pattern, "little")


# -- typed element access as expressions ------------------------------------------
# One definition serves VmBuffer.load/store and the fused code that writes the
# access inline (see vm/fused_blocks.py).

def _name(code: str) -> str:
    return code.replace(".", "_")


def _load_fault(buffer: VmBuffer, index: int, size: int):
    raise out_of_bounds(index * size, size, size, buffer.data.shape[0])


def _store_fault(buffer: VmBuffer, index: int, size: int):
    if not buffer.mutable:
        raise read_only()
    raise out_of_bounds(index * size, size, size, buffer.data.shape[0])


ACCESS_NAMES = {"len": len, "load_fault": _load_fault, "store_fault": _store_fault}
ACCESS_NAMES.update({f"unpack_{_name(code)}": st.unpack_from for code, st in _STRUCTS.items()})
ACCESS_NAMES.update({f"pack_{_name(code)}": st.pack_into for code, st in _STORE_STRUCTS.items()})


def load_expression(code: str, buffer: str, index: str) -> str:
    """Python for element `index` of type `code` read from VmBuffer `buffer`,
    bounds check included (`buffer`, `index`: expressions without side
    effects; names from ACCESS_NAMES)."""
    size = _STRUCTS[code].size
    return (f"unpack_{_name(code)}({buffer}.data, {index} * {size})[0] "
            f"if 0 <= {index} and {index} * {size} + {size} <= len({buffer}.data) "
            f"else load_fault({buffer}, {index}, {size})")


def store_expression(code: str, buffer: str, index: str, value: str) -> str:
    """Python storing `value` (truncated to the element width) at element
    `index` of VmBuffer `buffer`, read-only and bounds checks included."""
    size = _STORE_STRUCTS[code].size
    mask = ELEMENTS[code].store_mask
    stored = value if mask is None else f"{value} & {mask:#x}"
    return (f"pack_{_name(code)}({buffer}.data, {index} * {size}, {stored}) "
            f"if {buffer}.mutable and 0 <= {index} and {index} * {size} + {size} <= len({buffer}.data) "
            f"else store_fault({buffer}, {index}, {size})")


_LOADS = {code: eval(f"lambda buffer, index: {load_expression(code, 'buffer', 'index')}",
                     dict(ACCESS_NAMES)) for code in _STRUCTS}
_STORES = {code: eval("lambda buffer, index, value: "
                      + store_expression(code, "buffer", "index", "value"), dict(ACCESS_NAMES))
           for code in _STORE_STRUCTS}
