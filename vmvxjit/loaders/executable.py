"""`hal.executable`: a loaded executable the hal_loader module dispatches.

`Executable` is the ref type and the interface every loader's result offers
(export lookup, per-export counts, dispatch, release). `LibraryExecutable`
implements it for libraries following IREE's executable library ABI v6 (the
embedded-ELF and system-library loaders); its workgroup loop lives in
`native_dispatch`.
"""

from __future__ import annotations

import time
import weakref
from typing import Callable

import numpy as np

from vmvxjit.errors import (
    FailedPreconditionError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    OutOfRangeError,
)
from vmvxjit.loaders import native_dispatch
from vmvxjit.native import native_workers, workers
from vmvxjit.loaders.library_abi import (
    PROVIDED_IMPORTS,
    ExecutableEnvironment,
    Library,
    NativeMemory,
    query_library,
)
from vmvxjit.hal_inline.buffer import aligned_zeros
from vmvxjit.native.cpu import processor_data
from vmvxjit.vm.allocation_limit import AllocationLimit
from vmvxjit.vm.deadline import NO_DEADLINE, Deadline
from vmvxjit.vm.ref import register_ref_type

# dispatch_state_v0 holds workgroup_count_x/y as u32 and workgroup_count_z as u16.
_MAX_COUNT_XY = 0xFFFFFFFF
_MAX_COUNT_Z = 0xFFFF


@register_ref_type
class Executable:
    """Base of loaded executables: named exports, dispatch, release.

    Subclasses fill `export_names`, implement the per-export queries and
    `dispatch`, and register what `release` frees with `_on_release`.
    """

    type_name = "hal.executable"
    export_names: list[str]

    def __init__(self):
        self.export_names = []
        self.released = False
        self._finalizer = None
        self.threads = 1     # threads a dispatch may run on (workers.py); the hal_loader module sets it
        self.jit_stats = None
        self._last_seconds: dict = {}   # export ordinal -> how long its last dispatch took

    def _on_release(self, free: Callable[[], None]) -> None:
        """Calls `free` once, on release or garbage collection (not at exit).

        `free` must not reference this executable, or it would never be collected.
        """
        self._finalizer = weakref.finalize(self, free)
        self._finalizer.atexit = False

    def release(self) -> None:
        """Frees native resources now; idempotent."""
        self.released = True
        if self._finalizer is not None:
            self._finalizer()

    def configure_jit(self, tier: str, jit_stats, deadline: Deadline = NO_DEADLINE) -> None:
        """Adopts the execution tier, JIT statistics and call deadline of the program
        that loaded this executable (executables made of VM code run in that tier and
        check that deadline; native ones count their parallel dispatches in the
        statistics)."""
        self.jit_stats = jit_stats

    def lookup(self, name: str) -> int:
        """The ordinal of the export named exactly `name`."""
        try:
            return self.export_names.index(name)
        except ValueError:
            raise NotFoundError(f"export '{name}' not found in library") from None

    def _out_of_range(self, ordinal: int) -> OutOfRangeError:
        return OutOfRangeError(f"function id {ordinal} out of range (count: {len(self.export_names)})")

    def binding_count(self, ordinal: int) -> int:
        raise NotImplementedError

    def constant_count(self, ordinal: int) -> int:
        raise NotImplementedError

    def local_memory_size(self, ordinal: int) -> int:
        raise NotImplementedError

    def dispatch(self, ordinal: int, workgroup_count: tuple[int, int, int],
                 constants: np.ndarray, bindings: list[np.ndarray]) -> None:
        """Runs export `ordinal` once per workgroup (z, y, x order, x innermost).

        Everything is checked before any executable code runs (check_dispatch).
        """
        self.check_dispatch(ordinal, workgroup_count, len(constants), len(bindings))
        self._run(ordinal, workgroup_count, constants, bindings)

    def check_dispatch(self, ordinal: int, workgroup_count: tuple[int, int, int],
                       constant_count: int, binding_count: int) -> None:
        """Raises the error a dispatch of export `ordinal` with these counts gets: the
        executable is released, the ordinal does not exist, the constant and binding
        counts are not the export's, or the workgroup counts do not fit the dispatch state."""
        if self.released:
            raise FailedPreconditionError("executable has been released")
        if not 0 <= ordinal < len(self.export_names):
            raise self._out_of_range(ordinal)
        takes = self.constant_count(ordinal), self.binding_count(ordinal)
        if (constant_count, binding_count) != takes:
            raise InvalidArgumentError(
                f"export '{self.export_names[ordinal]}' takes {takes[0]} constants and "
                f"{takes[1]} bindings but {constant_count} and {binding_count} were provided")
        count_x, count_y, count_z = workgroup_count
        if not (0 <= count_x <= _MAX_COUNT_XY and 0 <= count_y <= _MAX_COUNT_XY
                and 0 <= count_z <= _MAX_COUNT_Z):
            raise InvalidArgumentError(f"workgroup count {tuple(workgroup_count)} out of range")

    def _run(self, ordinal: int, workgroup_count: tuple[int, int, int],
             constants: np.ndarray, bindings: list[np.ndarray]) -> None:
        raise NotImplementedError

    def _parts(self, ordinal: int, workgroup_count: tuple[int, int, int]) -> int:
        """How many parts (workers.split) to run a dispatch of export `ordinal` in: one,
        unless threads are allowed, it has several workgroups and its last run (if any)
        took long enough to gain from more (`_parallel_above_s`)."""
        if self.threads == 1 or self._last_seconds.get(ordinal, float("inf")) < self._parallel_above_s():
            return 1
        return len(workers.split(workgroup_count, self.threads))

    def _parallel_above_s(self) -> float:
        """The shortest last run of a dispatch that runs in parts next time: handing parts
        to the Python workers costs tens of microseconds."""
        return workers.PARALLEL_ABOVE_S

    def _ran(self, ordinal: int, parts: int, seconds: float) -> None:
        """Notes how long a dispatch that could run in parts took, and counts it for
        --trace when it ran in several."""
        self._last_seconds[ordinal] = seconds
        if parts > 1 and self.jit_stats is not None:
            self.jit_stats.ran_parallel(self.export_names[ordinal], parts)

    def __repr__(self) -> str:
        state = "released" if self.released else f"{len(self.export_names)} exports"
        return f"<hal.executable {state}>"


