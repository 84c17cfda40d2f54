"""Ref types: which Python classes stand for which VM ref types.

A VM ref is any Python object with a `type_name` class attribute
(`vm.buffer`, `vm.list`, `hal.buffer`, `hal.buffer_view`, `hal.executable`);
`None` is the null ref. Modules register the types they provide so a
module's type table (`!hal.buffer`, `!vm.list<...>`) resolves to classes.
"""

from __future__ import annotations

from vmvxjit.errors import InvalidArgumentError

REF_TYPES: dict[str, type] = {}

# `!vm.opaque` (and `!vm.ref<?>`) accept any ref.
ANY_REF = object


def register_ref_type(cls: type) -> type:
    """Class decorator: makes `cls.type_name` resolvable from type tables."""
    REF_TYPES[cls.type_name] = cls
    return cls


def type_name_of(value) -> str:
    return "null" if value is None else getattr(value, "type_name", type(value).__name__)


def require_ref(value, cls: type, what: str = "ref"):
    """Returns `value` if it is a non-null ref of `cls`; IREE's errors otherwise."""
    if value.__class__ is cls:
        return value
    if value is None:
        raise InvalidArgumentError(f"{what} is null")
    if not isinstance(value, cls):
        raise InvalidArgumentError(
            f"{what} type mismatch; expected {cls.type_name} but have {type_name_of(value)}")
    return value

