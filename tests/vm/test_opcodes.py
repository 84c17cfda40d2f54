"""Per-opcode VM tests: small hand-written ``vm.module`` programs, one file per opcode family.

Each ``tests/vm/opcodes/*.mlir`` file is compiled with ``iree-compile --compile-mode=vm`` and carries
its own test cases as comment lines next to the functions they exercise::

    // CASE: add(2147483647, 1) -> i32=-2147483648
    // CASE: two_results(3) -> i32=3, i64=-1
    // ERROR: load_oob(4) -> OUT_OF_RANGE; out-of-bounds access detected
    // CRASH: div_s(1, 0)
    // LOAD_ERROR: cond_break(1) -> OUT_OF_RANGE; bytecode data overrun

* ``CASE``: exported function, its scalar ``--input`` values, and the result values exactly as
  ``iree-run-module`` prints them (``result[i]: <value>``), recorded from IREE 3.13.
* ``ERROR``: IREE exits 1 and its stderr contains the text after ``->``; vmvxjit must do the same.
* ``CRASH``: undefined behaviour in IREE -- it dies (SIGFPE for integer division by zero and
  INT_MIN / -1, SIGSEGV for a negative global offset) or silently reads outside a buffer (negative
  element index) -- so IREE is *not* run; vmvxjit must exit 1 with an error message instead.
* ``LOAD_ERROR``: IREE refuses to load the module (exit 1 before ``EXEC``; its stderr contains the
  text); vmvxjit must also exit 1 without printing ``EXEC`` (its message may differ).

A file containing ``// TOLERANCE-ULPS: n`` (the libm math files) compares float results within
n ulps (and their raw-bit companions within n units, NaN matching NaN); all else is exact.

Floats are printed by iree-run-module with C ``%g`` (6 significant digits), so float functions
also return the raw bits (``vm.bitcast``) to make the comparison bit-exact.

Tests:

* ``test_opcode[...]``       vmvxjit's stdout equals the recorded IREE output (no IREE needed;
  each case at the default tier, a fixed sample also at ``--tier=jit``; ``VMVXJIT_TIERS=interp,jit``
  runs every case at each listed tier: ``tests/support/tiers.py``).
* ``test_opcode_error[...]`` vmvxjit exits 1 with IREE's key error text (and, for CRASH, some error).
* ``test_iree_agrees[...]``  re-runs iree-run-module and checks the recording is still right.
* ``test_opcode_coverage``   decodes the bytecode of every compiled module (FlatBuffer function
  descriptors + the operand layouts of vmvxjit's ISA table; ``iree-dump-module`` cannot disassemble
  ``switch.ref``) and checks every opcode appears, except the documented :data:`NOT_COVERED` ones.

To (re-)record expectations after editing a file::

    python -m tests.vm.test_opcodes --record [file.mlir ...]

which rewrites the ``-> ...`` part of CASE lines (and of ERROR lines written as ``-> ?``).
"""

from __future__ import annotations

import functools
import math
import re
import shutil
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

if __package__ in (None, ""):  # allow `python tests/vm/test_opcodes.py --record`
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support import modules
from tests.support.oracle import floats_close, run_iree, run_vmvxjit
from tests.support.tiers import with_tiers

OPCODES_DIR = Path(__file__).resolve().parent / "opcodes"

# --compile-mode=vm takes hand-written vm.module IR.  f64 ops need the f64 extension.
VM_FLAGS = ["--compile-mode=vm", "--iree-vm-target-extension-f64"]

# Opcodes of the ISA table that no test here executes, and why (all verified with 3.13).
NOT_COVERED = {
    "vm.cast.f64.si32": "no such op in the 3.13 VM dialect (runtime ISA only)",
    "vm.cast.f64.ui32": "no such op in the 3.13 VM dialect (runtime ISA only)",
    "vm.cast.si32.f64": "no such op in the 3.13 VM dialect ('custom op is unknown')",
    "vm.cast.ui32.f64": "no such op in the 3.13 VM dialect ('custom op is unknown')",
    "vm.global.load.indirect.f32": "3.13 encodes vm.global.load.indirect.f32 as E1 02 "
                                   "(global.load.indirect.f64); see globals.mlir load_indirect_f32",
    "vm.cond_break": "3.13 encodes it without the condition operand; the runtime rejects the module "
                     "(cond_break.mlir checks that vmvxjit rejects it too)",
    "vm.yield": "compiles, but iree-run-module spins forever on the yielded invocation (no oracle)",
    "vm.call.yieldable": "needs an import marked vm.yield; no native module available to "
                         "iree-run-module has one",
    "vm.call.variadic.yieldable": "as vm.call.yieldable",
}