class LibraryExecutable(Executable):
    """An executable library (ABI v6) loaded into this process.

    The loader maps or opens the library and hands over its readable ranges,
    its query function and how to free it; this class queries it, resolves
    imports, checks the executable constants and runs dispatches.
    """

    def __init__(self, query_address: int, memory: NativeMemory, constants: np.ndarray | None,
                 free: Callable[[], None], allocations: AllocationLimit):
        super().__init__()
        self._on_release(free)
        try:
            self._environment = ExecutableEnvironment(constants, processor_data())
            self.library: Library = query_library(query_address, self._environment, memory)
            self._environment.resolve_imports(self.library.imports, PROVIDED_IMPORTS)
            if self.library.constant_count != self._environment.constants.size:
                raise FailedPreconditionError(
                    f"executable requires {self.library.constant_count} constants but caller "
                    f"provided {self._environment.constants.size}; must match")
            self._exports = self.library.exports
            # Zeroed workgroup-local scratch per export (IREE's inline loader passes NULL),
            # guarded: its size comes from the library's tables, which may be damaged.
            self._local_memory = [allocations.allocate(export.local_memory_size, aligned_zeros,
                                                       f"local memory of export '{export.name}'")
                                  for export in self._exports]
        except BaseException:
            self.release()
            raise
        self.export_names = [export.name for export in self._exports]
        self._environment_address = self._environment.address
        self._allocations = allocations
        # Per export: the addresses of local memories no running part uses (a dispatch
        # takes one per part and gives them back; more are made when dispatches on several
        # threads or in more parts need them).
        self._idle_memory = [[scratch.ctypes.data if scratch.size else 0]
                             for scratch in self._local_memory]

    def _export(self, ordinal: int):
        if not 0 <= ordinal < len(self._exports):
            raise self._out_of_range(ordinal)
        return self._exports[ordinal]

    def binding_count(self, ordinal: int) -> int:
        return self._export(ordinal).binding_count

    def _parallel_above_s(self) -> float:
        """Lower than for the Python workers: native dispatches hand parts to the native
        workers, which take one in about a microsecond."""
        return native_workers.PARALLEL_ABOVE_S if native_workers.supported() else workers.PARALLEL_ABOVE_S

    def native_entry(self, ordinal: int) -> tuple[int, int]:
        """(address of export `ordinal`'s function, of the executable environment): what
        native code calling the workgroup loop itself needs (vmvxjit/host)."""
        return self._export(ordinal).function, self._environment_address

    def constant_count(self, ordinal: int) -> int:
        return self._export(ordinal).constant_count

    def local_memory_size(self, ordinal: int) -> int:
        return self._export(ordinal).local_memory_size

    def _run(self, ordinal: int, workgroup_count: tuple[int, int, int],
             constants: np.ndarray, bindings: list[np.ndarray]) -> None:
        export = self._exports[ordinal]
        memories = self._take_local_memory(ordinal, self._parts(ordinal, workgroup_count))
        parts = len(memories)
        start = time.perf_counter()
        try:
            result, x, y, z = native_dispatch.run(
                export.function, self._environment_address, workgroup_count, constants, bindings,
                memories, export.local_memory_size, export.name)
        except TypeError as error:
            raise InvalidArgumentError(
                f"dispatch of export '{export.name}' needs contiguous 1-D uint8 bindings and "
                f"a contiguous uint32 constant array ({error})") from None
        finally:
            self._idle_memory[ordinal] += memories
        self._ran(ordinal, parts, time.perf_counter() - start)
        if result:
            raise InternalError(
                f"executable entry point returned catastrophic error {result} "
                f"(export '{export.name}', workgroup ({x}, {y}, {z}))")

    def _take_local_memory(self, ordinal: int, parts: int) -> list:
        """The addresses of `parts` local memories of export `ordinal` that no other
        dispatch uses until they are given back (to `_idle_memory`)."""
        idle, taken = self._idle_memory[ordinal], []
        while len(taken) < parts:
            try:
                taken.append(idle.pop())
            except IndexError:     # all in use, by parts of this or other threads' dispatches
                scratch = self._allocations.allocate(
                    self._exports[ordinal].local_memory_size, aligned_zeros,
                    f"local memory of export '{self._exports[ordinal].name}'")
                self._local_memory.append(scratch)
                taken.append(scratch.ctypes.data if scratch.size else 0)
        return taken
