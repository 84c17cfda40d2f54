"""The `hal_loader` native module (version 1): load and dispatch executables.

inline-dynamic programs call `executable.query_support` and
`executable.load` from `__init`, then `executable.dispatch` per dispatch.
Loaders are tried in registry order (system library, embedded ELF, VMVX);
bindings are checked against their vm.buffers before any executable code
runs.
"""

from __future__ import annotations

import numpy as np

from vmvxjit.errors import InvalidArgumentError, NotFoundError, OutOfRangeError, ResourceExhaustedError
from vmvxjit.loaders import registry
from vmvxjit.loaders.executable import Executable
from vmvxjit.vm.allocation_limit import UNLIMITED, AllocationLimit
from vmvxjit.vm.buffer import VmBuffer
from vmvxjit.vm.deadline import NO_DEADLINE, Deadline
from vmvxjit.vm.native_module import NativeModule, export
from vmvxjit.vm.ref import require_ref

MAX_BINDINGS = 32


class HalLoaderModule(NativeModule):
    """`hal_loader.*` backed by vmvxjit's executable loaders."""

    name = "hal_loader"
    version = 1

    def __init__(self, tier: str | None = None, jit_stats=None,
                 allocations: AllocationLimit = UNLIMITED, threads: int = 1,
                 deadline: Deadline = NO_DEADLINE):
        self.tier = tier
        self.deadline = deadline
        self.jit_stats = jit_stats
        self.allocations = allocations
        self.threads = threads

    @export("executable.query_support", "0r_i")
    def executable_query_support(self, executable_format):
        text = require_ref(executable_format, VmBuffer).text()
        return int(registry.query_support(text))

    @export("executable.load", "0rrr_r")
    def executable_load(self, executable_format, executable_data, constants):
        text = require_ref(executable_format, VmBuffer).text()
        data = require_ref(executable_data, VmBuffer).data
        values = np.zeros(0, dtype=np.uint32)
        if isinstance(constants, VmBuffer):
            if constants.length % 4:
                raise InvalidArgumentError(
                    "constant buffer data must contain 4-byte elements but data length is "
                    f"{constants.length}")
            values = constants.data.view(np.uint32).copy()
        loader = registry.find_loader(text)
        if loader is None:
            raise NotFoundError(
                f"no executable loader registered for the given executable format '{text}'")
        executable = loader.load(text, data, values, self.allocations)
        executable.threads = self.threads
        if self.tier is not None:
            executable.configure_jit(self.tier, self.jit_stats, self.deadline)
        return executable

    @export("executable.lookup.function", "0rr_I")
    def executable_lookup_function(self, executable, name):
        executable = require_ref(executable, Executable)
        return executable.lookup(require_ref(name, VmBuffer).text())

    @export("executable.dispatch", "0rIiiiCiDCrIID_v")
    def executable_dispatch(self, executable, function, count_x, count_y, count_z,
                            constants, bindings):
        executable = require_ref(executable, Executable)
        if not 0 <= function < len(executable.export_names):
            raise OutOfRangeError(
                f"function id {function & 0xFFFFFFFFFFFFFFFF} out of range "
                f"(count: {len(executable.export_names)})")
        if len(bindings) > MAX_BINDINGS:
            raise ResourceExhaustedError("too many bindings")
        spans = [require_ref(buffer, VmBuffer).bytes_ro(offset, length)
                 for buffer, offset, length in bindings]
        values = np.array([c & 0xFFFFFFFF for c in constants], dtype=np.uint32)
        counts = tuple(c & 0xFFFFFFFF for c in (count_x, count_y, count_z))
        executable.dispatch(function, counts, values, spans)
