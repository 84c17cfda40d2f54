"""How the JIT writes each pure op: the templates and fault conditions of
vm/semantics.py's `OP_TABLE`, as the code generators read them.

A template is a Python/Numba expression over the operand locals `{0}`, `{1}`,
`{2}` (see semantics.Op). The generated code checks an op's `FAULTS` entry
first and reports the op (its index in `FAULT_OPS`) and its operands, from
which the interpreter's own function raises the ArithmeticFault, message
included, at the op's bytecode offset. Code generators read templates through
`template()`, which resolves vm.exp.f32 on first use (expf.py).
"""

from __future__ import annotations

from vmvxjit.vm.semantics import OP_TABLE

TEMPLATES = {m: op.template for m, op in OP_TABLE.items()}
FAULTS = {m: op.fault for m, op in OP_TABLE.items() if op.fault is not None}
FAULT_OPS = tuple(sorted(FAULTS))


def template(mnemonic: str) -> str:
    """TEMPLATES[mnemonic], except that vm.exp.f32 calls the `expf` expf.choose() found to
    match libm when Numba compiles regions: the name is in the generated source, hence in
    its cache key. The LLVM code generator calls libm's expf itself (the bits it matches)."""
    from vmvxjit.vm.jit import switches

    if mnemonic == "vm.exp.f32" and switches.CODEGEN == "numba":
        from vmvxjit.vm.jit import expf  # imports Numba: only once exp is needed

        return expf.choose() + "({0})"
    return TEMPLATES[mnemonic]
