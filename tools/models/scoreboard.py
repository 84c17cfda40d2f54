"""Render the saved results as `docs/models.md`."""

from __future__ import annotations

from tools.models import catalog, flops

_HEADER = ("| model | config | matches ONNX (IREE / vmvxjit) | vmvxjit = IREE (bits) | iree-compile "
           "| IREE run-module wall / CPU | IREE call | vmvxjit cold wall / CPU | JIT compile (regions) "
           "| vmvxjit cached wall / CPU | vmvxjit warm call | warm GFLOP/s | onnxruntime warm call (1 thread) "
           "| warm in compiled code / in Python regions / in regions with a nest left alone "
           "| cold / IREE | cached / IREE "
           "| warm / IREE native warm | JIT compile / iree-compile llvm-cpu, wall / CPU |")


def _time(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds == 0:
        return "0"
    if seconds >= 100:
        return f"{seconds:.0f} s"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}×" if a is not None and b else "–"


def _failure(section: dict | None) -> str | None:
    if section is None:
        return "not run"
    if section.get("status") == "ok":
        return None
    return f"{section.get('status')}: {section.get('detail', '')}".replace("|", "\\|")[:120]


def _pair(section: dict | None) -> str:
    return _failure(section) or f"{_time(section['wall'])} / {_time(section['cpu'])}"


def _onnx(section: dict | None) -> str:
    if not section or section.get("status") != "ok":
        return "–"
    return "yes" if section.get("onnx") is None else f"**no** ({section['onnx']})"


def _vmvxjit_onnx(runs: dict) -> str:
    done = [run for run in runs.values() if run.get("status") == "ok"]
    if not done:
        return "–"
    wrong = [run["onnx"] for run in done if run.get("onnx") is not None]
    return "yes" if not wrong else f"**no** ({wrong[0]})"


def _equal(runs: dict) -> str:
    verdicts = [run.get("equal_iree") for run in runs.values() if run.get("status") == "ok"]
    if not verdicts or any(v is None for v in verdicts):
        return "–"
    return "yes" if all(verdicts) else "**no**"


def _row(record: dict, native: dict) -> str:
    """`native`: the same model's dyn-llvm record (IREE's native warm call, llvm-cpu compile)."""
    compile_ = record.get("compile", {})
    if compile_.get("status") != "ok":
        return f"| {record['model']} | {record['config']} | {_failure(compile_)} |" + " |" * 15
    iree = record.get("iree")
    runs = record.get("vmvxjit") or {}
    cold, cached, warm = (runs.get(k) for k in ("cold", "cached", "warm"))
    iree_wall = iree.get("wall") if iree and iree.get("status") == "ok" else None
    call = (iree or {}).get("call") or {}
    jit = (cold or {}).get("jit")
    cells = [record["model"], record["config"],
             f"{_onnx(iree)} / {_vmvxjit_onnx(runs)}", _equal(runs), _time(compile_["wall"]),
             _pair(iree), _failure(call) or _time(call.get("seconds")) + (
                 " (1 run)" if call.get("method") == "run-module" else ""),
             _pair(cold) if runs else "not run",
             f"{_time(jit['seconds'])} ({jit['regions']})" if jit else "–",
             _pair(cached) if runs else "not run",
             (_failure(warm) or _time(warm["seconds"])) if runs else "not run",
             _gflops(record["model"], warm),
             _failure(record.get("onnxruntime")) or _time(record["onnxruntime"]["seconds"])
             if "onnxruntime" in record else "–",
             _shares(warm),
             ratio((cold or {}).get("wall"), iree_wall), ratio((cached or {}).get("wall"), iree_wall),
             ratio((warm or {}).get("seconds"), _native_warm(native)),
             _compile_ratios(jit, native.get("compile") or {})]
    return "| " + " | ".join(cells) + " |"


def _compile_ratios(jit: dict | None, iree_compile: dict) -> str:
    """The JIT's compile time (CPU, summed over regions) over iree-compile's wall time and over
    its CPU time (iree-compile runs on several threads)."""
    seconds = jit["seconds"] if jit else None
    return f"{ratio(seconds, iree_compile.get('wall'))} / {ratio(seconds, iree_compile.get('cpu'))}"


def _shares(warm: dict | None) -> str:
    if not warm or "compiled_share" not in warm:
        return "–"
    left_alone = f"{warm['left_alone_share']:.0%}" if "left_alone_share" in warm else "–"
    return f"{warm['compiled_share']:.0%} / {warm['python_share']:.0%} / {left_alone}"


def _gflops(model: str, warm: dict | None) -> str:
    if not warm or warm.get("status") != "ok":
        return "–"
    return f"{flops.count(catalog.model(model).onnx_path) / warm['seconds'] / 1e9:.1f}"


