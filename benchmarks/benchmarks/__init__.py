"""asv suites for vmvxjit (from the repository root: `asv run --python=same --quick`).

* `calls`      -- one call of each program through the library API, per configuration.
* `per_call`   -- small calls with numpy in and out: what a call costs around its work.
* `models`     -- onnx's SqueezeNet and ShuffleNet: cold and cached processes, warm calls.
* `load`       -- `vmvxjit.load` of a module, per configuration.
* `cold_start` -- a fresh process: import + load + call, the CLI and the bundled demo against
  `import numpy`.

The programs and the compile cache live in `benchmarks/programs.py` (shared with
`benchmarks/side_by_side.py`); `common.py` holds the setup shared by the suites.
"""
