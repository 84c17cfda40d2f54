"""Every command and snippet in README.md runs as written (the first block, install and
test, aside): shell lines in order, then the Python blocks, in a scratch directory holding
a copy of examples/."""

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"```(sh|python)\n(.*?)```", re.S)


def _blocks(kind: str) -> list[str]:
    return [body for lang, body in BLOCK.findall((ROOT / "README.md").read_text()) if lang == kind]


def _commands() -> list[list[str]]:
    """The shell lines after the first block, comments dropped, `python` as this interpreter."""
    commands = []
    for body in _blocks("sh")[1:]:
        for line in body.splitlines():
            words = shlex.split(line, comments=True)
            if words:
                commands.append([sys.executable if words[0] == "python" else words[0], *words[1:]])
    return commands


def test_the_first_block_installs_and_tests():
    assert _blocks("sh")[0].splitlines() == ["pip install -e '.[test]' && python -m vmvxjit run",
                                             "python -m pytest -q"]


def test_readme_commands_and_snippets_run(tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples",
                    ignore=shutil.ignore_patterns("tiny.onnx"))
    commands = _commands()
    assert len(commands) >= 8
    for command in commands:
        result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"{shlex.join(command)}:\n{result.stderr[-2000:]}"
    assert (tmp_path / "result.npy").exists() and (tmp_path / "tiny.vmfb").exists()
    for snippet in _blocks("python"):
        result = subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path, capture_output=True,
                                text=True, timeout=600)
        assert result.returncode == 0, f"{snippet}\n{result.stderr[-2000:]}"
