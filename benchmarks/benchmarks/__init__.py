"""asv suites for vmvxjit (run with `asv run --config benchmarks/asv.conf.json --python=same`).

* `calls`      -- one call of each program through the library API, per configuration.
* `load`       -- `vmvxjit.load` of a module, per configuration.
* `cold_start` -- a fresh process: import + load + call, and the CLI against `import numpy`.

The programs and the compile cache live in `benchmarks/programs.py` (shared with
`benchmarks/side_by_side.py`); `common.py` holds the setup shared by the suites.
"""
