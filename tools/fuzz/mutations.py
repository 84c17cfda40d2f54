"""Mutants of seed modules, each a pure function of (run seed, index).

Operators: bit flips, interesting byte values, truncations, zeroed ranges,
FlatBuffer fields (offsets, vtables, lengths, scalars the reader read), bytes
of function bytecode, ELF header/table/relocation fields, bytes of any region
the loader viewed (rodata, ELF string and hash tables, nested modules), and
splices of two modules. No operator writes a byte of native code (executable
ELF sections): that code is trusted, as in IREE. A mutant applies one
operator, sometimes two or three.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tools.fuzz.anatomy import Anatomy

_INTERESTING = {1: (0, 1, 0x7F, 0x80, 0xFF), 2: (0, 1, 0x7FFF, 0x8000, 0xFFFF),
                4: (0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF),
                8: (0, 1, (1 << 63) - 1, 1 << 63, (1 << 64) - 1)}
_TRIES = 32


@dataclass(frozen=True)
class Seed:
    """A real module to mutate: its program and configuration, bytes and anatomy."""

    program: str
    config: str
    data: bytes
    anatomy: Anatomy

    @property
    def name(self) -> str:
        return f"{self.program}/{self.config}"


@dataclass(frozen=True)
class Mutant:
    index: int
    seed: Seed
    operations: tuple       # what was done, one text per operator
    data: bytes


def _free(rng: random.Random, anatomy: Anatomy, lo: int, hi: int) -> int | None:
    """A random position in `[lo, hi)` outside native code, if one is found."""
    for _ in range(_TRIES):
        if hi <= lo:
            return None
        position = rng.randrange(lo, hi)
        if not anatomy.in_code(position, position + 1):
            return position
    return None


def _clip(anatomy: Anatomy, start: int, end: int) -> int:
    """The end of `[start, end)` cut short before the first byte of native code."""
    for lo, hi in sorted(anatomy.code):
        if start < hi and lo < end:
            return max(start, lo)
    return end


def _corrupt(rng: random.Random, data: bytearray, offset: int, size: int) -> str:
    """Sets the `size`-byte little-endian value at `offset` to an interesting one."""
    old = int.from_bytes(data[offset:offset + size], "little")
    bits = 8 * size
    candidates = list(_INTERESTING[size]) + [
        old + 1, old - 1, old + 4, old - 4, old + 8, old * 2, old // 2, old ^ (1 << rng.randrange(bits)),
        old + len(data), len(data), rng.getrandbits(bits), old + (1 << (bits - 1))]
    new = rng.choice(candidates) & ((1 << bits) - 1)
    data[offset:offset + size] = new.to_bytes(size, "little")
    return f"0x{old:X} -> 0x{new:X}"


def bit_flips(rng, data, seed, seeds):
    flipped = []
    for _ in range(rng.randint(1, 4)):
        position = _free(rng, seed.anatomy, 0, len(data))
        if position is not None:
            bit = rng.randrange(8)
            data[position] ^= 1 << bit
            flipped.append(f"{position}.{bit}")
    return data, f"bit flips at {', '.join(flipped)}"


def byte_values(rng, data, seed, seeds):
    changed = []
    for _ in range(rng.randint(1, 8)):
        position = _free(rng, seed.anatomy, 0, len(data))
        if position is not None:
            data[position] = rng.choice(_INTERESTING[1] + (rng.randrange(256),))
            changed.append(f"{position}=0x{data[position]:02X}")
    return data, f"bytes {', '.join(changed)}"


def truncate(rng, data, seed, seeds):
    fields = seed.anatomy.fb_fields + seed.anatomy.elf_fields
    length = rng.choice([f.offset for f in fields]) if fields and rng.random() < 0.5 \
        else rng.randrange(len(data))
    return data[:length], f"truncated to {length} of {len(data)} bytes"


def zero_range(rng, data, seed, seeds):
    start = _free(rng, seed.anatomy, 0, len(data))
    if start is None:
        return data, "zeroed nothing"
    end = _clip(seed.anatomy, start, min(len(data), start + min(int(rng.expovariate(1 / 24)) + 1, 4096)))
    data[start:end] = bytes(end - start)
    return data, f"zeroed [{start}, {end})"


def _field(rng, data, fields, what):
    fields = [f for f in fields if f.offset + f.size <= len(data)]
    if not fields:
        return data, f"no {what} field"
    field = rng.choice(fields)
    return data, f"{what} field {field.name} at {field.offset}: {_corrupt(rng, data, field.offset, field.size)}"


def flatbuffer_field(rng, data, seed, seeds):
    return _field(rng, data, seed.anatomy.fb_fields, "FlatBuffer")


def elf_field(rng, data, seed, seeds):
    if not seed.anatomy.elf_fields:
        return flatbuffer_field(rng, data, seed, seeds)
    return _field(rng, data, seed.anatomy.elf_fields, "ELF")


def _region_bytes(rng, data, seed, regions, what):
    regions = [r for r in regions if r[0] < min(r[1], len(data))]
    if not regions:
        return byte_values(rng, data, seed, None)
    start, end, name = rng.choice(regions)
    changed = []
    for _ in range(rng.randint(1, 4)):
        position = _free(rng, seed.anatomy, start, min(end, len(data)))
        if position is not None:
            if rng.random() < 0.5:
                data[position] ^= 1 << rng.randrange(8)
            else:
                data[position] = rng.choice(_INTERESTING[1] + (rng.randrange(256),))
            changed.append(str(position))
    return data, f"{what} {name} [{start}, {end}) bytes at {', '.join(changed)}"


def bytecode(rng, data, seed, seeds):
    regions = [r for r in seed.anatomy.regions if r[2].endswith("bytecode_data")]
    return _region_bytes(rng, data, seed, regions, "bytecode")


def region(rng, data, seed, seeds):
    return _region_bytes(rng, data, seed, seed.anatomy.regions, "region")


def splice(rng, data, seed, seeds):
    """`data`'s head and another module's tail, or a same-length range of another
    module copied in; no cut falls inside either module's native code."""
    other = rng.choice(seeds)
    here = _free(rng, seed.anatomy, 0, len(data))
    there = _free(rng, other.anatomy, 0, len(other.data))
    if here is None or there is None:
        return data, "spliced nothing"
    if rng.random() < 0.5:
        return data[:here] + other.data[there:], f"head [0, {here}) + {other.name} from {there}"
    length = min(int(rng.expovariate(1 / 64)) + 1, len(data) - here, len(other.data) - there)
    length = min(_clip(seed.anatomy, here, here + length) - here,
                 _clip(other.anatomy, there, there + length) - there)
    data[here:here + length] = other.data[there:there + length]
    return data, f"[{here}, {here + length}) from {other.name} at {there}"


