"""Load-time verification of decoded bytecode, mirroring IREE's verifier.

Nothing executes before this passes: every register is in range and in the
right bank (64-bit values even-aligned), MOVE bits only where allowed,
function/import/rodata/global/type ordinals exist, branch targets are block
markers, branch operand remaps stay within a register bank, every op sits
inside a block and every block ends in a terminator, call operand lists match
the callee's calling convention and return operand lists the function's own
results, and ext_f32/ext_f64 ops only appear in functions that declare those
features.
"""

from __future__ import annotations

from typing import NamedTuple

from vmvxjit.errors import ModuleFormatError, VerificationError
from vmvxjit.vm import isa
from vmvxjit.vm.cconv import frame_layout
from vmvxjit.vm.decoder import Instr

FEATURE_EXT_F32 = 1
FEATURE_EXT_F64 = 2
_SET_FEATURES = {"ext_f32": FEATURE_EXT_F32, "ext_f64": FEATURE_EXT_F64}

TERMINATORS = frozenset({
    "vm.br", "vm.cond_br", "vm.br_table", "vm.call.yieldable", "vm.call.variadic.yieldable",
    "vm.return", "vm.fail", "vm.yield", "vm.break", "vm.cond_break",
})
_GLOBAL_WIDTHS = {"i32": 4, "f32": 4, "i64": 8, "f64": 8}
# iree-compile 3.13 encodes vm.global.load.indirect.f32 as the f64 op with an odd
# result register; the 3.13 runtime accepts it (see steps_memory), so we do too.
MISENCODED_F32_LOAD = ("vm.global.load.indirect.f64", "result", 1)


def _register(raw: int) -> str:
    return f"%r{raw & isa.REF_MASK}" if raw & isa.REF_BIT else f"%i{raw}"


def _pow2_at_least(n: int) -> int:
    n = max(1, n)
    return 1 << (n - 1).bit_length()


CCONV_BANKS = {"i": "i32", "f": "f32", "I": "i64", "F": "f64", "r": "ref"}


def cconv_banks(items, registers, segments=None):
    """(register, bank) for each value a register list passes for cconv `items`
    (spans repeat `segments[position]` times); underflows are VerificationErrors."""
    index = 0
    for position, item in enumerate(items):
        if len(item) == 1:
            chars = item
            repeat = 1
        else:
            if segments is None:
                raise VerificationError("function is variadic but no segment size list provided")
            if position >= len(segments):
                raise VerificationError(
                    f"segment size list underflow (have {len(segments)}, "
                    f"trying to access {position})")
            chars, repeat = item[1:], segments[position]
        for _ in range(repeat):
            for ch in chars:
                if index >= len(registers):
                    raise VerificationError(
                        f"register list underflow (have {len(registers)}, trying to access {index})")
                yield registers[index], CCONV_BANKS[ch]
                index += 1


class VerifyContext(NamedTuple):
    """What the verifier needs to know about the enclosing module."""

    function_count: int
    import_count: int
    rodata_count: int
    global_bytes: int
    global_refs: int
    type_count: int
    function_cconv: object      # ordinal -> CConv (internal functions)
    import_cconv: object        # ordinal -> CConv or None


