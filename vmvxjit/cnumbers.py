"""Number parsing with the C library's `strto*` semantics, as IREE's
`iree_string_view_atoi_*`/`atof`/`atod` use it.

iree-run-module parses every number (scalar inputs, tensor elements, shape
dims, bit counts, npy header fields) through these helpers, so their quirks
are user-visible: base-0 integers (`0x10`, octal `010`), trailing garbage
ignored (`12abc` is 12), hex floats, `nan`/`inf`, a token-length limit (16
bytes for 32-bit integers, 32 for the rest, NUL included) and "failure" rules
that depend on `errno` (an underflow to 0.0 fails, a denormal does not).
Calling the C library itself keeps the rounding of `strtof` (decimal straight
to float32) and every prefix rule exact.

Each function returns the parsed value, or None where IREE's returns false.
"""

from __future__ import annotations

import ctypes
import errno

_LIBC = ctypes.CDLL(None, use_errno=True)
_END = ctypes.POINTER(ctypes.c_char_p)


def _bind(name: str, restype, *extra_args):
    fn = getattr(_LIBC, name)
    fn.restype = restype
    fn.argtypes = (ctypes.c_char_p, _END, *extra_args)
    return fn


_STRTOL = _bind("strtol", ctypes.c_long, ctypes.c_int)
_STRTOUL = _bind("strtoul", ctypes.c_ulong, ctypes.c_int)
_STRTOLL = _bind("strtoll", ctypes.c_longlong, ctypes.c_int)
_STRTOULL = _bind("strtoull", ctypes.c_ulonglong, ctypes.c_int)
_STRTOF = _bind("strtof", ctypes.c_float)
_STRTOD = _bind("strtod", ctypes.c_double)

_LONG_BITS = ctypes.sizeof(ctypes.c_long) * 8
_LLONG_BITS = ctypes.sizeof(ctypes.c_longlong) * 8


def _call(fn, text: str, capacity: int, *base):
    """Runs `fn` on a NUL-terminated copy of `text` in a `capacity`-byte
    buffer: (value, errno), or None if `text` does not fit or nothing parsed."""
    raw = text.encode("utf-8", "surrogateescape")
    if len(raw) >= capacity:
        return None
    buffer = ctypes.create_string_buffer(raw, capacity)
    end = ctypes.c_char_p()
    ctypes.set_errno(0)
    value = fn(buffer, ctypes.byref(end), *base)
    err = ctypes.get_errno()
    if ctypes.cast(end, ctypes.c_void_p).value == ctypes.addressof(buffer):
        return None
    return value, err


def to_signed(value: int, bits: int) -> int:
    """C's conversion to a `bits`-wide signed integer: keep the low bits."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def atoi_int32(text: str, base: int = 0) -> int | None:
    """strtol, then the low 32 bits as a signed value (`4294967297` -> 1)."""
    result = _call(_STRTOL, text, 16, base)
    if result is None:
        return None
    value, err = result
    limit = 1 << (_LONG_BITS - 1)
    if value in (-limit, limit - 1) and err == errno.ERANGE:
        return None
    return to_signed(value, 32)


def atoi_uint32(text: str, base: int = 0) -> int | None:
    """strtoul (negative inputs wrap: `-1` -> 0xFFFFFFFF), low 32 bits."""
    result = _call(_STRTOUL, text, 16, base)
    if result is None:
        return None
    value, err = result
    if value == (1 << _LONG_BITS) - 1 and err == errno.ERANGE:
        return None
    return value & 0xFFFFFFFF


def atoi_int64(text: str, base: int = 0) -> int | None:
    """strtoll; out-of-range values fail."""
    result = _call(_STRTOLL, text, 32, base)
    if result is None:
        return None
    value, err = result
    limit = 1 << (_LLONG_BITS - 1)
    if value in (-limit, limit - 1) and err == errno.ERANGE:
        return None
    return value


def atoi_uint64(text: str, base: int = 0) -> int | None:
    """strtoull (negative inputs wrap); out-of-range values fail."""
    result = _call(_STRTOULL, text, 32, base)
    if result is None:
        return None
    value, err = result
    if value == (1 << _LLONG_BITS) - 1 and err == errno.ERANGE:
        return None
    return value


def _float(fn, text: str) -> float | None:
    result = _call(fn, text, 32)
    if result is None:
        return None
    value, err = result
    return value if value != 0 or err == 0 else None


def atof(text: str) -> float | None:
    """strtof (the result is a float32 value); an underflow to zero fails."""
    return _float(_STRTOF, text)


def atod(text: str) -> float | None:
    """strtod; an underflow to zero fails."""
    return _float(_STRTOD, text)