_LINE = re.compile(
    r"^\s*//\s*(?P<kind>CASE|ERROR|CRASH|LOAD_ERROR):\s*(?P<fn>[A-Za-z_][\w$]*)\((?P<args>[^)]*)\)"
    r"(?:\s*->\s*(?P<expect>.*?))?\s*$")


@dataclass(frozen=True)
class OpCase:
    file: str
    line: int
    kind: str                 # CASE / ERROR / CRASH / LOAD_ERROR
    function: str
    inputs: tuple[str, ...]
    expect: str | None        # CASE: "i32=1, i64=2"; ERROR: key text; CRASH: None

    @property
    def id(self) -> str:
        return f"{Path(self.file).stem}:{self.function}({','.join(self.inputs)})"

    def expected_stdout(self) -> str:
        assert self.kind == "CASE" and self.expect is not None
        values = [] if self.expect in ("", "()") else [v.strip() for v in self.expect.split(", ")]
        body = "".join(f"result[{i}]: {v}\n" for i, v in enumerate(values))
        return f"EXEC @{self.function}\n{body}"


def parse_cases(path: Path) -> list[OpCase]:
    out = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        m = _LINE.match(line)
        if not m:
            if re.match(r"^\s*//\s*(CASE|ERROR|CRASH|LOAD_ERROR)\b", line):
                raise ValueError(f"{path.name}:{n}: malformed case line: {line!r}")
            continue
        args = m.group("args").strip()
        inputs = tuple(a.strip() for a in args.split(",")) if args else ()
        out.append(OpCase(path.name, n, m.group("kind"), m.group("fn"), inputs, m.group("expect")))
    return out


def tolerance_ulps(file: str) -> int | None:
    m = re.search(r"//\s*TOLERANCE-ULPS:\s*(\d+)", (OPCODES_DIR / file).read_text())
    return int(m.group(1)) if m else None


def all_files() -> list[Path]:
    return sorted(OPCODES_DIR.glob("*.mlir"))


ALL_CASES = [c for f in all_files() for c in parse_cases(f)]


@functools.lru_cache(maxsize=None)
def compiled(file: str) -> Path:
    return modules.compile_mlir((OPCODES_DIR / file).read_text(), VM_FLAGS)


requires_iree = pytest.mark.skipif(shutil.which("iree-run-module") is None,
                                   reason="iree-run-module not on PATH")


# ------------------------------------------------------------------------------------------------
# Comparison
# ------------------------------------------------------------------------------------------------

def _scalar_close(expected: str, actual: str, ulps: int) -> bool:
    """`f32=…`/`f64=…` within ulps (printed with %g), `i32=…`/`i64=…` raw bits within ulps units
    (the bit patterns of nearby floats of one sign differ by the ulp distance; NaN == NaN)."""
    if expected == actual:
        return True
    et, _, ev = expected.partition("=")
    at, _, av = actual.partition("=")
    if et != at:
        return False
    if et in ("f32", "f64"):
        return floats_close(ev, av, et, ulps)
    if et in ("i32", "i64"):
        try:
            a, b = int(ev), int(av)
        except ValueError:
            return False
        fmt, ifmt = ("<f", "<i") if et == "i32" else ("<d", "<q")
        fa = struct.unpack(fmt, struct.pack(ifmt, a))[0]
        fb = struct.unpack(fmt, struct.pack(ifmt, b))[0]
        if math.isnan(fa) and math.isnan(fb):
            return True
        return abs(a - b) <= ulps
    return False


def assert_matches(case: OpCase, out: str) -> None:
    expected = case.expected_stdout()
    if out == expected:
        return
    ulps = tolerance_ulps(case.file)
    el, ol = expected.splitlines(), out.splitlines()
    if ulps is not None and len(el) == len(ol) and el[0] == ol[0]:
        ok = True
        for e, o in zip(el[1:], ol[1:]):
            pe, ve = e.split(": ", 1)
            po, vo = o.split(": ", 1) if ": " in o else ("", o)
            ok &= pe == po and _scalar_close(ve, vo, ulps)
        if ok:
            return
    raise AssertionError(f"{case.file}:{case.line}\nexpected (IREE 3.13):\n{expected}got:\n{out}")


# ------------------------------------------------------------------------------------------------
# Tests
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case, tier", with_tiers([pytest.param(c, id=c.id) for c in ALL_CASES
                                                   if c.kind == "CASE"]))
def test_opcode(case: OpCase, tier: str | None):
    rc, out, err = run_vmvxjit(compiled(case.file), case.function, case.inputs, tier=tier)
    assert rc == 0, f"vmvxjit exited {rc}\nstdout:\n{out}\nstderr:\n{err}"
    assert_matches(case, out)


@pytest.mark.parametrize("case, tier", with_tiers([pytest.param(c, id=c.id) for c in ALL_CASES
                                                   if c.kind != "CASE"]))
