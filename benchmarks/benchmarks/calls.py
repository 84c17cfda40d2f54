"""One call of each benchmark program through the library API, per configuration.

`setup` compiles (cached on disk), loads the module and warms it up, once per process; each timed
call is `function(*inputs)` with the same seeded inputs, converted to buffer views once (as
iree-benchmark-module parses its inputs once), so it includes the library API's argument checks
and the numpy result views, not the conversion of numpy inputs. The `...Numpy` suites pass the
numpy arrays themselves, as a user's call does (numpy in and out: the inputs wrapped or copied
into pooled memory on every call); against their buffer-view twin the difference is that
conversion (`per_call` times it on small calls).
Combinations that do not compile, or whose kernels are still interpreted (minutes per call), are
skipped (n/a); see `benchmarks/programs.py` and `common.py`.
"""

from __future__ import annotations

from . import common


class _Call:
    program = ""
    params = common.CONFIGS
    param_names = ["config"]
    timeout = 240            # seconds per benchmark (all samples); warm-up is bounded separately
    warmup_time = 0.2

    def setup(self, config):
        self.function, self.inputs = common.prepared(self.program, config)

    def time_call(self, config):
        self.function(*self.inputs)


class _NumpyCall(_Call):
    def setup(self, config):
        self.function, self.inputs = common.prepared(self.program, config, numpy_inputs=True)


class Add4(_Call):
    """4-element add: the per-call overhead of the runtime."""
    program = "add4"


class Elementwise(_Call):
    """max(a*b + c, a) over 1M f32 elements."""
    program = "elementwise"


class Matmul(_Call):
    """linalg.matmul 256x256x256 f32."""
    program = "matmul"


class Conv2d(_Call):
    """conv2d NHWC 1x32x32x16, HWCF 3x3x16x16."""
    program = "conv2d"


class Softmax(_Call):
    """softmax over the last dim of 64x1024."""
    program = "softmax"


class Reduction(_Call):
    """row sums of 1024x1024."""
    program = "reduction"


class ElementwiseNumpy(_NumpyCall):
    """`Elementwise` with numpy arrays in (3 x 4 MiB) and out."""
    program = "elementwise"


class MatmulNumpy(_NumpyCall):
    """`Matmul` with numpy arrays in (2 x 256 KiB) and out."""
    program = "matmul"


class Threads:
    """One call with each dispatch's workgroups on 1 or 2 threads (`threads=`): native
    dispatches, and VMVX ones whose time goes to compiled code."""
    params = (["matmul", "elementwise"], ["dyn-llvm", "dyn-vmvx"], [1, 2])
    param_names = ["program", "config", "threads"]
    timeout = 240
    warmup_time = 0.2

    def setup(self, program, config, threads):
        self.function, self.inputs = common.prepared(program, config, threads)

    def time_call(self, program, config, threads):
        self.function(*self.inputs)


class ThreadsNumpy:
    """Inline-static exports compiled whole, numpy arrays in and out, on 1 or 2 threads:
    their loops in chunks from the entry itself (host/host_chunks.py)."""
    params = (["matmul", "conv2d"], ["static"], [1, 2])
    param_names = ["program", "config", "threads"]
    timeout = 240
    warmup_time = 0.2

    def setup(self, program, config, threads):
        self.function, self.inputs = common.prepared(program, config, threads, numpy_inputs=True)

    def time_call(self, program, config, threads):
        self.function(*self.inputs)
