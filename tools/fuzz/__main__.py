"""`python -m tools.fuzz --mutants 10000 --seed 1`: the long fuzz run (see __init__)."""

import sys

from tools.fuzz.campaign import main

sys.exit(main())
