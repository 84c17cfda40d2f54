"""`python -m vmvxjit`: see vmvxjit.cli.

Two things only a whole process can decide, both about its start and end:

- No command calls BLAS, so numpy's OpenBLAS gets one thread unless the
  environment says otherwise: by default it starts one per core when numpy
  is imported (~10 ms of wall time, ~25 ms of CPU on two cores).
- The process ends as soon as the command returns, so what it leaves is
  frozen out of the cyclic garbage collector: the interpreter's collections
  at exit then skip it (~10 ms of a run's ~20 ms exit, most of it numpy's
  objects). Exit handlers still run and the standard streams are still
  flushed; only objects in reference cycles are left unfinalized, and none
  of vmvxjit's needs finalizing at exit (the commands close their files).
"""

import gc
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # before anything imports numpy

from vmvxjit.cli import main

status = main()
gc.freeze()
sys.exit(status)
