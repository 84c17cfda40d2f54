"""How region code spells registers, constants and buffer elements.

Shared by the block translator (codegen.py) and the loop optimizers that
emit code beside it (loop_versioning.py), which codegen.py imports: kept
apart so that neither imports the other for these.
"""

from __future__ import annotations

import struct

from vmvxjit.vm.elements import ELEMENTS, STORES

CAST = {"i32": "np.int64", "i64": "np.int64", "f32": "np.float32", "f64": "np.float64"}

# element code -> (numpy view dtype, element size)
VIEWS = {code: (f"np.{element.dtype}", element.size) for code, element in ELEMENTS.items()}
# A store narrower than the i32 register it comes from keeps the value's low bits.
STORE_MASK = {code: f" & 0x{ELEMENTS[code].store_mask:X}" for code in STORES.values() if ELEMENTS[code].size < 4}


def local_bank(bank: str) -> str:
    """The bank of the local that holds a register of `bank`: i32 and i64 values are
    both int64 locals, so a slot IREE reuses for both needs one local and no tag."""
    return "i64" if bank == "i32" else bank


def var(slot: int, bank: str) -> str:
    """The local holding register `slot`'s value of `bank`."""
    return f"r{slot}_{local_bank(bank)}"


def literal(bank: str, value) -> str:
    """An exact literal (NaN, -0 and inf included) for a constant of `bank`."""
    if bank == "f32":
        return f"bitcast_i32_f32({struct.unpack('<i', struct.pack('<f', value))[0]})"
    if bank == "f64":
        return f"bitcast_i64_f64({struct.unpack('<q', struct.pack('<d', value))[0]})"
    return str(int(value))
