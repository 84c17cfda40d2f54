"""Contexts: modules linked by import name, and invocation from the host.

Registering a bytecode module checks its dependencies, resolves each import
against the modules registered so far (last registered wins, cconvs must
match, optional imports may stay unresolved), then runs its `__init` export.
`invoke` converts host arguments to the export's calling convention, runs
the function and returns its results as Python values.
"""

from __future__ import annotations

from typing import NamedTuple

from vmvxjit.errors import (
    FailedPreconditionError,
    InternalError,
    InvalidArgumentError,
    NativeCodeFault,
    NotFoundError,
)
from vmvxjit.vm.allocation_limit import UNLIMITED, AllocationLimit
from vmvxjit.vm.bytecode_module import BytecodeModule, ModuleState
from vmvxjit.vm.cconv import CConv
from vmvxjit.vm.deadline import NO_DEADLINE, Deadline
from vmvxjit.vm.interpreter import run_function
from vmvxjit.vm.native_module import NativeModule
from vmvxjit.vm.semantics import f32, wrap32, wrap64

_ARG_CONVERT = {
    "i": lambda v: wrap32(int(v)),
    "I": lambda v: wrap64(int(v)),
    "f": lambda v: f32(float(v)),
    "F": float,
    "r": lambda v: v,
}


class BytecodeExport(NamedTuple):
    """A bytecode function seen from outside: callable with Python values."""

    state: ModuleState
    ordinal: int
    cconv: CConv

    def call(self, *args):
        results = run_function(self.state, self.ordinal, list(args))
        if len(results) == 0:
            return None
        return results[0] if len(results) == 1 else tuple(results)


class Context:
    """An ordered set of module instances that call each other by name."""

    def __init__(self, modules=(), jit=None, allocations: AllocationLimit = UNLIMITED,
                 deadline: Deadline = NO_DEADLINE):
        """`jit` (vm/jit/tier.py's JitTier, injected by the runtime) names the
        tier and installs compiled code; without it every function is interpreted.
        `allocations`: the cap its modules' buffers are charged to (default: none);
        `deadline`: how long a call (or a module's `__init`) may run (default: no limit)."""
        self.entries: list = []  # NativeModule instances and ModuleStates
        self.allocations = allocations
        self.deadline = deadline
        self.tier = jit.name if jit is not None else "interp"
        self.jit_stats = jit.stats if jit is not None else None
        self._install_jit = jit.install if jit is not None else None
        # The fault of an executable's native code (NativeCodeFault) that may have damaged
        # this context's memory: once set, no further call runs.
        self.damaged_by: NativeCodeFault | None = None
        for module in modules:
            self.register(module)

    def _find(self, name: str):
        for entry in reversed(self.entries):
            if _entry_name(entry) == name:
                return entry
        return None

    def register(self, module) -> object:
        """Adds a native module or a BytecodeModule; returns its instance."""
        if isinstance(module, NativeModule):
            self.entries.append(module)
            return module
        if not isinstance(module, BytecodeModule):
            raise InvalidArgumentError(f"cannot register {type(module).__name__} in a context")
        for dep in module.dependencies:
            found = self._find(dep.name)
            if found is None:
                if dep.optional:
                    continue
                raise NotFoundError(f"required module '{dep.name}' not registered on the context")
            if _entry_version(found) < dep.minimum_version:
                raise NotFoundError(
                    f"module '{dep.name}' version mismatch; have {_entry_version(found)} but "
                    f"'{module.name}' requires >= {dep.minimum_version}")
        for type_id in range(len(module.module_def.types)):
            module.type_of(type_id)
        state = ModuleState(module, self.tier, self.jit_stats, self._install_jit, self.allocations,
                            self.deadline)
        for index, import_def in enumerate(module.imports):
            state.imports[index] = self._resolve(import_def)
        self.entries.append(state)
        init = module.exports.get("__init")
        if init is not None:
            self.deadline.run(run_function, state, init, [])
        return state

    def _resolve(self, import_def):
        entry = self._find(import_def.module_name)
        target = None
        if isinstance(entry, NativeModule):
            target = entry.lookup(import_def.function_name)
        elif isinstance(entry, ModuleState):
            ordinal = entry.module.exports.get(import_def.function_name)
            if ordinal is not None:
                target = BytecodeExport(entry, ordinal, entry.module.functions[ordinal].cconv)
        if target is None:
            if import_def.optional:
                return None
            raise NotFoundError(f"required import '{import_def.full_name}' not found in the context")
        if import_def.cconv is not None and import_def.cconv.text != target.cconv.text:
            raise InternalError(
                f"import '{import_def.full_name}' signature mismatch; the module expects "
                f"'{import_def.cconv.text}' but the export has '{target.cconv.text}'")
        return target

    def invoke(self, state: ModuleState, export_name: str, args) -> list:
        """Calls an export of a registered bytecode module with host values."""
        return self.invoker(state, export_name)(args)

    def invoker(self, state: ModuleState, export_name: str):
        """A function calling the export with a list of host values (looked up once)."""
        ordinal = state.module.exports.get(export_name)
        if ordinal is None:
            raise NotFoundError(f"function '{export_name}' not exported by module '{state.module.name}'")
        cconv = state.module.functions[ordinal].cconv
        converters = [_ARG_CONVERT[ch] for ch in cconv.args]
        only_refs = all(ch == "r" for ch in cconv.args)   # nothing to convert
        deadline = self.deadline if self.deadline.enabled else None

        def call(args) -> list:
            if len(args) != len(converters):
                raise InvalidArgumentError(
                    f"function '{export_name}' expects {len(converters)} arguments but "
                    f"{len(args)} were given")
            if self.damaged_by is not None:
                raise FailedPreconditionError(
                    f"function '{export_name}' not run: an earlier call's native code faulted "
                    f"and may have damaged the module's memory ({self.damaged_by.message}); "
                    f"load the module again")
            if not only_refs:
                args = [convert(value) for convert, value in zip(converters, args)]
            try:
                if deadline is not None:
                    return deadline.run(run_function, state, ordinal, args)
                return run_function(state, ordinal, args)
            except NativeCodeFault as fault:
                self.damaged_by = fault
                raise
        return call


def _entry_name(entry) -> str:
    return entry.module.name if isinstance(entry, ModuleState) else entry.name


def _entry_version(entry) -> int:
    return entry.module.version if isinstance(entry, ModuleState) else entry.version
