"""The branches region code runs, and the edges each one's operands encode.

One table: per branch mnemonic, a function of the decoded operands giving the
edges in order, each `(destination pc, remap pairs)`. Successors, the remaps a
branch copies and the remaps on one edge (dataflow) all read it. The other
terminators (calls that yield, return, fail, yield, break) leave a region.
"""

from __future__ import annotations

EDGES = {
    "vm.br": lambda args: [(args[0], args[1])],
    "vm.cond_br": lambda args: [(args[1], args[2]), (args[3], args[4])],
    "vm.br_table": lambda args: [(args[1], args[2]), *args[4]],
}
BRANCH_OPS = frozenset(EDGES)


def edges(instr) -> list:
    """`instr`'s (destination pc, remap pairs) per edge; none for a non-branch."""
    edges_of = EDGES.get(instr.op.mnemonic)
    return edges_of(instr.args) if edges_of else []


def targets(instr) -> list:
    return [pc for pc, _ in edges(instr)]


def remaps(instr) -> list:
    """The (source, destination) register pairs a branch copies, per successor."""
    return [pairs for _, pairs in edges(instr)]


def edge_pairs(terminator, target: int) -> list:
    """The remap pair lists on the edges from `terminator` to `target`."""
    return [pairs for pc, pairs in edges(terminator) if pc == target]
