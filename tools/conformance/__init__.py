"""ONNX backend node tests through IREE and vmvxjit: the conformance harness.

    python -m tools.conformance --full --jobs 2      # everything; writes docs/conformance.md
    python -m tools.conformance --sample 17          # every 17th case (what CI runs)
    python -m tools.conformance --cases 'test_gemm.*' --config static,dyn-llvm

Pipeline, one stage after the other, every stage cached on disk under `.cache/conformance/`:

1. **generate** -- `onnx.backend.test.case.node.collect_testcases` from the installed `onnx`
   package: per case `model.onnx`, inputs `in_J.npy` and reference outputs `ref_J.npy` (types numpy
   has no native form for -- bf16, fp8, fp4, int4, int2 -- as raw `.bin` files in IREE's packed
   layout, passed as `SHAPExTYPE=@file.bin`). Keyed by the onnx version.
2. **import** -- `iree-import-onnx model.onnx` (models older than opset 17 are first upgraded with
   `--opset-version 17`, as IREE's own onnx_ops suite does; if that fails, imported as they are).
3. **compile** -- `iree-compile` in each configuration (below) plus
   `--iree-torch-emit-async-entry-points=false`. Programs using f64 keep it
   (`--iree-input-demote-f64-to-f32=false --iree-vm-target-extension-f64`); if that does not
   compile, they are compiled with the default f64->f32 demotion and fed f32 inputs.
   Cached by content: sha256(MLIR, flags, compiler version).
4. **run** -- `iree-run-module` (the native binary) and vmvxjit (in-process, `vmvxjit.cli.main`,
   in a worker process with a timeout) on the same `.vmfb` and inputs, outputs written with
   `--output=@file.npy`; each compared with ONNX's reference outputs: floats with rtol 1e-3 and
   atol 1e-5 (NaN equals NaN, infinities must match), integers and booleans exactly, shapes and
   element types exactly. IREE results are cached by (module, inputs, runtime version); vmvxjit
   results by (module, inputs, digest of vmvxjit's source), so a change to vmvxjit re-runs them.

Work runs in `--jobs` worker processes; a worker that overruns a stage's time limit or dies (a
crash in native code) is replaced and the case is reported as such. `--budget SECONDS` stops
starting new work after that long; a rerun resumes from the caches.

The scoreboard (`docs/conformance.md` for `--full`) counts per configuration the cases imported,
compiled, passed by IREE, by vmvxjit and by both, and lists the cases where exactly one of the two
passes with the reason. The exit status is 1 if any case in the selection passes with IREE and
fails with vmvxjit.

One module per job: config.py (paths, configurations, limits, tool versions), cases.py
(stage 1), build.py (stages 2 and 3), runs.py and compare.py (stage 4), workers.py (the worker
processes), report.py (the scoreboard), harness.py (a run, its saved results, the command line).
"""
