"""`python -m vmvxjit`: see vmvxjit.cli.

The process ends as soon as the command returns, so what it leaves is frozen
out of the cyclic garbage collector: the interpreter's collections at exit
then skip it (~15 ms of a run's ~25 ms exit, most of it numpy's objects).
Exit handlers still run and the standard streams are still flushed; only
objects in reference cycles are left unfinalized, and none of vmvxjit's needs
finalizing at exit (the commands close their files).
"""

import gc
import sys

from vmvxjit.cli import main

status = main()
gc.freeze()
sys.exit(status)
