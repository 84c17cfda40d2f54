"""`python -m tools.conformance`: the harness's command line (harness.py)."""

import sys

from tools.conformance.harness import main

sys.exit(main())
