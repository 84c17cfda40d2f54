"""The branch table: each branch's edges read from its operands in field order."""

from vmvxjit.vm import isa
from vmvxjit.vm.decoder import Instr
from vmvxjit.vm.jit import branches
from vmvxjit.vm.verifier import TERMINATORS


def _instr(mnemonic, *args):
    return Instr(0, 0, isa.BY_MNEMONIC[mnemonic], args)


def test_branches_are_terminators_with_destinations():
    assert branches.BRANCH_OPS <= TERMINATORS
    for mnemonic in branches.BRANCH_OPS:
        kinds = [f.kind for f in isa.BY_MNEMONIC[mnemonic].fields]
        assert any(k == "pc:u32" for k in kinds), mnemonic


def test_edges_targets_and_remaps_of_each_branch():
    br = _instr("vm.br", 40, ((1, 2),))
    cond = _instr("vm.cond_br", 7, 40, (), 60, ((3, 4),))
    table = _instr("vm.br_table", 7, 80, ((5, 6),), 2, ((40, ()), (60, ((1, 1),))))
    assert branches.edges(br) == [(40, ((1, 2),))]
    assert branches.targets(cond) == [40, 60]
    assert branches.remaps(cond) == [(), ((3, 4),)]
    assert branches.targets(table) == [80, 40, 60]
    assert branches.edge_pairs(table, 60) == [((1, 1),)]
    assert branches.edges(_instr("vm.return", ())) == []

