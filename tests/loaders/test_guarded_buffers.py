"""Native code driven past its buffers by damaged VM bytecode faults on a guard page:
an error, not a damaged heap (hal_inline's memory, native/guarded_memory.py).

The damage is fuzzing's mutant 13392 of seed 1 (docs/fuzzing.md), rebuilt from a
fresh compile: one bit of the conv's dispatch call turns its workgroup count
register from the one holding 8 into the one holding 64, so the module's code
writes 1.8 KiB past its 256-byte result. IREE's runtime runs it too and aborts
later, in malloc. The call runs in a child process, so a regression kills the
child, not the test run.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.support.modules import CONFIGS, REPO_ROOT, compile_mlir
from tools.fuzz.programs import PROGRAMS

# The dispatch call's operands %i10 (the export ordinal), %i0 (workgroups x: 8), %i19, %i19.
_OPERANDS = bytes.fromhex("0a00000013001300")

_CHILD = textwrap.dedent("""
    import sys
    import numpy as np
    import vmvxjit
    module = vmvxjit.load(sys.argv[1], threads=int(sys.argv[2]))
    try:
        module.conv(np.ones((1, 6, 6, 2), np.float32), np.ones((3, 3, 2, 4), np.float32))
    except vmvxjit.Error as error:
        print(type(error).__name__, error)
""")


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    data = compile_mlir(PROGRAMS["conv"], CONFIGS["dynamic_llvm"]).read_bytes()
    assert data.count(_OPERANDS) == 1
    at = data.index(_OPERANDS) + 2
    path = tmp_path_factory.mktemp("damaged") / "conv.vmfb"
    path.write_bytes(data[:at] + b"\x01" + data[at + 1:])
    return path


@pytest.mark.parametrize("threads", [1, 2])
def test_a_workgroup_count_grown_past_the_buffers_is_a_native_code_fault(damaged, threads):
    run = subprocess.run([sys.executable, "-c", _CHILD, str(damaged), str(threads)], cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("NativeCodeFault ABORTED; executable native code faulted: SIGSEGV")
    assert "in export 'conv_dispatch_0_conv_4x4x4x3x3x2_f32'" in run.stdout
    assert "at module.conv+0x0130" in run.stdout
