"""The asv suites: asv finds them from the repository root."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("asv") is None, reason="asv not installed (the bench extra)")
def test_asv_checks_the_suites_from_the_repository_root():
    result = subprocess.run(["asv", "check", "--python=same"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0 and "No problems found" in result.stdout, result.stdout + result.stderr

