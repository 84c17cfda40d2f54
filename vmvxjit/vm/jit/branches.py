"""The branches region code runs, and the edges each one takes.

A branch's edges, `(destination pc, remap pairs)` in field order, come from its
ISA row (`decoder.Instr.edges`); successors, the remaps a branch copies and the
remaps on one edge (dataflow) are read from them. The other terminators with a
destination (calls that yield, yield, break) leave a region.
"""

from __future__ import annotations

BRANCH_OPS = frozenset({"vm.br", "vm.cond_br", "vm.br_table"})


def edges(instr) -> list:
    """`instr`'s (destination pc, remap pairs) per edge; none for a non-branch."""
    return instr.edges() if instr.op.mnemonic in BRANCH_OPS else []


def targets(instr) -> list:
    return [pc for pc, _ in edges(instr)]


def remaps(instr) -> list:
    """The (source, destination) register pairs a branch copies, per successor."""
    return [pairs for _, pairs in edges(instr)]


def edge_pairs(terminator, target: int) -> list:
    """The remap pair lists on the edges from `terminator` to `target`."""
    return [pairs for pc, pairs in edges(terminator) if pc == target]
