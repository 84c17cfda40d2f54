"""A loaded, verified bytecode module and its per-context state.

`BytecodeModule` is immutable after loading: the parsed `ModuleDef`, every
function decoded and verified, rodata wrapped as read-only `VmBuffer`s (the
same object each time `const.ref.rodata` asks, as in IREE). `ModuleState` is
one instance of it inside a context: zero-initialised global bytes, global
ref slots, and the resolved imports.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field

import numpy as np

from vmvxjit.errors import InvalidArgumentError, VerificationError
from vmvxjit.vm.allocation_limit import UNLIMITED, AllocationLimit, zeroed
from vmvxjit.vm.deadline import NO_DEADLINE, Deadline
from vmvxjit.vm.buffer import VmBuffer, allocate_checked
from vmvxjit.vm.cconv import CConv
from vmvxjit.vm.decoder import Instr, decode_function
from vmvxjit.vm.list import VALUE_TYPES
from vmvxjit.vm.module_def import ModuleDef, load_module_def
from vmvxjit.vm.register_banks import check_register_banks
from vmvxjit.vm.ref import REF_TYPES
from vmvxjit.vm import verified
from vmvxjit.vm.verifier import VerifyContext, verify_function, _pow2_at_least

ANY_TYPE = None  # `!vm.opaque`: any ref or value


@functools.cache
def _value_type_as_ref(name: str) -> type:
    """A class with value type `name`'s name that no ref is an instance of."""
    return type(f"{name}_as_ref", (), {"type_name": name})


@dataclass
class BytecodeFunction:
    """One internal function: its signature, frame size and decoded code."""

    ordinal: int
    name: str
    cconv: CConv
    i32_count: int
    ref_count: int
    instrs: list[Instr]
    attrs: dict = field(default_factory=dict)


def resolve_type_name(name: str):
    """A type-table name → a value type name, a ref class, or ANY_TYPE."""
    if name in VALUE_TYPES:
        return name
    if name in ("!vm.opaque", "!vm.ref<?>"):
        return ANY_TYPE
    bare = name[1:] if name.startswith("!") else name
    bare = bare.split("<", 1)[0]
    cls = REF_TYPES.get(bare)
    if cls is None:
        raise InvalidArgumentError(f"no type registered with name '{name}'")
    return cls


class BytecodeModule:
    """A verified bytecode module, ready to be registered in contexts."""

    def __init__(self, module_def: ModuleDef):
        self.module_def = module_def
        self.name = module_def.name
        self.version = module_def.version
        self.dependencies = module_def.dependencies
        self.imports = module_def.imports
        self.exports = {e.name: e.internal_ordinal for e in module_def.exports}
        self.rodata = [VmBuffer(np.asarray(seg), mutable=False) for seg in module_def.rodata]
        checked = verified.passed(module_def)
        self.functions = [self._load_function(i, checked) for i in range(len(module_def.functions))]
        if not checked:
            verified.remember(module_def)
        self._types = None

    @classmethod
    def load(cls, source) -> "BytecodeModule":
        return cls(load_module_def(source))

    def _verify_context(self) -> VerifyContext:
        md = self.module_def
        return VerifyContext(
            function_count=len(md.functions), import_count=len(md.imports),
            rodata_count=len(md.rodata), global_bytes=md.global_bytes,
            global_refs=md.global_refs, type_count=len(md.types),
            function_cconv=lambda i: md.signatures[i].cconv,
            import_cconv=lambda i: md.imports[i].cconv)

    def _load_function(self, ordinal: int, checked: bool) -> BytecodeFunction:
        """Decodes function `ordinal`, verifying it unless these bytes passed before
        (verified.py)."""
        md = self.module_def
        desc = md.functions[ordinal]
        name = md.function_name(ordinal)
        cconv = md.signatures[ordinal].cconv
        data = bytes(md.bytecode[desc.bytecode_offset:desc.bytecode_offset + desc.bytecode_length])
        try:
            if cconv is None:
                raise VerificationError("function has no calling convention")
            instrs = decode_function(data)
            if not checked:
                context = self._verify_context()
                verify_function(context, desc, cconv, instrs, len(data))
                check_register_banks(instrs, cconv, context, _pow2_at_least(desc.i32_register_count))
        except VerificationError as error:
            error.add_frame(f"{self.name}.{name}")
            raise
        return BytecodeFunction(
            ordinal, name, cconv, _pow2_at_least(desc.i32_register_count),
            _pow2_at_least(desc.ref_register_count), instrs, md.signatures[ordinal].attrs)

    def type_of(self, type_id: int):
        """The resolved type for a type-table index (value name, class or ANY_TYPE)."""
        if self._types is None:
            self._types = [resolve_type_name(t) for t in self.module_def.types]
        return self._types[type_id]

    def ref_type_of(self, type_id: int):
        """`type_of` for ops that move refs: a value type there (a corrupted module)
        becomes a class no ref is an instance of, so a non-null ref mismatches it, as
        IREE's null ref type does."""
        resolved = self.type_of(type_id)
        return _value_type_as_ref(resolved) if isinstance(resolved, str) else resolved

    def location(self, ordinal: int, pc: int) -> str:
        """`module.function+0x0042` plus the source location when known."""
        where = f"{self.name}.{self.functions[ordinal].name}+0x{pc:04X}"
        source = self.module_def.location(ordinal, pc)
        return f"{where} {source}" if source else where


class ModuleState:
    """One module's instance in a context: globals and resolved imports.

    `install_jit` (vm/jit/tier.py's JitTier.install, injected by the context)
    rewrites each prepared function's steps when `tier` is not `interp`;
    `allocations` is the context's AllocationLimit, which the globals and every
    `vm.buffer` the module allocates are charged to; `deadline` the context's
    Deadline (vm/deadline.py), which its code checks where it could loop forever."""

    def __init__(self, module: BytecodeModule, tier: str = "interp", jit_stats=None,
                 install_jit=None, allocations: AllocationLimit = UNLIMITED,
                 deadline: Deadline = NO_DEADLINE):
        self.module = module
        self.deadline = deadline
        self.tier = tier
        self.jit_stats = jit_stats
        self.install_jit = install_jit
        self.allocations = allocations
        md = module.module_def
        self.rwdata = allocations.allocate(md.global_bytes, zeroed, "module global bytes")
        self.rwdata_view = memoryview(self.rwdata)
        allocations.check(8 * md.global_refs, "module global refs")
        self.global_refs = allocate_checked(md.global_refs, _nones)
        self.imports: list = [None] * len(md.imports)
        self.prepared: dict = {}
        self.preparing = threading.Lock()     # held while a function is prepared


def _nones(count: int) -> list:
    return [None] * count
