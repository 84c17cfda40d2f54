"""Where IREE's tools are, for the models suite (vmvxjit.tooling.iree_tools finds them)."""

from __future__ import annotations

import functools

from vmvxjit.tooling.iree_tools import WHEEL_BINARIES, tool_path


@functools.cache
def paths() -> dict[str, str | None]:
    """Tool name -> executable (None when missing)."""
    return {name: tool_path(name) for name in WHEEL_BINARIES}


def missing() -> list[str]:
    return [name for name, path in paths().items() if path is None]
