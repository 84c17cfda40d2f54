"""Cold start: what a fresh Python process pays before its first result.

* `timeraw_import_load_call` -- `import vmvxjit`, load the add4 module, one call, in a new
  interpreter (asv times the code, not the interpreter start-up).
* `timeraw_import_numpy` -- the baseline: `import numpy` in a new interpreter.
* `time_cli_run` / `time_python_import_numpy` -- wall time of the subprocesses
  `python -m vmvxjit run add4.vmfb --input=...` and `python -c "import numpy"`.
* `track_cli_vs_numpy_import` -- the ratio of those two wall times (medians of 5 runs each);
  the project goal is a small multiple of `import numpy`.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from . import common

_INPUTS = ["--input=4xf32=1 2 3 4", "--input=4xf32=10 20 30 40"]


def _cli_command() -> list[str]:
    command = [sys.executable, "-m", "vmvxjit", "run", str(common.vmfb("add4", "static")),
               "--function=add4", *_INPUTS]
    if common.TIER:
        command.append(f"--tier={common.TIER}")
    return command


_NUMPY_COMMAND = [sys.executable, "-c", "import numpy"]


def _run(command):
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def _median_wall(command, runs=5):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        _run(command)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
