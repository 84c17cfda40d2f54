"""The fuzzer's CI sample: fixed-seed mutants of real modules are results or vmvxjit errors.

Runs `python -m tools.fuzz` (docs/fuzzing.md) on CHUNKS chunks of PER_CHUNK mutants of seed
SEED, each chunk one slow test: the default run samples one chunk (tests/conftest.py),
`--full` runs all. Each mutant is loaded and called in a forked child with a time limit; a
crash outside the module's native code, a hang IREE does not share, or any exception but a
vmvxjit.Error fails the chunk. The long run (10,000+ mutants) is the same command.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.modules import REPO_ROOT

SEED = 7
CHUNKS = 4
PER_CHUNK = 150


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_mutants_are_results_or_vmvxjit_errors(chunk, tmp_path):
    command = [sys.executable, "-m", "tools.fuzz", "--seed", str(SEED), "--mutants", str(PER_CHUNK),
               "--start", str(chunk * PER_CHUNK), "--timeout", "10", "--out", str(tmp_path)]
    completed = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert not summary["findings"], json.dumps(summary["findings"], indent=1)[:6000]
    assert completed.returncode == 0, completed.stderr[-3000:]
    for config, counts in summary["counts"].items():   # the sample reaches both ends
        assert counts.get("result") and any(k.startswith("error:") for k in counts), (config, counts)
