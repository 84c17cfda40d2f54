"""tools.models.build: `already_built` finds what `compile_model` built, without running a tool."""

import json

from tools.models import build, catalog
from tools.models.prepare import Prepared


def test_already_built_finds_only_a_finished_module(tmp_path, monkeypatch):
    monkeypatch.setattr(catalog, "CACHE_ROOT", tmp_path / "cache")
    prepared = Prepared("toy", tmp_path, [], [])
    prepared.onnx_path.write_bytes(b"not really onnx")
    assert build.already_built(prepared, "static") is None               # not imported

    mlir = build._import_path(prepared)
    mlir.parent.mkdir(parents=True)
    mlir.write_text("func.func @toy(%x: tensor<1xf32>) -> tensor<1xf32> {\n")
    key, vmfb, stats, _ = build._module_paths(mlir, "static")
    assert build.already_built(prepared, "static") is None               # not compiled
    stats.parent.mkdir(parents=True)
    stats.write_text(json.dumps({"wall": 1.5, "cpu": 2.0}))
    assert build.already_built(prepared, "static") == build.Built(vmfb, key, "toy", 1.5, 2.0)
    assert build.already_built(prepared, "dyn-llvm") is None             # another configuration
