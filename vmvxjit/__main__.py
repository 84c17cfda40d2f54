"""`python -m vmvxjit`: see vmvxjit.cli."""

import sys

from vmvxjit.cli import main

sys.exit(main())
