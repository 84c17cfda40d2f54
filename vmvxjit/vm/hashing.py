"""SipHash-2-4 with key bytes 00..0F: what `vm.buffer.hash` computes in IREE."""

from __future__ import annotations

import struct

_M64 = 0xFFFFFFFFFFFFFFFF
_K0, _K1 = struct.unpack("<QQ", bytes(range(16)))


def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (64 - b))) & _M64


def _rounds(v0, v1, v2, v3, count):
    for _ in range(count):
        v0 = (v0 + v1) & _M64
        v1 = _rotl(v1, 13) ^ v0
        v0 = _rotl(v0, 32)
        v2 = (v2 + v3) & _M64
        v3 = _rotl(v3, 16) ^ v2
        v0 = (v0 + v3) & _M64
        v3 = _rotl(v3, 21) ^ v0
        v2 = (v2 + v1) & _M64
        v1 = _rotl(v1, 17) ^ v2
        v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def siphash24(data: bytes) -> int:
    """The hash as a signed 64-bit integer."""
    v0 = _K0 ^ 0x736F6D6570736575
    v1 = _K1 ^ 0x646F72616E646F6D
    v2 = _K0 ^ 0x6C7967656E657261
    v3 = _K1 ^ 0x7465646279746573
    tail_len = len(data) % 8
    for (m,) in struct.iter_unpack("<Q", data[:len(data) - tail_len]):
        v3 ^= m
        v0, v1, v2, v3 = _rounds(v0, v1, v2, v3, 2)
        v0 ^= m
    last = int.from_bytes(data[len(data) - tail_len:], "little") | ((len(data) & 0xFF) << 56)
    v3 ^= last
    v0, v1, v2, v3 = _rounds(v0, v1, v2, v3, 2)
    v0 ^= last
    v2 ^= 0xFF
    v0, v1, v2, v3 = _rounds(v0, v1, v2, v3, 4)
    h = v0 ^ v1 ^ v2 ^ v3
    return h - (1 << 64) if h >> 63 else h
