"""Which bindings a VMVX export may write, read from its bytecode.

Nothing in an executable says which of its bindings a dispatch writes, and IREE
3.13 does write arguments in place (a slice inserted into an argument's own
buffer, read by the next dispatch into a new result), so the host side may pass a
caller's array to a dispatch without a copy only where the code shows the
binding is only read. A VMVX export gets each binding from its bindings list
(`vm.list.get.ref` at a constant index, as iree-compile emits it); the bindings
it may write are those from which a register reaches a store, fill or copy
target, a kernel's output (a vmvx kernel writes its last buffer operand and reads
the others), a call, a global or a list: read_only_arguments' analysis, per list
element.
"""

from __future__ import annotations

from vmvxjit.hal_inline.read_only_arguments import may_escape, ref_steps
from vmvxjit.kernels.module import EXPORTS
from vmvxjit.vm.jit.dataflow import const_write, constants, entry_constants, writes
from vmvxjit.vm.jit.regions import split_blocks

BINDINGS_POSITION = 2       # of an export's ref arguments (local memory, constants, bindings)
KERNELS = frozenset(f"vmvx.{row.name}" for row in EXPORTS if "r" in row.cconv)


def written_bindings(module, ordinal: int) -> frozenset | None:
    """The binding indices function `ordinal` of `module` (an export of a VMVX
    executable) may write; None when it gets a binding at an index that is not a
    known constant there, so any may be written."""
    function = module.functions[ordinal]
    indices = _binding_indices(function)
    if indices is None:
        return None
    imports = [i.full_name for i in module.imports]
    register = [pos for pos, ch in enumerate(function.cconv.args) if ch == "r"].index(BINDINGS_POSITION)
    at = {instr.pc: i for i, instr in enumerate(function.instrs)}
    gets = {at[pc]: k for pc, k in indices.items()}
    return frozenset(k for k in set(gets.values())
                     if may_escape(ref_steps(function.instrs, imports, lambda i, k=k: gets[i] == k, KERNELS),
                                   register))


def _binding_indices(function) -> dict | None:
    """pc -> the constant index of each `vm.list.get.ref` (dataflow's constants at its
    block's start, then the block's own writes), or None if one is not known."""
    blocks = split_blocks(function.instrs)
    everywhere = constants(blocks)
    at_start = entry_constants(blocks, skip=everywhere)
    found = {}
    for block in blocks:
        known = {**everywhere, **at_start.get(block.pc, {})}
        for instr in block.instrs:
            if instr.op.mnemonic == "vm.list.get.ref":
                bank, value = known.get(instr.args[1], (None, None))
                if bank != "i32":
                    return None
                found[instr.pc] = value
            value = const_write(instr)
            for slot in writes(instr):
                known.pop(slot, None)
                if value is not None:
                    known[slot] = value
    return found
