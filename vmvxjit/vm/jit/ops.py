"""How the JIT translates each pure op: a Python/Numba expression per mnemonic.

`{0}`, `{1}`, `{2}` are the operand locals in field order. A `FAULTS` entry
is a condition under which the op must not run (integer division faults);
the generated code checks it first and reports the op (its index in
`FAULT_OPS`) and its operands, from which the interpreter's own function
raises the ArithmeticFault, message included, at the op's bytecode offset.
Integer locals are int64, f32 locals float32, f64 locals float64 (see
helpers.py). Code generators read them through `template()`, which resolves
vm.exp.f32 on first use (expf.py).
"""

from __future__ import annotations

_ELEMENT_BANKS = {"f32": "f32", "f64": "f64", "i64": "i64"}


def element_bank(code: str) -> str:
    """The register bank a `vm.buffer` element of `code` (f32, i8.u, ...) is loaded into."""
    return _ELEMENT_BANKS.get(code, "i32")


_INT = {
    "add": "{w}({0} + {1})", "sub": "{w}({0} - {1})", "mul": "{w}({0} * {1})",
    "fma": "{w}({0} * {1} + {2})",
    "and": "({0} & {1})", "or": "({0} | {1})", "xor": "({0} ^ {1})", "not": "(~{0})",
    "cmp.eq": "b2i({0} == {1})", "cmp.ne": "b2i({0} != {1})", "cmp.lt.s": "b2i({0} < {1})",
    "cmp.nz": "b2i({0} != 0)",
    "min.s": "({1} if {1} < {0} else {0})", "max.s": "({1} if {0} < {1} else {0})",
    "select": "({1} if {0} != 0 else {2})",
    "div.s": "{w}(tdiv({0}, {1}))", "rem.s": "trem({0}, {1})",
}

TEMPLATES: dict[str, str] = {}
FAULTS: dict[str, str] = {}

for _stem, _tmpl in _INT.items():
    head, _, rest = _stem.partition(".")
    for _width, _wrap in (("i32", "w32"), ("i64", "")):
        if head == "cmp" and rest in ("nz", "eq", "ne"):
            name = f"vm.{_stem}.{_width}"
        elif head == "cmp":
            name = f"vm.cmp.lt.{_width}.s"
        elif rest:
            name = f"vm.{head}.{_width}.{rest}"
        else:
            name = f"vm.{head}.{_width}"
        TEMPLATES[name] = _tmpl.replace("{w}", _wrap)

TEMPLATES.update({
    # i32 specifics (values are int64 holding a signed 32-bit value)
    "vm.div.i32.u": "w32(({0} & 0xFFFFFFFF) // ({1} & 0xFFFFFFFF))",
    "vm.rem.i32.u": "w32(({0} & 0xFFFFFFFF) % ({1} & 0xFFFFFFFF))",
    "vm.shl.i32": "w32({0} << ({1} & 31))",
    "vm.shr.i32.s": "({0} >> ({1} & 31))",
    "vm.shr.i32.u": "w32(({0} & 0xFFFFFFFF) >> ({1} & 31))",
    "vm.ctlz.i32": "ctlz_i32({0})",
    "vm.abs.i32": "w32(abs({0}))",
    "vm.min.i32.u": "({1} if ({1} & 0xFFFFFFFF) < ({0} & 0xFFFFFFFF) else {0})",
    "vm.max.i32.u": "({1} if ({0} & 0xFFFFFFFF) < ({1} & 0xFFFFFFFF) else {0})",
    "vm.cmp.lt.i32.u": "b2i(({0} & 0xFFFFFFFF) < ({1} & 0xFFFFFFFF))",
    "vm.trunc.i32.i8": "({0} & 0xFF)",
    "vm.trunc.i32.i16": "({0} & 0xFFFF)",
    "vm.ext.i8.i32.s": "sext8({0})",
    "vm.ext.i8.i32.u": "({0} & 0xFF)",
    "vm.ext.i16.i32.s": "sext16({0})",
    "vm.ext.i16.i32.u": "({0} & 0xFFFF)",
    # i64 specifics (int64 arithmetic wraps in LLVM)
    "vm.div.i64.u": "s64(u64({0}) // u64({1}))",
    "vm.rem.i64.u": "s64(u64({0}) % u64({1}))",
    "vm.shl.i64": "({0} << ({1} & 63))",
    "vm.shr.i64.s": "({0} >> ({1} & 63))",
    "vm.shr.i64.u": "s64(u64({0}) >> u64({1} & 63))",
    "vm.ctlz.i64": "ctlz_i64({0})",
    "vm.abs.i64": "({0} if {0} >= 0 else -{0})",
    "vm.min.i64.u": "({1} if u64({1}) < u64({0}) else {0})",
    "vm.max.i64.u": "({1} if u64({0}) < u64({1}) else {0})",
    "vm.cmp.lt.i64.u": "b2i(u64({0}) < u64({1}))",
    "vm.trunc.i64.i32": "w32({0})",
    "vm.ext.i32.i64.s": "{0}",
    "vm.ext.i32.i64.u": "({0} & 0xFFFFFFFF)",
})

