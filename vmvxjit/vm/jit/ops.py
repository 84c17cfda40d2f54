"""How the JIT writes each pure op: the templates and fault conditions of
vm/semantics.py's `OP_TABLE`, as the code generators read them.

A template is a Python/Numba expression over the operand locals `{0}`, `{1}`,
`{2}` (see semantics.Op). The generated code checks an op's `FAULTS` entry
first and reports the op (its index in `FAULT_OPS`) and its operands, from
which the interpreter's own function raises the ArithmeticFault, message
included, at the op's bytecode offset. Code generators read templates through
`template()`, which resolves vm.exp.f32 on first use (expf.py, llvm_expf.py).
"""

from __future__ import annotations

from vmvxjit.vm.semantics import OP_TABLE

TEMPLATES = {m: op.template for m, op in OP_TABLE.items()}
FAULTS = {m: op.fault for m, op in OP_TABLE.items() if op.fault is not None}
FAULT_OPS = tuple(sorted(FAULTS))


def template(mnemonic: str) -> str:
    """TEMPLATES[mnemonic], except that vm.exp.f32 calls the `expf` found to match this
    process's libm by the code generator in use: its name is in the generated source,
    hence in its cache key. Numba's check (expf.py) imports Numba; the LLVM code
    generator's (llvm_expf.py) runs cached machine code. A region LLVM does not translate
    falls back to Numba with the same name: both compile the same text."""
    if mnemonic != "vm.exp.f32":
        return TEMPLATES[mnemonic]
    from vmvxjit.vm.jit import switches

    if switches.CODEGEN == "numba":
        from vmvxjit.vm.jit import expf  # imports Numba: only once exp is needed

        return expf.choose() + "({0})"
    from vmvxjit.vm.jit import llvm_expf

    return llvm_expf.choose() + "({0})"
