"""The executable loaders hal_loader consults, in order.

Like iree-run-module: the system-library loader, the embedded-ELF loader,
then the VMVX bytecode loader; `register_loader` appends more. A
loader is any object with `supports(format) -> bool` and
`load(format, data, constants, allocations) -> Executable` (`allocations`: the
program's vm/allocation_limit.AllocationLimit, charged with what it maps and
allocates).
"""

from __future__ import annotations

from vmvxjit.loaders.embedded_elf import EmbeddedElfLoader
from vmvxjit.loaders.system_library import SystemLibraryLoader
from vmvxjit.loaders.vmvx_executable import VmvxLoader

LOADERS: list = [SystemLibraryLoader(), EmbeddedElfLoader(), VmvxLoader()]


def register_loader(loader) -> None:
    """Adds `loader` after the existing ones (first supporting loader wins)."""
    LOADERS.append(loader)


def query_support(format: str) -> bool:
    """Whether any registered loader accepts `format`."""
    return any(loader.supports(format) for loader in LOADERS)


def find_loader(format: str):
    """The first loader accepting `format`, or None."""
    return next((loader for loader in LOADERS if loader.supports(format)), None)
