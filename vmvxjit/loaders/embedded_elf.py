"""The embedded-ELF loader: `embedded-elf-<arch>` executables, loaded from memory.

Parses and validates the ELF (`elf`), maps it into anonymous memory
(`elf_mapping`), then queries and dispatches it as an executable library
(`executable.LibraryExecutable`). Like IREE's, it works without libc's
dynamic loader and accepts no ELF-level imports.
"""

from __future__ import annotations

import numpy as np

from vmvxjit.loaders.elf import ARCHES, parse_embedded
from vmvxjit.loaders.elf_mapping import MappedImage
from vmvxjit.loaders.executable import LibraryExecutable
from vmvxjit.loaders.library_abi import QUERY_SYMBOL, NativeMemory
from vmvxjit.native.cpu import HOST_ARCH
from vmvxjit.vm.allocation_limit import UNLIMITED, AllocationLimit


class EmbeddedElfLoader:
    """Loads `embedded-elf-<host arch>…` executables."""

    def __init__(self):
        self.arch = ARCHES.get(HOST_ARCH)

    def supports(self, format: str) -> bool:
        return self.arch is not None and format.startswith(f"embedded-elf-{self.arch.name}")

    def load(self, format: str, data: np.ndarray, constants: np.ndarray | None,
             allocations: AllocationLimit = UNLIMITED) -> LibraryExecutable:
        headers, dynamic = parse_embedded(data, self.arch)
        query = dynamic.lookup(QUERY_SYMBOL)
        image = MappedImage(headers, dynamic, allocations)
        return LibraryExecutable(image.address(query), NativeMemory(image.ranges), constants,
                                 image.unmap, allocations)
