"""The seed modules: every program of `programs` in each inline configuration, and
the variants of a configuration (`programs.VARIANTS`).

Compiled with the test suite's builder (`tests/support/modules.py`: iree-compile,
cached under `.cache/test-modules`), then loaded and called once with the
reader watched (`anatomy.examine`) to learn their structure.
"""

from __future__ import annotations

import vmvxjit
from tests.support.modules import CONFIGS, compile_mlir
from tools.fuzz.anatomy import examine
from tools.fuzz.arguments import arguments
from tools.fuzz.mutations import Seed
from tools.fuzz.programs import PROGRAMS, VARIANTS


def _exercise(array) -> None:
    module = vmvxjit.load(array, tier="interp")
    for function in module.functions.values():
        function(*arguments(function))


def build_seeds(configs=tuple(CONFIGS)) -> dict[str, list[Seed]]:
    """{configuration: [Seed per program and per variant of that configuration]}."""
    seeds = {}
    for config in configs:
        programs = {name: (source, ()) for name, source in PROGRAMS.items()}
        programs.update(VARIANTS.get(config, {}))
        seeds[config] = []
        for program, (source, flags) in programs.items():
            data = compile_mlir(source, CONFIGS[config] + list(flags)).read_bytes()
            seeds[config].append(Seed(program, config, data, examine(data, _exercise)))
    return seeds