FAULTS.update({
    "vm.div.i32.s": "{1} == 0 or ({0} == -2147483648 and {1} == -1)",
    "vm.rem.i32.s": "{1} == 0 or ({0} == -2147483648 and {1} == -1)",
    "vm.div.i64.s": "{1} == 0 or ({0} == INT64_MIN and {1} == -1)",
    "vm.rem.i64.s": "{1} == 0 or ({0} == INT64_MIN and {1} == -1)",
    "vm.div.i32.u": "({1} & 0xFFFFFFFF) == 0",
    "vm.rem.i32.u": "({1} & 0xFFFFFFFF) == 0",
    "vm.div.i64.u": "{1} == 0",
    "vm.rem.i64.u": "{1} == 0",
})
FAULT_OPS = tuple(sorted(FAULTS))

_FLOAT = {
    "add": "({0} + {1})", "sub": "({0} - {1})", "mul": "({0} * {1})", "div": "({0} / {1})",
    "rem": "{m}_remainder({0}, {1})", "fma": "({0} * {1} + {2})",
    "abs": "abs({0})", "neg": "(-{0})",
    "ceil": "{m}_ceil({0})", "floor": "{m}_floor({0})", "round": "{m}_round({0})",
    "round.even": "round_even_{t}({0})",
    "min": "({1} if {1} < {0} else {0})", "max": "({1} if {0} < {1} else {0})",
    "rsqrt": "({one} / {m}_sqrt({0}))",
    "cmp.eq.o": "b2i({0} == {1})", "cmp.eq.u": "b2i({0} != {0} or {1} != {1} or {0} == {1})",
    "cmp.ne.o": "b2i({0} != {1})", "cmp.ne.u": "b2i({0} != {1})",
    "cmp.lt.o": "b2i({0} < {1})", "cmp.lt.u": "b2i({0} != {0} or {1} != {1} or {0} < {1})",
    "cmp.lte.o": "b2i({0} <= {1})", "cmp.lte.u": "b2i({0} != {0} or {1} != {1} or {0} <= {1})",
    "cmp.nan": "b2i({0} != {0})",
    "select": "({1} if {0} != 0 else {2})",
}
for _name in ("atan", "cos", "sin", "exp", "exp2", "expm1", "log", "log10", "log1p", "log2",
              "tanh", "erf", "sqrt"):
    _FLOAT[_name] = "{m}_" + _name + "({0})"
for _name in ("atan2", "pow"):
    _FLOAT[_name] = "{m}_" + _name + "({0}, {1})"

for _stem, _tmpl in _FLOAT.items():
    for _t, _libm, _one in (("f32", "libm_f32", "np.float32(1.0)"), ("f64", "libm_f64", "1.0")):
        head, _, rest = _stem.partition(".")
        if head == "cmp" and rest == "nan":
            name = f"vm.cmp.nan.{_t}"
        elif head == "cmp":
            op, kind = rest.split(".")
            name = f"vm.cmp.{op}.{_t}.{kind}"
        elif head == "round" and rest:
            name = f"vm.round.{_t}.even"
        else:
            name = f"vm.{_stem}.{_t}"
        TEMPLATES[name] = _tmpl.replace("{m}", _libm).replace("{t}", _t).replace("{one}", _one)

TEMPLATES.update({
    "vm.cast.si32.f32": "np.float32({0})",
    "vm.cast.ui32.f32": "np.float32({0} & 0xFFFFFFFF)",
    "vm.cast.si64.f32": "np.float32({0})",
    "vm.cast.ui64.f32": "np.float32(u64({0}))",
    "vm.cast.f32.si32": "cast_f32_i32({0})",
    "vm.cast.f32.ui32": "cast_f32_i32({0})",
    "vm.cast.f32.si64": "llroundf({0})",
    "vm.cast.f32.ui64": "cast_f32_ui64({0})",
    "vm.bitcast.i32.f32": "bitcast_i32_f32({0})",
    "vm.bitcast.f32.i32": "bitcast_f32_i32({0})",
    "vm.cast.si32.f64": "np.float64({0})",
    "vm.cast.ui32.f64": "np.float64({0} & 0xFFFFFFFF)",
    "vm.cast.si64.f64": "np.float64({0})",
    "vm.cast.ui64.f64": "np.float64(u64({0}))",
    "vm.cast.f64.si32": "cast_f64_i32({0})",
    "vm.cast.f64.ui32": "cast_f64_i32({0})",
    "vm.cast.f64.si64": "llround({0})",
    "vm.cast.f64.ui64": "llround({0})",
    "vm.bitcast.i64.f64": "bitcast_i64_f64({0})",
    "vm.bitcast.f64.i64": "bitcast_f64_i64({0})",
    "vm.trunc.f64.f32": "np.float32({0})",
    "vm.fpowi.f32": "fpowi_f32({0}, {1})",
    "vm.fpowi.f64": "fpowi_f64({0}, {1})",
    "vm.ext.f32.f64": "np.float64({0})",
})


def template(mnemonic: str) -> str:
    """TEMPLATES[mnemonic], except that vm.exp.f32 calls the `expf` expf.choose() found to
    match libm when Numba compiles regions: the name is in the generated source, hence in
    its cache key. The LLVM code generator calls libm's expf itself (the bits it matches)."""
    from vmvxjit.vm.jit import switches

    if mnemonic == "vm.exp.f32" and switches.CODEGEN == "numba":
        from vmvxjit.vm.jit import expf  # imports Numba: only once exp is needed

        return expf.choose() + "({0})"
    return TEMPLATES[mnemonic]
