"""Which internal functions compile on their own, so compiled code can call them natively.

IREE inlines everything it compiles from linalg, but VM code written by hand
(or with `inlining_policy = never`) keeps internal calls, and a loop calling
a small function would otherwise never be compiled. A function *compiles*
(is a callee) when:

* every block is region code (regions.COMPILABLE ops, remaps of numeric
  registers only) ending in a branch or `vm.return`, and its internal calls
  call callees; `vm.discard.refs` (IREE drops ref arguments after their last
  use) is allowed and does nothing: the caller keeps its refs, the callee's
  frame drops them on return anyway, and nothing reads a discarded register;
* it takes numbers and buffer refs, returns numbers, and reads no ref
  register but its arguments: every buffer it touches is one its caller
  already holds, so the caller's checks (regions.py) cover it;
* it is not recursive, directly or through a cycle, and calls nest at most
  MAX_NATIVE_DEPTH deep (each level adds a frame to a fault's `err`). Native
  calls do not count towards the interpreter's MAX_CALL_DEPTH frames.

`analyze` decides this once per module; callee_code.py generates the
functions. For `--trace`, `call_notes` names the calls a compiled region
makes natively and `interpreted_calls` says why the others are not.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from vmvxjit.vm import isa
from vmvxjit.vm.cconv import frame_layout
from vmvxjit.vm.jit.branches import BRANCH_OPS, remaps
from vmvxjit.vm.jit.regions import COMPILABLE, MAX_REGION_BLOCKS, split_blocks

CCONV_BANKS = {"i": "i32", "I": "i64", "f": "f32", "F": "f64"}
MAX_NATIVE_DEPTH = 8
CALLEE_OPS = COMPILABLE | {"vm.discard.refs"}
_ANALYZED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Callee:
    """An internal function that compiles as its own Numba function."""

    ordinal: int
    function: object      # the BytecodeFunction
    calls: tuple          # ordinals of the callees it calls
    depth: int            # call levels from it down, itself included

    @property
    def cconv(self):
        return self.function.cconv

    @property
    def fn_name(self) -> str:
        return f"callee_{self.ordinal}"


def analyze(module) -> dict:
    """Ordinal -> Callee, or the reason (str) the function does not compile."""
    found = _ANALYZED.get(module)
    if found is None:
        found = {}
        local = {f.ordinal: _local(f) for f in module.functions}
        for ordinal in local:
            _resolve(ordinal, module.functions, local, found, [])
        _ANALYZED[module] = found
    return found


def native(module) -> dict:
    """Ordinal -> Callee for the functions that compile."""
    return {o: c for o, c in analyze(module).items() if isinstance(c, Callee)}


def _local(function):
    """The internal functions `function` calls, or why its own code does not compile."""
    cconv = function.cconv
    if any(ch not in "iIfFr" for ch in cconv.args):
        return "takes a variadic span"
    if any(ch not in CCONV_BANKS for ch in cconv.results):
        return "returns a ref"
    blocks = split_blocks(function.instrs)
    if len(blocks) > MAX_REGION_BLOCKS:
        return f"more than {MAX_REGION_BLOCKS} blocks"
    arguments = {slot for ch, slot in frame_layout(cconv.args)[0] if ch == "r"}
    calls = []
    for block in blocks:
        for instr in block.instrs:
            m = instr.op.mnemonic
            if m == "vm.call" and not instr.args[0] & isa.IMPORT_BIT:
                calls.append(instr.args[0])
            elif m not in CALLEE_OPS and not (m == "vm.return" and instr is block.terminator):
                return f"{m} at {instr.pc:08X}"
            if any((raw & isa.REF_MASK) not in arguments for raw in _refs_read(instr)):
                return f"reads a ref that is not an argument at {instr.pc:08X}"
        if block.terminator.op.mnemonic not in BRANCH_OPS | {"vm.return"}:
            return f"block at {block.pc:08X} ends in {block.terminator.op.mnemonic}"
        if any(s & isa.REF_BIT for pairs in remaps(block.terminator) for s, _ in pairs):
            return f"moves refs on the branch at {block.terminator.pc:08X}"
    return tuple(calls)


def _refs_read(instr) -> list:
    raws = [v for f, v in zip(instr.op.fields, instr.args) if f.is_register and f.bank == "ref"]
    if instr.op.mnemonic == "vm.call":
        raws += [r for r in instr.args[1] if r & isa.REF_BIT]
    return raws


def _resolve(ordinal: int, functions, local: dict, found: dict, path: list):
    """found[ordinal]: a Callee when its code and every callee below it compile."""
    if ordinal in found:
        return found[ordinal]
    if ordinal in path:
        cycle = path[path.index(ordinal):] + [ordinal]
        why = "recursive (" + " -> ".join(f"@{functions[o].name}" for o in cycle) + ")"
        for member in cycle:
            found[member] = why
        return why
    calls = local[ordinal]
    if isinstance(calls, str):
        found[ordinal] = calls
        return calls
    path.append(ordinal)
    depth = 1
    for callee in calls:
        verdict = _resolve(callee, functions, local, found, path)
        if ordinal in found:          # a cycle through it was found below
            break
        if isinstance(verdict, str):   # name the function where it starts, and why
            found[ordinal] = (verdict if verdict.startswith("calls @") else
                              f"calls @{functions[callee].name}, which does not compile: {verdict}")
            break
        depth = max(depth, verdict.depth + 1)
    path.pop()
    if ordinal not in found:
        found[ordinal] = (Callee(ordinal, functions[ordinal], tuple(dict.fromkeys(calls)), depth)
                          if depth <= MAX_NATIVE_DEPTH
                          else f"calls nest more than {MAX_NATIVE_DEPTH} deep")
    return found[ordinal]


def call_notes(region) -> list:
    """`--trace` lines for the calls a compiled region makes natively."""
    return [f"call at {i.pc:08X} to @{region.callees[i.args[0]].function.name}: native call"
            for b in region.blocks for i in b.instrs if i.op.mnemonic == "vm.call"]


def interpreted_calls(module, function, regions: list) -> list:
    """For `--trace`: (function, pc, callee, why) for each internal call of `function`
    that compiled code does not make."""
    verdicts = analyze(module)
    in_regions = {b.pc for r in regions for b in r.blocks}
    rows = []
    for block in split_blocks(function.instrs):
        for instr in block.instrs:
            if not instr.op.mnemonic.startswith("vm.call") or instr.args[0] & isa.IMPORT_BIT:
                continue
            verdict = verdicts[instr.args[0]]
            if isinstance(verdict, str):
                why = f"the callee does not compile: {verdict}"
            elif instr.op.mnemonic != "vm.call":
                why = f"{instr.op.mnemonic} is not compiled"
            elif block.pc not in in_regions:
                why = "not inside a loop region"
            else:
                continue
            rows.append((function.name, instr.pc, module.functions[instr.args[0]].name, why))
    return rows
