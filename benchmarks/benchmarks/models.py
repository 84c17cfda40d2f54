"""Real models: onnx's light SqueezeNet and ShuffleNet, static (vmvx-inline) and dyn-llvm, the
modules `python -m tools.models` prepares and compiles (cached under `.cache/models/`, or
VMVXJIT_MODELS_CACHE). Nothing here builds a model: a module not built yet is skipped (n/a)
with the command that builds it.

* `ColdProcess.time_run`   -- `python -m vmvxjit run MODULE --input=@in_0.npy` on an empty JIT
  cache (a fresh directory for every run)
* `CachedProcess.time_run` -- the same on the cache two earlier runs filled (the second finishes
  the O3 recompiles the first asked for, so the timed runs load O3 code)
* `WarmCall.time_call`     -- one call through the library API, numpy in and out, after a
  first call and WARM_SECONDS more of calls (the auto tier compiles, then recompiles hot
  regions at O3 on a worker); `WarmCallThreads` the same for SqueezeNet dyn-llvm and dyn-vmvx
  with `threads=1` and `threads=2`

The processes run the checkout's vmvxjit (`common.process_env`); the JIT caches of the cached
and warm suites are under `.cache/bench-jit/`, emptied once per process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import common

MODELS = ["squeezenet", "shufflenet"]
CONFIGS = ["static", "dyn-llvm"]
RUN_TIMEOUT = 600
WARM_SECONDS = 10.0
JIT_CACHES = common.programs.REPO_ROOT / ".cache" / "bench-jit"


def built(model: str, config: str):
    """(module path, function, input paths) of a built model, or NotImplementedError saying how
    to build it."""
    def find():
        try:
            from tools.models import build, prepare
            prepared = prepare.prepare(model)
        except ImportError as error:                  # onnx (the test extra) is not installed
            return f"needs {error.name}: pip install -e '.[test]'"
        found = build.already_built(prepared, config)
        if found is None:
            return (f"{model} {config} is not built: python -m tools.models --models {model} "
                    f"--configs {config}")
        return found.vmfb, found.function, prepared.inputs
    return common.once(("model", model, config), find)


def _command(model: str, config: str) -> list[str]:
    vmfb, function, inputs = built(model, config)
    return [sys.executable, "-m", "vmvxjit", "run", str(vmfb), f"--function={function}",
            *(f"--input=@{path}" for path in inputs), *common.tier_flags()]


def _run(command: list[str], cache: Path) -> None:
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=common.process_env(cache), timeout=RUN_TIMEOUT)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:5])} failed:\n{result.stderr[-2000:]}")


class _Process:
    params = (MODELS, CONFIGS)
    param_names = ["model", "config"]
    timeout = 1800
    repeat = (1, 3, 60.0)    # each run is a process of seconds: a few samples
    number = 1
    warmup_time = 0


class ColdProcess(_Process):
    def setup(self, model, config):
        self.cache = Path(tempfile.mkdtemp(prefix="vmvxjit-bench-cold-"))   # first: teardown
        self.command = _command(model, config)                               # runs after a skip

    def teardown(self, model, config):
        shutil.rmtree(self.cache, ignore_errors=True)

    def time_run(self, model, config):
        _run(self.command, self.cache)


class CachedProcess(_Process):
    def setup(self, model, config):
        self.command = _command(model, config)
        self.cache = common.once(("cached", model, config), lambda: _filled(self.command, model, config))

    def time_run(self, model, config):
        _run(self.command, self.cache)


def _filled(command: list[str], model: str, config: str) -> Path:
    cache = JIT_CACHES / f"{model}-{config}"
    shutil.rmtree(cache, ignore_errors=True)
    for _ in range(2):
        _run(command, cache)
    return cache


class WarmCall:
    params = (MODELS, CONFIGS)
    param_names = ["model", "config"]
    timeout = 1800
    warmup_time = 0

    def setup(self, model, config):
        self.function, self.args = common.once(("warm", model, config), lambda: _warm(model, config))

    def time_call(self, model, config):
        self.function(*self.args)


class WarmCallThreads:
    """`WarmCall` with each dispatch's workgroups on 1 or 2 threads (`threads=`)."""
    params = (["squeezenet"], ["dyn-llvm", "dyn-vmvx"], [1, 2])
    param_names = ["model", "config", "threads"]
    timeout = 1800
    warmup_time = 0

    def setup(self, model, config, threads):
        self.function, self.args = common.once(("warm", model, config, threads),
                                               lambda: _warm(model, config, threads))

    def time_call(self, model, config, threads):
        self.function(*self.args)


def _warm(model: str, config: str, threads: int | None = None):
    import numpy as np
    import vmvxjit

    vmfb, function, inputs = built(model, config)
    cache = JIT_CACHES / f"warm-{model}-{config}"
    shutil.rmtree(cache, ignore_errors=True)
    os.environ["VMVXJIT_CACHE_DIR"] = str(cache)       # read on each compile and cache look-up
    call = vmvxjit.load(str(vmfb), **common.load_options(threads))[function]
    args = [np.load(path) for path in inputs]
    call(*args)                                         # compiles
    start = time.perf_counter()
    while time.perf_counter() - start < WARM_SECONDS:
        call(*args)
    return call, args
