"""One function's machine code kept on disk as bytes and mapped executable without LLVM.

A process that only runs native dispatches needs one small function of its
own: the workgroup loop (loaders/native_dispatch.py). Loaded as an object it
needs llvmlite, whose import and MCJIT engine cost ~20 ms per process. The
loop's code is position-independent and calls nothing by name, so instead
its bytes alone are kept and copied into an executable page.

`compiled(ir, symbol)` is the usual way in: function `symbol` of LLVM IR text
`ir`, built for the architecture's baseline CPU. `load(key, build)` reads `<cache root>/machine-code/<key>.bin` (a SHA-256 of
the code, then the code) and maps the code; a missing or damaged file is
replaced by the code `build()` returns (`function_code` takes a function out
of the ELF object LLVM emits). Keys must cover everything the code depends on.
Data the code needs at run time (native/trap.py's handler table) is mapped
with it, read-only, at the code's address + TAIL: the code finds it relative
to its own address, which needs no relocation.
"""

from __future__ import annotations

import ctypes
import hashlib
import mmap
import struct
from functools import lru_cache

from vmvxjit import cache_files
from vmvxjit.errors import InternalError
from vmvxjit.native import executable_memory
from vmvxjit.native.cpu import HOST_ARCH

_DIGEST_SIZE = 32
# x86-64 keeps instruction fetch coherent with stores; other architectures need a flush.
_FLUSH_ICACHE = HOST_ARCH != "x86_64"

_SECTION = struct.Struct("<IIQQQQIIQQ")   # Elf64_Shdr
_SYMBOL = struct.Struct("<IBBHQQ")        # Elf64_Sym
SHT_SYMTAB, SHT_RELA, SHT_REL = 2, 4, 9
TAIL = 4096   # where `tail` data starts, from the code's address


def load(key: str, build, tail: bytes = b"") -> int:
    """The address of the function kept under `key`, built and stored first if the
    cache has no intact copy; `tail` is mapped with it at its address + TAIL."""
    path = cache_files.root() / "machine-code" / f"{key}.bin"
    try:
        data = path.read_bytes()
    except OSError:
        data = b""
    code = data[_DIGEST_SIZE:]
    if not code or hashlib.sha256(code).digest() != data[:_DIGEST_SIZE]:
        code = build()
        path.parent.mkdir(parents=True, exist_ok=True)
        cache_files.write_atomic(path, hashlib.sha256(code).digest() + code)
    if tail:
        if len(code) > TAIL:
            raise InternalError(f"machine code: {key} is longer than {TAIL} bytes")
        code = code.ljust(TAIL, b"\0") + tail
    return _map(code)


@lru_cache(maxsize=None)
def compiled(ir: str, symbol: str, tail: bytes = b"") -> int:
    """The address of function `symbol` of the LLVM IR text `ir`, compiled for the
    architecture's baseline CPU (once per machine: kept under a digest of the text) and
    mapped once per process; `tail` as for `load`."""
    key = f"{symbol}-{HOST_ARCH}-{hashlib.sha256(ir.encode()).hexdigest()[:24]}"

    def build() -> bytes:
        from vmvxjit.native import llvm_engine   # only when the cache has no copy

        return function_code(llvm_engine.emit_object(ir, baseline=True), symbol)
    return load(key, build, tail)


def _map(code: bytes) -> int:
    """A new read-execute copy of `code` (never unmapped: it lives as long as the process)."""
    size = executable_memory.page_ceil(len(code))
    base = executable_memory.reserve(size, executable_memory.PAGE_SIZE, "machine code")
    ctypes.memmove(base, code, len(code))
    executable_memory.protect(base, base + size, mmap.PROT_READ | mmap.PROT_EXEC)
    if _FLUSH_ICACHE:
        executable_memory.flush_instruction_cache(base, base + len(code))
    return base


def function_code(obj: bytes, name: str) -> bytes:
    """The bytes of function `name` in the ELF64 relocatable object `obj`: code that
    runs wherever it is copied, so nothing in its section may be relocated."""
    if obj[:6] != b"\x7fELF\x02\x01":
        raise InternalError("machine code: not a little-endian ELF64 object")
    (shoff,) = struct.unpack_from("<Q", obj, 0x28)
    entry_size, count = struct.unpack_from("<HH", obj, 0x3A)
    sections = [_SECTION.unpack_from(obj, shoff + i * entry_size) for i in range(count)]
    for kind, offset, size, link in ((s[1], s[4], s[5], s[6]) for s in sections):
        if kind != SHT_SYMTAB:
            continue
        strings = sections[link][4]
        for start in range(offset, offset + size, _SYMBOL.size):
            name_offset, _, _, index, value, length = _SYMBOL.unpack_from(obj, start)
            end = obj.index(b"\0", strings + name_offset)
            if obj[strings + name_offset:end] != name.encode():
                continue
            if any(s[1] in (SHT_RELA, SHT_REL) and s[7] == index for s in sections):
                raise InternalError(f"machine code: {name}'s section has relocations")
            code_offset = sections[index][4] + value
            return obj[code_offset:code_offset + length]
    raise InternalError(f"machine code: no symbol {name} in the object")
