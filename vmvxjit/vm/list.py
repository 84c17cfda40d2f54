"""`vm.list`: a resizable list of values, refs of one type, or variants.

The element type decides the storage: a value type (`i8`…`i64`, `f32`,
`f64`) stores numbers and converts on get/set the way IREE does (integer
widths truncate or sign-extend, f32↔f64 convert, int↔float gives 0); a ref
type stores refs of that class (null allowed); `any` stores variants, where a
primitive is kept with its type as `(type, value)`.
"""

from __future__ import annotations

from vmvxjit.errors import FailedPreconditionError, InvalidArgumentError, OutOfRangeError
from vmvxjit.vm.ref import register_ref_type, type_name_of
from vmvxjit.vm.semantics import f32

VALUE_TYPES = ("i8", "i16", "i32", "i64", "f32", "f64")
_INT_BITS = {"i8": 8, "i16": 16, "i32": 32, "i64": 64}


def convert_value(value, source: str, target: str):
    """IREE's iree_vm_list_convert_value_type between value types."""
    if source == target:
        return value
    if source in _INT_BITS and target in _INT_BITS:
        bits = _INT_BITS[target]
        sign = 1 << (bits - 1)
        return ((value & ((1 << bits) - 1)) ^ sign) - sign
    if {source, target} == {"f32", "f64"}:
        return f32(value) if target == "f32" else value
    return 0.0 if target in ("f32", "f64") else 0


@register_ref_type
class VmList:
    """A `vm.list` ref."""

    type_name = "vm.list"
    __slots__ = ("element_type", "ref_class", "items", "capacity", "__weakref__")

    def __init__(self, element_type: str, ref_class: type | None = None, capacity: int = 0):
        self.element_type = element_type  # a VALUE_TYPES name, "ref" or "any"
        self.ref_class = ref_class
        self.items: list = []
        self.capacity = max(0, capacity)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int):
        """The element as a plain Python value (variants unwrapped), for printing."""
        item = self.items[index]
        return item[1] if isinstance(item, tuple) else item

    def __repr__(self) -> str:
        return f"<vm.list<{self.element_type}> size={len(self.items)}>"

    def _check_index(self, index: int) -> None:
        if index < 0 or index >= len(self.items):
            raise OutOfRangeError(f"index {index & 0xFFFFFFFF} out of bounds ({len(self.items)})")

    def reserve(self, capacity: int) -> None:
        self.capacity = max(self.capacity, capacity)

    def resize(self, size: int) -> None:
        if size < 0:
            raise OutOfRangeError(f"invalid list size {size}")
        if size < len(self.items):
            del self.items[size:]
        else:
            fill = 0 if self.element_type in _INT_BITS else (
                0.0 if self.element_type in VALUE_TYPES else None)
            self.items.extend([fill] * (size - len(self.items)))
        self.capacity = max(self.capacity, size)

    def get_value(self, index: int, value_type: str):
        self._check_index(index)
        item = self.items[index]
        if self.element_type in VALUE_TYPES:
            return convert_value(item, self.element_type, value_type)
        if self.element_type == "any" and isinstance(item, tuple):
            return convert_value(item[1], item[0], value_type)
        if self.element_type == "any":
            raise FailedPreconditionError(f"variant at index {index} is not a value type")
        raise FailedPreconditionError("list does not store values")

    def set_value(self, index: int, value_type: str, value) -> None:
        self._check_index(index)
        if self.element_type in VALUE_TYPES:
            self.items[index] = convert_value(value, value_type, self.element_type)
        elif self.element_type == "any":
            self.items[index] = (value_type, value)
        else:
            raise FailedPreconditionError("list does not store values")

    def get_ref(self, index: int, expected: type | None):
        """The ref at `index`; null if it is not of `expected` (None = any)."""
        self._check_index(index)
        item = self.items[index]
        if isinstance(item, tuple):
            raise FailedPreconditionError(f"variant at index {index} is not a ref type")
        if item is None:
            return None
        if expected is not None and not isinstance(item, expected):
            return None
        return item

    def set_ref(self, index: int, value) -> None:
        self._check_index(index)
        if self.element_type in VALUE_TYPES:
            raise FailedPreconditionError("list stores values, not refs")
        if (value is not None and self.ref_class is not None
                and not isinstance(value, self.ref_class)):
            raise InvalidArgumentError(
                f"source ref type mismatch (list of {self.ref_class.type_name}, "
                f"have {type_name_of(value)})")
        self.items[index] = value