def test_opcode_error(case: OpCase, tier: str | None):
    rc, out, err = run_vmvxjit(compiled(case.file), case.function, case.inputs, tier=tier)
    assert rc == 1, f"vmvxjit exited {rc}, expected 1\nstdout:\n{out}\nstderr:\n{err}"
    assert err.strip(), "vmvxjit failed without an error message"
    if case.kind == "ERROR":
        assert case.expect and case.expect in err, f"stderr lacks {case.expect!r}:\n{err}"
        # Runtime failures happen after `EXEC @f` was printed (as in iree-run-module).
        assert out == f"EXEC @{case.function}\n", out
    elif case.kind == "LOAD_ERROR":
        assert "EXEC" not in out, f"module should have been rejected at load time:\n{out}"


@requires_iree
@pytest.mark.slow
@pytest.mark.parametrize("case", [c for c in ALL_CASES if c.kind != "CRASH"], ids=lambda c: c.id)
def test_iree_agrees(case: OpCase):
    """The recording in the .mlir file still matches real IREE (oracle check, no vmvxjit)."""
    rc, out, err = run_iree(compiled(case.file), case.function, case.inputs)
    if case.kind == "CASE":
        assert rc == 0, err
        assert out == case.expected_stdout(), f"{case.file}:{case.line}\nIREE printed:\n{out}"
    else:
        assert rc == 1, (rc, out, err)
        assert case.expect and case.expect in err, err
        expected_out = "" if case.kind == "LOAD_ERROR" else f"EXEC @{case.function}\n"
        assert out == expected_out, out


# ------------------------------------------------------------------------------------------------
# Opcode coverage: decode the compiled bytecode ourselves
# ------------------------------------------------------------------------------------------------

def load_isa() -> dict[tuple[str, int], tuple[str, list[str]]]:
    """(set, opcode) -> (mnemonic, [field encodings]) from vmvxjit's ISA table (the same
    layouts as the reference vm-opcodes.tsv, plus ops newer than it such as vm.fpowi.f32)."""
    from vmvxjit.vm.isa import BLOCK_MARKER, OPCODES
    isa = {(op_set, opcode): (info.mnemonic, [f.kind for f in info.fields])
           for op_set, table in OPCODES.items() for opcode, info in table.items()}
    isa[("core", BLOCK_MARKER)] = ("-", [])
    return isa


def tsv_opcodes() -> set[str]:
    return {m for m, _ in load_isa().values() if m.startswith("vm.")}


def _u16(b: bytes, o: int) -> int:
    return struct.unpack_from("<H", b, o)[0]


def _u32(b: bytes, o: int) -> int:
    return struct.unpack_from("<I", b, o)[0]


def function_bytecode(vmfb: Path) -> list[bytes]:
    """The bytecode of each function (FlatBuffer BytecodeModuleDef: slot 12 function_descriptors,
    slot 14 bytecode_data; see iree-inline-abi.md 1.1/1.2)."""
    data = vmfb.read_bytes()
    start = 30 + _u16(data, 26) + _u16(data, 28) if data[:4] == b"PK\x03\x04" else 0
    fb = data[start + 4: start + 4 + _u32(data, start)]
    root = _u32(fb, 0)

    def field(table: int, slot: int) -> int:
        vt = table - struct.unpack_from("<i", fb, table)[0]
        assert 4 + 2 * slot < _u16(fb, vt) and _u16(fb, vt + 4 + 2 * slot), slot
        return table + _u16(fb, vt + 4 + 2 * slot)

    def vector(pos: int) -> tuple[int, int]:
        v = pos + _u32(fb, pos)
        return v + 4, _u32(fb, v)

    desc, n = vector(field(root, 12))
    code, size = vector(field(root, 14))
    out = []
    for k in range(n):
        off, length = struct.unpack_from("<ii", fb, desc + 20 * k)
        out.append(fb[code + off: code + off + length])
    return out


def decode_opcodes(code: bytes, isa) -> list[str]:
    """Walk one function's instruction stream using the ISA table's operand layouts; every byte must be
    consumed exactly (this also checks the compiler's encodings against the runtime ISA)."""
    ops, pc = [], 0

    def align2():
        nonlocal pc
        pc += pc & 1

    while pc < len(code):
        op = code[pc]
        pc += 1
        opset = "core"
        if op in (0xE0, 0xE1):
            opset, op = ("ext_f32" if op == 0xE0 else "ext_f64"), code[pc]
            pc += 1
        mnemonic, fields = isa[(opset, op)]
        ops.append(mnemonic)
        values = {}
        for f in fields:
            base = f.split("/")[0]
            if base.startswith(("R.", "W.")) or base == "u16":
                if base == "u16":
                    values["u16"] = _u16(code, pc)
                pc += 2
            elif base.split(":")[0] in ("global", "type", "rodata", "func", "pc"):
                pc += 4
            elif base.startswith("imm:"):
                pc += 8 if base[4:] in ("i64", "f64") else 4
            elif base == "str16":
                pc += 2 + _u16(code, pc)
            elif base.startswith(("list<", "rlist<")):
                align2()
                pc += 2 + 2 * _u16(code, pc)
            elif base == "remap":
                align2()
                pc += 2 + 4 * _u16(code, pc)
            elif base.startswith("cases["):
                for _ in range(values["u16"]):
                    pc += 4
                    align2()
                    pc += 2 + 4 * _u16(code, pc)
            else:
                raise AssertionError(f"unknown field encoding {f!r} in {mnemonic}")
        assert pc <= len(code), f"{mnemonic} runs past the end of the function"
    return ops


