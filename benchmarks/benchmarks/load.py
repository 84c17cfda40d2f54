"""`vmvxjit.load` of a compiled module (parse, verify, link the native modules; JIT caches).

The first load in a process also pays the lazy imports of vmvxjit's submodules (and numba); setup
does one untimed load per process so the timed loads measure the load itself.
"""

from __future__ import annotations

from . import common

_warm: set[str] = set()


class Load:
    params = (["add4", "matmul", "softmax"], common.CONFIGS)
    param_names = ["program", "config"]
    timeout = 120

    def setup(self, program, config):
        import vmvxjit
        self.path = str(common.vmfb(program, config))
        if self.path not in _warm:
            vmvxjit.load(self.path, **common.load_options())
            _warm.add(self.path)

    def time_load(self, program, config):
        import vmvxjit
        vmvxjit.load(self.path, **common.load_options())