class _FunctionVerifier:
    def __init__(self, ctx: VerifyContext, descriptor, cconv):
        self.ctx = ctx
        self.descriptor = descriptor
        self.cconv = cconv
        self.i32_count = _pow2_at_least(descriptor.i32_register_count)
        self.ref_count = _pow2_at_least(descriptor.ref_register_count)
        if self.i32_count > isa.I32_MASK or self.ref_count > isa.REF_MASK:
            raise VerificationError("register count overflow")

    # registers ---------------------------------------------------------------

    def reg32(self, raw: int, what: str = "i32") -> None:
        if raw & isa.REF_BIT:
            raise VerificationError(f"{what} register required but ref register {raw} provided")
        if raw >= self.i32_count:
            raise VerificationError(f"{what} register ordinal {raw} out of range {self.i32_count}")

    def reg64(self, raw: int, what: str = "i64") -> None:
        if raw & isa.REF_BIT:
            raise VerificationError(f"{what} register required but ref register {raw} provided")
        if raw & 1:
            raise VerificationError(f"{what} register ordinal {raw} not 8-byte aligned")
        if raw + 1 >= self.i32_count:
            raise VerificationError(
                f"{what} register ordinal {raw}:{raw + 1} out of range {self.i32_count}")

    def reg_ref(self, raw: int, allow_move: bool = True) -> None:
        if not raw & isa.REF_BIT:
            raise VerificationError(f"ref register required but non-ref {raw} provided")
        if raw & isa.REF_MASK >= self.ref_count:
            raise VerificationError(
                f"ref register ordinal {raw & isa.REF_MASK} out of range {self.ref_count}")
        if not allow_move and raw & isa.MOVE_BIT:
            raise VerificationError("ref register has MOVE bit but op does not support MOVE")

    def reg_any(self, raw: int) -> None:
        if raw & isa.REF_BIT:
            self.reg_ref(raw)
        elif raw >= self.i32_count:
            raise VerificationError(f"i32 register ordinal {raw} out of range {self.i32_count}")

    def reg_of_bank(self, raw: int, bank: str, allow_move: bool = True) -> None:
        if bank in ("i32", "f32"):
            self.reg32(raw, bank)
        elif bank in ("i64", "f64"):
            self.reg64(raw, bank)
        elif bank == "ref":
            self.reg_ref(raw, allow_move)
        else:
            self.reg_any(raw)

    def cconv_registers(self, items, registers, segments=None) -> None:
        """IREE's check that a register list supplies every cconv slot."""
        for raw, bank in cconv_banks(items, registers, segments):
            self.reg_of_bank(raw, bank)

    # fields -------------------------------------------------------------------

    def field(self, instr: Instr, field: isa.Field, value, targets: list) -> None:
        kind = field.kind
        if field.is_register and (instr.op.mnemonic, field.name, value & 1) == MISENCODED_F32_LOAD:
            self.reg32(value + 1, "f32 (misencoded as f64)")
        elif field.is_register:
            self.reg_of_bank(value, field.bank, field.allows_move)
        elif kind.startswith(("list<", "rlist<")):
            element = kind[kind.index("<") + 1:-1]
            if element != "u16":
                for raw in value:
                    self.reg_of_bank(raw, element.split("/")[0], element.endswith("/mv") or element == "any")
        elif kind == "remap":
            self._remap(value)
        elif kind == "pc:u32":
            targets.append(value)
        elif kind == "cases[table_size]":
            for pc, remap in value:
                targets.append(pc)
                self._remap(remap)
        elif kind == "func:u32":
            self._func(value)
        elif kind == "rodata:u32":
            if value >= self.ctx.rodata_count:
                raise VerificationError(
                    f"rodata ref ordinal out of range: {value} (table={self.ctx.rodata_count})")
        elif kind == "type:u32":
            if value >= self.ctx.type_count:
                raise VerificationError(
                    f"type id ordinal out of range: {value} (table={self.ctx.type_count})")
        elif kind == "global:u32":
            self._global(instr, value)

    def _remap(self, pairs) -> None:
        for src, dst in pairs:
            self.reg_any(src)
            self.reg_any(dst)
            if (src ^ dst) & isa.REF_BIT:
                # Stricter than IREE, which masks the destination into the source's bank:
                # no compiler emits a pair that crosses banks.
                raise VerificationError(
                    f"branch operand remap crosses register banks ({_register(src)} -> "
                    f"{_register(dst)})")

    def _func(self, value: int) -> None:
        if value & isa.IMPORT_BIT:
            index = value & ~isa.IMPORT_BIT
            if index >= self.ctx.import_count:
                raise VerificationError(
                    f"import ordinal {index} out of range {self.ctx.import_count}")
        elif value >= self.ctx.function_count:
            raise VerificationError(
                f"function ordinal {value} out of range {self.ctx.function_count}")

    def _global(self, instr: Instr, value: int) -> None:
        kind = instr.op.mnemonic.rsplit(".", 1)[-1]
        if kind == "ref":
            if value >= self.ctx.global_refs:
                raise VerificationError(
                    f"global ref ordinal out of range: {value} (table={self.ctx.global_refs})")
        elif value + _GLOBAL_WIDTHS[kind] > self.ctx.global_bytes:
            raise VerificationError(
                f"global byte_offset out of range: {value} (rwdata={self.ctx.global_bytes})")

    def call(self, instr: Instr) -> None:
        callee = instr.arg("callee_ordinal")
        segments = instr.arg("segment_sizes") if "variadic" in instr.op.mnemonic else None
        if callee & isa.IMPORT_BIT:
            cconv = self.ctx.import_cconv(callee & ~isa.IMPORT_BIT)
            if cconv is None:
                return
        else:
            if segments is not None:
                raise VerificationError("variadic calls to internal functions are not supported")
            cconv = self.ctx.function_cconv(callee)
        self.cconv_registers(cconv.args, instr.arg("operands"), segments)
        self.cconv_registers(cconv.results, instr.arg("results"))

    # whole function ------------------------------------------------------------

    def run(self, instrs: list[Instr], length: int) -> None:
        required = self.descriptor.requirements
        if self.descriptor.block_count == 0:
            raise VerificationError("no blocks defined; functions must have at least one block")
        in_block = False
        blocks: set[int] = set()
        targets: list[int] = []
        for instr in instrs:
            try:
                is_block = instr.op.opcode == isa.BLOCK_MARKER and instr.op.set == "core"
                if not in_block and not is_block:
                    raise VerificationError(f"op at pc {instr.pc:08X} is not in a block")
                if in_block and is_block:
                    raise VerificationError(
                        f"op at pc {instr.pc:08X} is a block while still in a block")
                if is_block:
                    blocks.add(instr.pc)
                    in_block = True
                    continue
                feature = _SET_FEATURES.get(instr.op.set, 0)
                if feature and not required & feature:
                    raise VerificationError(
                        f"{instr.op.mnemonic} requires the {instr.op.set.upper()} feature "
                        "which the function does not declare")
                for field, value in zip(instr.op.fields, instr.args):
                    self.field(instr, field, value, targets)
                if instr.op.mnemonic in ("vm.call", "vm.call.variadic", "vm.call.yieldable",
                                         "vm.call.variadic.yieldable"):
                    self.call(instr)
                elif instr.op.mnemonic == "vm.return":
                    self.cconv_registers(self.cconv.results, instr.arg("operands"))
                if instr.op.mnemonic in TERMINATORS:
                    in_block = False
            except VerificationError as error:
                error.add_frame(f"pc {instr.pc:08X}")
                raise
        if in_block:
            raise VerificationError("function missing terminator in the last block")
        for target in targets:
            if target not in blocks:
                raise VerificationError(f"block at pc {target:08X} not defined in bytecode")
        if len(blocks) != self.descriptor.block_count:
            raise VerificationError(
                f"function declares {self.descriptor.block_count} blocks but has {len(blocks)}")


def verify_function(ctx: VerifyContext, descriptor, cconv, instrs: list[Instr], length: int) -> None:
    """Raises VerificationError if the decoded function breaks any rule."""
    verifier = _FunctionVerifier(ctx, descriptor, cconv)
    try:
        _, args_i32, args_ref = frame_layout(cconv.args)
    except ModuleFormatError as error:
        raise VerificationError(error.message) from None
    if verifier.i32_count < args_i32 or verifier.ref_count < args_ref:
        raise VerificationError("insufficient register storage for function arguments/results")
    verifier.run(instrs, length)
