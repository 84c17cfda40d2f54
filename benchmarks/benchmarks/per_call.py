"""Per-call overhead: small calls through the library API with numpy in and numpy out, whose
work is negligible, so the time is what vmvxjit adds around a call (the declaration's checks,
copies of the arguments into HAL buffers, the VM call, results as numpy arrays).

* `scalar`        -- `x * 3` on an i32: no buffers at all
* `add4/<config>` -- the 4-element f32 add from numpy arrays (`calls.Add4` times the same add
  with its inputs converted to buffer views once, as iree-benchmark-module parses them once)
* `matmul64/<config>`, `softmax1000/<config>` -- small kernels (64x64x64, 1x1000) from numpy
  arrays: per-call cost plus a little work (issue 14's goals)
* `demo`          -- the bundled digit classifier: an 8x8 image in, 10 probabilities out

setup loads and warms up once per process (`common.warmed_up`: the demo's loops run hot and
compile during the warm-up).
"""

from __future__ import annotations

from . import common

SCALAR = """\
func.func @scale(%x: i32) -> i32 {
  %c = arith.constant 3 : i32
  %r = arith.muli %x, %c : i32
  return %r : i32
}
"""


def _load(path):
    import vmvxjit
    return vmvxjit.load(str(path), **common.load_options())


def _scalar():
    path = common.programs.modules.compile_mlir(SCALAR, common.programs.CONFIGS["static"])
    return _load(path)["scale"], [5]


def _program(name: str, config: str):
    program = common.programs.PROGRAMS[name]
    return _load(common.vmfb(name, config))[program.function], common.programs.make_inputs(program)


def _demo():
    import numpy as np
    from vmvxjit import demo
    return _load(demo.MODULE)[demo.FUNCTION], [np.load(demo.INPUT)]


CALLS = {"scalar": _scalar, "demo": _demo,
         **{f"{name}/{config}": (lambda name=name, config=config: _program(name, config))
            for name in ("add4", "matmul64", "softmax1000") for config in ("static", "dyn-llvm", "dyn-vmvx")}}


def _prepare(call: str):
    try:
        function, args = CALLS[call]()
    except NotImplementedError as error:      # does not compile
        return str(error)
    return common.warmed_up(function, args)


class NumpyCall:
    params = list(CALLS)
    param_names = ["call"]
    timeout = 120
    warmup_time = 0.2

    def setup(self, call):
        self.function, self.args = common.once(("per_call", call, common.TIER), lambda: _prepare(call))

    def time_call(self, call):
        self.function(*self.args)
