"""Cold start: what a fresh Python process pays before its first result.

* `timeraw_import_load_call` -- `import vmvxjit`, load the add4 module, one call, in a new
  interpreter (asv times the code, not the interpreter start-up).
* `timeraw_import_numpy` -- the baseline: `import numpy` in a new interpreter.
* `time_cli_run` / `time_python_import_numpy` -- wall time of the subprocesses
  `python -m vmvxjit run add4.vmfb --input=...` and `python -c "import numpy"`.
* `track_cli_vs_numpy_import` -- the ratio of those two wall times (medians of 5 runs each);
  the project goal is a small multiple of `import numpy`.
* `Demo.time_demo_run` -- `python -m vmvxjit run`, the bundled demo (the README's first
  command), on an empty JIT cache; `Demo.track_demo_vs_numpy_import` -- its ratio to `import
  numpy` (medians of 5 runs each, interleaved); the goal is at most 2.

The processes run the checkout's vmvxjit (`common.process_env`).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import common

_INPUTS = ["--input=4xf32=1 2 3 4", "--input=4xf32=10 20 30 40"]


def _cli_command() -> list[str]:
    return [sys.executable, "-m", "vmvxjit", "run", str(common.vmfb("add4", "static")),
            "--function=add4", *_INPUTS, *common.tier_flags()]


_NUMPY_COMMAND = [sys.executable, "-c", "import numpy"]


_DEMO_COMMAND = [sys.executable, "-m", "vmvxjit", "run", *common.tier_flags()]


def _run(command, env=None):
    subprocess.run(command, check=True, capture_output=True, timeout=120,
                   env=env or common.process_env())


def _wall(command, env=None) -> float:
    start = time.perf_counter()
    _run(command, env)
    return time.perf_counter() - start


def _median_wall(command, runs=5):
    return statistics.median(_wall(command) for _ in range(runs))


class ColdStart:
    timeout = 300
    # Each call is a process start: a few samples are enough.
    repeat = (1, 5, 10.0)
    number = 1
    warmup_time = 0

    def setup(self):
        self.cli = _cli_command()
        _run(self.cli)   # the first run writes .pyc / JIT caches, which a later cold start reuses

    def time_cli_run(self):
        _run(self.cli)

    def time_python_import_numpy(self):
        _run(_NUMPY_COMMAND)

    def track_cli_vs_numpy_import(self):
        return _median_wall(self.cli) / _median_wall(_NUMPY_COMMAND)

    track_cli_vs_numpy_import.unit = "× numpy import"


def timeraw_import_load_call():
    path = str(common.vmfb("add4", "static"))
    options = repr(common.load_options())
    return f"""
import numpy as np
import vmvxjit
m = vmvxjit.load({path!r}, **{options})
m["add4"](np.arange(4, dtype=np.float32), np.ones(4, dtype=np.float32))
"""


timeraw_import_load_call.timeout = 120
timeraw_import_load_call.repeat = (1, 5, 10.0)


def timeraw_import_numpy():
    return "import numpy"


timeraw_import_numpy.repeat = (1, 5, 10.0)


class Demo:
    timeout = 300
    repeat = (1, 5, 10.0)
    number = 1
    warmup_time = 0

    def setup(self):
        self.cache = Path(tempfile.mkdtemp(prefix="vmvxjit-bench-demo-"))

    def teardown(self):
        shutil.rmtree(self.cache, ignore_errors=True)

    def time_demo_run(self):
        _run(_DEMO_COMMAND, common.process_env(self.cache))

    def track_demo_vs_numpy_import(self):
        demo, numpy = [], []
        for run in range(5):
            numpy.append(_wall(_NUMPY_COMMAND))
            demo.append(_wall(_DEMO_COMMAND, common.process_env(self.cache / str(run))))
        return statistics.median(demo) / statistics.median(numpy)

    track_demo_vs_numpy_import.unit = "× numpy import"