def _native_warm(native: dict) -> float | None:
    call = (native.get("iree") or {}).get("call") or {}
    return call.get("seconds") if call.get("status") == "ok" else None


def _dyn_llvm_sums(records: dict) -> list[str]:
    """The goal "nine dyn-llvm CLI runs summed ≤ 1.2× IREE's", over models measured by both."""
    lines = []
    for run in ("cold", "cached"):
        pairs = []
        for model in catalog.MODELS:
            record = records.get(f"{model}/dyn-llvm", {})
            iree = record.get("iree") or {}
            mine = (record.get("vmvxjit") or {}).get(run) or {}
            if iree.get("status") == "ok" and mine.get("status") == "ok":
                pairs.append((mine["wall"], iree["wall"]))
        if pairs:
            ours, theirs = sum(p[0] for p in pairs), sum(p[1] for p in pairs)
            lines.append(f"- dyn-llvm, {len(pairs)} models, whole-process `vmvxjit run` ({run}) summed: "
                         f"{_time(ours)} vs `iree-run-module` {_time(theirs)} = {ours / theirs:.2f}× "
                         f"(goal ≤ 1.2×)")
    return lines


def render(saved: dict) -> str:
    meta, records = saved.get("meta", {}), saved.get("records", {})
    dates = sorted(r["date"] for r in records.values() if "date" in r)
    lines = ["# Real models: IREE vs vmvxjit", "",
             "Generated by `python -m tools.models` (tools/models/); do not edit by hand. "
             "Last command: `" + meta.get("command", "?") + "`.", "",
             f"- rows measured {dates[0]} … {dates[-1]}" if dates else "- no rows measured",
             f"- machine: {meta.get('machine', '?')}",
             f"- versions: {meta.get('versions', '?')}",
             f"- peak of this machine, float32, multiply and add kept apart, one core: "
             f"{meta['peak_gflops']:.0f} GFLOP/s (`python -m tools.models.peak`)" if "peak_gflops" in meta
             else "- peak: not measured", "",
             "Models: onnx's nine light models, prepared as onnx's backend runner does (initializer "
             "inputs dropped, IR version ≥ 7, input `arange(n)/n` as float32); imported with "
             "`iree-import-onnx --opset-version 17`; compiled with "
             f"`{' '.join(catalog.COMMON_FLAGS)}` plus, per configuration: "
             + "; ".join(f"**{name}** `{' '.join(flags)}`" for name, flags in catalog.CONFIGS.items())
             + ".", "",
             "Whole-process times (wall / CPU) are one fresh process each: `iree-run-module` (native "
             "binary) and `python -m vmvxjit run` with an empty JIT and Numba cache (cold) and with the "
             "cache that run filled (cached). IREE call: median of `iree-benchmark-module` calls, or, "
             "where a run takes ≥ 10 s (IREE's interpreters), the one call of `iree-run-module` "
             "(marked \"1 run\"). vmvxjit warm call: in one process (library API), at least 20 calls "
             "and on until 5 in a row start with no O3 recompile pending (`auto` recompiles "
             "regions at O3 on a worker while the first calls run), within a minute; the median "
             "of the calls that started with none pending; the warm call runs its "
             "dispatches' workgroups on both cores, IREE's inline runtime on one. JIT compile: the sum of `--trace`'s per-region compile times in the cold "
             "run (each the compiling thread's CPU time: compiles run on two threads at once, so "
             "this can exceed the wall time they add). ONNX match: onnx's backend-test tolerance for the model (rtol 1e-3, DenseNet 2e-3; "
             "atol 1e-7). Ratios below 1 mean vmvxjit is faster; the last one compares with IREE's "
             "native (dyn-llvm, host CPU) warm call of the same model; the JIT's compile time is compared "
             "with iree-compile's wall time and its CPU time (it compiles on several threads) for the "
             "same model with llvm-cpu (dyn-llvm). Warm GFLOP/s: the "
             "model's convolutions, matrix products and fully connected layers (2 FLOPs per "
             "multiply-add, `tools/models/flops.py`) over the warm call. Regions with a nest left "
             "alone: the warm call's time in compiled regions where `--trace` says a loop nest was "
             "not interchanged (such a region may hold transformed nests too). The shares add up "
             "time on every thread, so they pass 100% where dispatches ran in parallel. onnxruntime: the outside "
             "reference, its CPU provider on one thread (intra- and inter-op), median warm call, "
             "measured when it is installed (it is not a vmvxjit dependency).", "",
             _HEADER, "|" + "---|" * 18]
    for model in catalog.MODELS:
        for config in catalog.CONFIGS:
            record = records.get(f"{model}/{config}")
            if record:
                lines.append(_row(record, records.get(f"{model}/dyn-llvm", {})))
    sums = _dyn_llvm_sums(records)
    if sums:
        lines += ["", *sums]
    return "\n".join(lines) + "\n"
