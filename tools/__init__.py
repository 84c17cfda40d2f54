"""Developer tools run from a checkout (`python -m tools.models`, `python tools/expf_exhaustive.py`)."""
