"""VMVX executables (`vmvx-bytecode-fb`): VM bytecode modules run per workgroup.

The executable blob is a whole `.vmfb` importing only `vmvx.*`. It gets its
own context [vmvx, executable], receives executable-level constants through
`__set_constants`, and every other export is a dispatch entry point with
the fixed signature `(local_memory, constants, bindings, workgroup id xyz,
workgroup size xyz, workgroup count xyz)`, called once per workgroup.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from vmvxjit.compile_clock import compile_seconds
from vmvxjit.errors import InternalError, InvalidArgumentError
from vmvxjit.native import workers
from vmvxjit.loaders.executable import Executable
from vmvxjit.vm import isa
from vmvxjit.vm.allocation_limit import UNLIMITED, AllocationLimit, zeroed
from vmvxjit.vm.buffer import VmBuffer
from vmvxjit.vm.bytecode_module import BytecodeModule
from vmvxjit.vm.context import Context
from vmvxjit.vm.deadline import NO_DEADLINE, Deadline
from vmvxjit.vm.interpreter import run_function
from vmvxjit.vm.jit.tier import JitTier
from vmvxjit.vm.list import VmList

FORMAT = "vmvx-bytecode-fb"
ENTRY_CCONV = "0rrriiiiiiiii_v"
SET_CONSTANTS = "__set_constants"
# Exports that are not dispatch entry points (others, `__builtin_fill_i64` say, are).
LIFECYCLE_EXPORTS = frozenset({"__init", "__deinit", SET_CONSTANTS})
PAGE_SIZE = 4096
# Interpreted time before `auto` compiles an entry function whole (its workgroup loop and
# microkernel calls in one function): ENTRY_JIT_SECONDS for one that calls microkernels
# (Numba compiles it, in seconds), PLAIN_ENTRY_JIT_SECONDS for one without (llvm_lower.py
# lowers it, in a tenth of a second or so), whose loops run as compiled regions already,
# so only time outside them counts (per-workgroup interpretation: many small workgroups).
# Counting time in the compiled regions made models compile everything whole, into code
# slower than the regions when Numba compiled it (warm calls of dyn-vmvx VGG-19 42 s
# against 16.5 s, ShuffleNet 0.29 against 0.14 s); lowered by llvm_lower.py, ShuffleNet's
# whole entries were about even with its regions (108 against 104 ms).
ENTRY_JIT_SECONDS = 0.1
PLAIN_ENTRY_JIT_SECONDS = 2.0
NOT_COMPILED_YET = object()     # VmvxExecutable.compiled_entry: the tier may still compile it


def _attr_int(attrs: dict, key: str) -> int:
    try:
        return int(attrs.get(key, "0"))
    except ValueError:
        raise InvalidArgumentError(f"executable attribute {key}='{attrs[key]}' is not a number") from None


class VmvxExecutable(Executable):
    """A loaded VMVX executable; `dispatch` runs its VM code per workgroup."""

    def __init__(self, module: BytecodeModule, constants: np.ndarray, allocations: AllocationLimit):
        from vmvxjit.kernels.module import VmvxModule

        super().__init__()
        self._interpreted_seconds: dict = {}
        self._compiled_entries: dict = {}
        self._kernel_callers: dict = {}    # entry function -> whether it calls a vmvx microkernel
        self._written: dict = {}           # export ordinal -> written_bindings
        self._queued: set = set()          # entry functions a worker compiles (_compiled_in_background)
        self._compiling = threading.Lock()  # one thread compiles an entry function, once
        self.context = Context([VmvxModule()], jit=JitTier.resolve(), allocations=allocations)
        self.state = self.context.register(module)
        self._set_constants(module, constants)
        self._entries = []
        for name, ordinal in module.exports.items():
            if name in LIFECYCLE_EXPORTS:
                continue
            function = module.functions[ordinal]
            if function.cconv.text != ENTRY_CCONV:
                raise InvalidArgumentError(
                    "executable entry point does not match the expected calling convention; "
                    f"expected '{ENTRY_CCONV}' but got '{function.cconv.text}', "
                    "possible ABI version mismatch")
            self._entries.append((name, function.attrs))
        self.export_names = [name for name, _ in self._entries]

    def _set_constants(self, module: BytecodeModule, constants: np.ndarray) -> None:
        has_setter = SET_CONSTANTS in module.exports
        if not has_setter:
            if len(constants):
                raise InvalidArgumentError(
                    "executable has no executable-level constants but "
                    f"{len(constants)} constants were provided")
            return
        if not len(constants):
            raise InvalidArgumentError(
                "executable requires executable-level constants but none were provided")
        buffer = VmBuffer(np.ascontiguousarray(constants, dtype=np.uint32).view(np.uint8),
                          mutable=False)
        self.context.invoke(self.state, SET_CONSTANTS, [buffer])

    def binding_count(self, ordinal: int) -> int:
        return _attr_int(self._entries[ordinal][1], "binding_count")

    def constant_count(self, ordinal: int) -> int:
        return _attr_int(self._entries[ordinal][1], "constant_count")

    def local_memory_size(self, ordinal: int) -> int:
        size = _attr_int(self._entries[ordinal][1], "local_memory")
        return (size // PAGE_SIZE) * PAGE_SIZE

    def configure_jit(self, tier: str, jit_stats, deadline: Deadline = NO_DEADLINE) -> None:
        super().configure_jit(tier, jit_stats, deadline)
        self.context.tier = self.state.tier = tier
        self.context.deadline = self.state.deadline = deadline
        if jit_stats is not None:
            self.context.jit_stats = self.state.jit_stats = jit_stats

    def _function(self, ordinal: int) -> int:
        """The module function of export `ordinal`."""
        return self.state.module.exports[self._entries[ordinal][0]]

    def _run(self, ordinal, workgroup_count, constants, bindings) -> None:
        function = self._function(ordinal)
        compiled = self._compiled_entry(function)
        boxes = workers.split(workgroup_count, self._parts(ordinal, workgroup_count))
        if compiled is None:
            self._interpret(function, ordinal, boxes, workgroup_count, constants, bindings)
        else:
            self._run_compiled(compiled, function, ordinal, boxes, workgroup_count, constants, bindings)

    def _interpret(self, function, ordinal, boxes, workgroup_count, constants, bindings) -> None:
        """Interprets the dispatch, its `boxes` of workgroups at once on several threads
        (Executable._parts: the compiled loop regions, where most of a long dispatch's time
        goes, run without the GIL); parts raise in serial order (workers.run_parts), so the
        error is the serial run's. The time outside compiled regions and compiles, summed
        over the parts, counts towards compiling the entry function whole."""
        stats, busy = self.state.jit_stats, []

        def part(_k: int, box: tuple) -> tuple:
            start = time.perf_counter()
            self._run_workgroups(function, workgroup_count, constants, bindings, ordinal, box=box)
            busy.append(time.perf_counter() - start)
            return workers.SUCCEEDED
        start, compiling, in_regions = time.perf_counter(), compile_seconds(), stats.compiled_seconds
        workers.run_boxes(boxes, part)
        self._ran(ordinal, len(boxes), time.perf_counter() - start)
        spent = sum(busy) - (compile_seconds() - compiling) - (stats.compiled_seconds - in_regions)
        self._interpreted_seconds[function] = self._interpreted_seconds.get(function, 0.0) + spent

    def _run_compiled(self, compiled, function, ordinal, boxes, workgroup_count, constants,
                      bindings) -> None:
        """Runs the dispatch's `boxes` of workgroups in compiled entry function `compiled`,
        at once on several threads; a failing workgroup (the first in serial order) is run
        again interpreted, which raises the exact error."""
        size = self.local_memory_size(ordinal)

        def part(_k: int, box: tuple) -> tuple:
            failed = compiled.run(box, workgroup_count, constants, bindings, size)
            return workers.SUCCEEDED if failed is None else (1, *failed)
        start = time.perf_counter()
        outcome = workers.run_boxes(boxes, part)
        self._ran(ordinal, len(boxes), time.perf_counter() - start)
        if outcome[0]:
            failed = outcome[1:]
            self._run_workgroups(function, workgroup_count, constants, bindings, ordinal,
                                 only=failed)
            raise InternalError(f"compiled entry function stopped at workgroup {failed} but the "
                                "interpreter ran it without error")

    def _compiled_entry(self, function: int):
        """The compiled form of entry `function`, when the tier wants one: always
        under `jit`; under `auto` once interpreting it has cost its threshold
        (`_threshold`: compiling costs seconds, so cheap dispatches stay interpreted;
        Numba compiles and compiled loop regions during the interpreted runs do not
        count: compile_clock.py)."""
        tier = self.state.tier
        if tier == "interp":
            return None
        if tier == "auto" and self._interpreted_seconds.get(function, 0.0) < self._threshold(function):
            return None
        if self.state.deadline.enabled:
            return self._compiled_in_background(function)
        return self._compile_entry(function)

    def _compiled_in_background(self, function: int):
        """Entry `function` compiled, or None while a worker compiles it (queued here):
        a call with a deadline waits for no compile, which nothing can stop (Numba's of
        a mutated softmax's entry took 28 s against a 5 s deadline)."""
        found = self._compiled_entries.get(function, NOT_COMPILED_YET)
        if found is not NOT_COMPILED_YET:
            return found
        if function not in self._queued:     # two threads may both queue it: it compiles once
            from vmvxjit.vm.jit import background

            self._queued.add(function)
            background.submit(background.BACKGROUND_ONLY, self._compile_entry, function)
        return None

    def _compile_entry(self, function: int):
        if function not in self._compiled_entries:
            from vmvxjit.vm.jit.vmvx_entry_runner import compile_entry
            with self._compiling:
                if function not in self._compiled_entries:
                    self._compiled_entries[function] = compile_entry(
                        self.state, self.state.module.functions[function])
        return self._compiled_entries[function]

    def compiled_entry(self, ordinal: int, now: bool = False):
        """Export `ordinal`'s compiled entry function (vmvx_entry_runner.CompiledEntry),
        None if it cannot be compiled; compiled `now` if it is not yet, else
        NOT_COMPILED_YET until the tier compiles it."""
        function = self._function(ordinal)
        if now:
            return self._compile_entry(function)
        return self._compiled_entries.get(function, NOT_COMPILED_YET)

    def written_bindings(self, ordinal: int) -> frozenset | None:
        """The bindings export `ordinal` may write (vmvx_bindings.py); None: any."""
        from vmvxjit.loaders.vmvx_bindings import written_bindings

        if ordinal not in self._written:
            self._written[ordinal] = written_bindings(self.state.module, self._function(ordinal))
        return self._written[ordinal]

    def entry_compilable(self, ordinal: int) -> bool:
        """Whether export `ordinal`'s entry function has only ops its compiled form takes
        (vmvx_entry_code.compilable_entry); compiles nothing."""
        from vmvxjit.kernels.compiled_calls import CALLS
        from vmvxjit.vm.jit.vmvx_entry_code import compilable_entry

        function = self.state.module.functions[self._function(ordinal)]
        return compilable_entry(function, self.state.module.imports, CALLS) is not None

    def entry_calls_kernels(self, ordinal: int) -> bool:
        """Whether export `ordinal`'s entry function calls a vmvx microkernel (so that
        Numba, not llvm_lower.py, compiles it whole: seconds, not a tenth of one)."""
        return self._calls_kernels(self._function(ordinal))

    def _calls_kernels(self, function: int) -> bool:
        """Whether entry `function` calls a vmvx microkernel (found once per function:
        _threshold asks on every dispatch)."""
        if function not in self._kernel_callers:
            module = self.state.module
            self._kernel_callers[function] = any(
                instr.op.mnemonic.startswith("vm.call") and instr.args[0] & isa.IMPORT_BIT
                and module.imports[instr.args[0] & ~isa.IMPORT_BIT].full_name.startswith("vmvx.")
                for instr in module.functions[function].instrs)
        return self._kernel_callers[function]

    def _threshold(self, function: int) -> float:
        """ENTRY_JIT_SECONDS, or PLAIN_ENTRY_JIT_SECONDS when `function` calls no microkernel."""
        return ENTRY_JIT_SECONDS if self._calls_kernels(function) else PLAIN_ENTRY_JIT_SECONDS

    def _run_workgroups(self, function, workgroup_count, constants, bindings, ordinal,
                        only=None, box=None) -> None:
        """Interprets workgroup `only`, else those of `box` (workers.split), else all."""
        constants_buffer = VmBuffer(np.ascontiguousarray(constants, dtype=np.uint32).view(np.uint8),
                                    mutable=False)
        local_memory = VmBuffer.over(self.context.allocations.allocate(
            self.local_memory_size(ordinal), zeroed, f"local memory of export '{self.export_names[ordinal]}'"))
        binding_buffers = [VmBuffer(b, mutable=True) for b in bindings]
        count_x, count_y, count_z = workgroup_count
        first_x, end_x, first_y, end_y, first_z, end_z = box or (0, count_x, 0, count_y, 0, count_z)
        workgroups = [only] if only else ((x, y, z) for z in range(first_z, end_z)
                                          for y in range(first_y, end_y) for x in range(first_x, end_x))
        for x, y, z in workgroups:
            binding_list = VmList("ref", VmBuffer, len(binding_buffers))
            binding_list.items = list(binding_buffers)
            run_function(self.state, function, [
                local_memory, constants_buffer, binding_list, x, y, z, 1, 1, 1,
                count_x, count_y, count_z])


class VmvxLoader:
    """Loads `vmvx-bytecode-fb` executables (exact format match, as IREE)."""

    def supports(self, executable_format: str) -> bool:
        return executable_format == FORMAT

    def load(self, executable_format: str, data: np.ndarray, constants: np.ndarray,
             allocations: AllocationLimit = UNLIMITED) -> Executable:
        return VmvxExecutable(BytecodeModule.load(data), constants, allocations)

