"""The real-models suite: onnx's nine light models through IREE and vmvxjit (issue 12, item 1).

    python -m tools.models [--models a,b] [--configs static,dyn-llvm,dyn-vmvx] [--jobs 1]
                           [--timeout S] [--no-vmvxjit] [--render]

One job per module: catalog (models, configurations, paths), prepare (the ONNX model, its input
and expected outputs), build (import and compile, cached), process (a timed, time-limited
process), iree_runs / vmvxjit_runs / warm (the measurements), compare (result checks), suite
(one model in one configuration), results (saved records), scoreboard (docs/models.md).
tests/models/test_models.py is the pytest entry.
"""
