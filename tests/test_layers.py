"""vmvxjit's packages import downward only (docs/architecture.md draws the layers).

Every import in every module counts, at module level or inside a function
(a lazy import is still a dependency, only a deferred one). A module may
import its own layer and any layer of a lower rank; layers of equal rank know
nothing of each other. `ALLOWED` lists the exceptions, each with its reason.
Generated source (strings the JIT compiles) is not parsed: it imports
`kernels` and `native` from `vm.jit`, which the table allows anyway.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "vmvxjit"

# layer -> rank. A module's layer is the longest prefix of its dotted name here.
LAYERS = {
    "vmvxjit.errors": 0,          # leaves: no vmvxjit imports of their own
    "vmvxjit.cnumbers": 0,
    "vmvxjit.version": 0,
    "vmvxjit.compile_clock": 0,
    "vmvxjit.declaration": 0,
    "vmvxjit.cache_files": 0,
    "vmvxjit.native": 1,          # LLVM, libm, host CPU, Numba intrinsics
    "vmvxjit.vm": 2,              # bytecode, verifier, interpreter, fused blocks
    "vmvxjit.hal_inline": 3,      # native modules the VM calls ...
    "vmvxjit.kernels": 3,         # ... (vmvx microkernels)
    "vmvxjit.vm.jit": 4,          # injected into vm by the runtime; calls kernels
    "vmvxjit.loaders": 5,         # hal_loader: native and VMVX executables
    "vmvxjit.tooling": 6,         # iree-run-module's inputs, outputs, dumps
    "vmvxjit.host": 6,            # exports compiled whole, host code included
    "vmvxjit.runtime": 7,         # a program in its context with its native modules
    "vmvxjit.demo": 7,            # the bundled demo: what the CLI prints for it, its regeneration
    "vmvxjit.api": 8,
    "vmvxjit.cli": 8,
    "vmvxjit.__main__": 9,        # `python -m vmvxjit` runs the CLI
}
ROOT = "vmvxjit"   # the package facade: lazily imports api and tooling, nothing above rank 0 eagerly

# (importer, imported) -> why the edge is fine.
ALLOWED: dict = {
    ("vmvxjit.declaration", "vmvxjit.errors"):
        "a corrupted declaration is a ModuleFormatError; errors imports nothing itself",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str) -> list[tuple[str, bool]]:
    """(imported vmvxjit module, at module level?) for every import in module `name`."""
    tree = ast.parse(MODULES[name].read_text())
    top = {id(node) for node in tree.body}
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from package import module` imports the module
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                       for alias in node.names]
        else:
            continue
        found += [(target, id(node) in top) for target in targets
                  if target == ROOT or target.startswith(ROOT + ".")]
    return found


def _layer(name: str) -> str | None:
    matches = [layer for layer in LAYERS if name == layer or name.startswith(layer + ".")]
    return max(matches, key=len) if matches else None


def test_every_module_has_a_layer():
    assert [name for name in MODULES if name != ROOT and _layer(name) is None] == []


def test_imports_run_downward():
    wrong = []
    for name in MODULES:
        if name == ROOT:
            continue
        layer = _layer(name)
        for target, _ in _imports(name):
            if (name, target) in ALLOWED:
                continue
            target_layer = _layer(target) if target != ROOT else None
            if target_layer == layer:
                continue
            if target_layer is None or LAYERS[target_layer] >= LAYERS[layer]:
                wrong.append(f"{name} ({layer}) imports {target} ({target_layer or 'the root package'})")
    assert wrong == []


def test_root_package_stays_cheap():
    """Every `import vmvxjit.x` runs vmvxjit/__init__.py first, so its eager
    imports must sit in the bottom layer."""
    eager = [target for target, top in _imports(ROOT) if top]
    assert eager and all(LAYERS[_layer(target)] == 0 for target in eager), eager


def test_allow_list_is_live():
    edges = {(name, target) for name in MODULES for target, _ in _imports(name)}
    assert set(ALLOWED) <= edges