_MOVES_BYTES = (truncate, splice)   # may change the length: applied last
# operator -> weight
OPERATORS = {bit_flips: 12, byte_values: 8, truncate: 5, zero_range: 7, flatbuffer_field: 22,
             bytecode: 12, elf_field: 14, region: 10, splice: 10}


def make_mutant(seeds_by_config: dict, run_seed: int, index: int) -> Mutant:
    """Mutant `index` of the run: configuration by rotation, seed and operators drawn
    from a generator seeded with (run_seed, index)."""
    rng = random.Random(f"{run_seed}:{index}")
    configs = sorted(seeds_by_config)
    seed = rng.choice(seeds_by_config[configs[index % len(configs)]])
    everyone = [s for group in seeds_by_config.values() for s in group]
    data = bytearray(seed.data)
    operations = []
    count = rng.choices((1, 2, 3), (80, 15, 5))[0]
    drawn = rng.choices(list(OPERATORS), list(OPERATORS.values()), k=count)
    for operator in sorted(drawn, key=lambda op: op in _MOVES_BYTES):
        length = len(data)
        data, what = operator(rng, data, seed, everyone)
        operations.append(f"{operator.__name__}: {what}")
        if len(data) != length:
            break      # the seed's anatomy no longer describes where things are
    return Mutant(index, seed, tuple(operations), bytes(data))
