"""Facts the ISA table's rows give the rest of the VM."""

from vmvxjit.vm import isa


def test_result_bank_comes_from_the_written_field():
    assert isa.BY_MNEMONIC["vm.const.f32"].result_bank == "f32"
    assert isa.BY_MNEMONIC["vm.switch.i64"].result_bank == "i64"
    assert isa.BY_MNEMONIC["vm.br"].result_bank is None


def test_numeric_ops_leave_out_ref_forms():
    assert isa.numeric_ops("vm.switch.") == {"vm.switch.i32", "vm.switch.i64", "vm.switch.f32", "vm.switch.f64"}