@functools.lru_cache(maxsize=None)
def emitted_opcodes(file: str) -> frozenset[str]:
    isa = load_isa()
    return frozenset(op for code in function_bytecode(compiled(file))
                     for op in decode_opcodes(code, isa))


def test_opcode_coverage():
    tsv = tsv_opcodes()
    seen: set[str] = set()
    for f in all_files():
        if any(c.kind == "LOAD_ERROR" for c in parse_cases(f)):
            continue  # deliberately malformed bytecode (cond_break.mlir)
        seen |= emitted_opcodes(f.name)
    seen &= tsv
    missing = tsv - seen - set(NOT_COVERED)
    assert not missing, f"opcodes not exercised by tests/vm/opcodes: {sorted(missing)}"
    unexpectedly_seen = seen & set(NOT_COVERED)
    assert not unexpectedly_seen, f"update NOT_COVERED, these are now emitted: {unexpectedly_seen}"


def test_case_lines_are_well_formed():
    for f in all_files():
        cases = parse_cases(f)
        assert cases, f"{f.name} has no CASE lines"
        src = f.read_text()
        for c in cases:
            assert f"vm.export @{c.function}\n" in src, f"{c.id}: no such export"
            if c.kind == "CASE":
                assert c.expect is not None, f"{c.id}: not recorded (run --record)"
            if c.kind in ("ERROR", "LOAD_ERROR"):
                assert c.expect and c.expect != "?", f"{c.id}: error text not recorded"


# ------------------------------------------------------------------------------------------------
# Recording (python -m tests.vm.test_opcodes --record [files])
# ------------------------------------------------------------------------------------------------

_STATUS = re.compile(r"\b([A-Z][A-Z_]+; [^;\n]*)")


def _record_file(path: Path) -> None:
    vmfb = modules.compile_mlir(path.read_text(), VM_FLAGS)
    lines = path.read_text().splitlines(keepends=True)
    for c in parse_cases(path):
        rc, out, err = run_iree(vmfb, c.function, c.inputs) if c.kind != "CRASH" else (None, "", "")
        raw = lines[c.line - 1]
        indent = raw[: len(raw) - len(raw.lstrip())]
        head = f"{indent}// {c.kind}: {c.function}({', '.join(c.inputs)})"
        if c.kind == "CASE":
            if rc != 0:
                print(f"{path.name}:{c.line}: {c.id} FAILED in IREE (rc={rc}):\n{err}", file=sys.stderr)
                continue
            got = out.splitlines()
            assert got[0] == f"EXEC @{c.function}", out
            values = [re.sub(r"^result\[\d+\]: ", "", v) for v in got[1:]]
            lines[c.line - 1] = f"{head} -> {', '.join(values)}\n"
        elif c.kind in ("ERROR", "LOAD_ERROR"):
            if rc != 1:
                print(f"{path.name}:{c.line}: {c.id} expected an IREE error, rc={rc}\n{out}", file=sys.stderr)
                continue
            if c.expect in (None, "", "?"):
                m = _STATUS.search(err)
                key = m.group(1).strip() if m else err.strip().splitlines()[0]
                lines[c.line - 1] = f"{head} -> {key}\n"
            elif c.expect not in err:
                print(f"{path.name}:{c.line}: {c.id}: {c.expect!r} not in IREE stderr:\n{err}",
                      file=sys.stderr)
    path.write_text("".join(lines))


def _verify_crashes(path: Path) -> None:
    """CRASH lines: confirm IREE really dies (negative return code = killed by a signal)."""
    vmfb = modules.compile_mlir(path.read_text(), VM_FLAGS)
    for c in parse_cases(path):
        if c.kind == "CRASH":
            rc, out, err = run_iree(vmfb, c.function, c.inputs)
            print(f"{c.id}: IREE rc={rc}")


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0] not in ("--record", "--verify-crashes"):
        print(__doc__)
        sys.exit(2)
    files = [OPCODES_DIR / a if not Path(a).exists() else Path(a) for a in args[1:]] or all_files()
    for f in files:
        (_record_file if args[0] == "--record" else _verify_crashes)(f)
