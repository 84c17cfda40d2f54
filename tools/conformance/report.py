"""The scoreboard: per configuration the cases imported, compiled, passed by IREE, by vmvxjit
and by both, and the cases where exactly one of them passes, with the reason.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter, defaultdict

from tools.conformance.config import (ATOL, CACHE_ROOT, CONFIGS, COST_NOTE, REPO_ROOT, RTOL,
                                      SAMPLE_STRIDE, VMVXJIT_TIMEOUT)

# the run and its scoreboard
# =============================================================================================

def _category(side: dict | None) -> str:
    if side is None:
        return "not run"
    return side["status"]


class Report:
    def __init__(self, index, selected, configs, imports, results, not_run, settings, elapsed, mode):
        self.index, self.selected, self.configs = index, selected, configs
        self.imports, self.results, self.not_run = imports, results, not_run
        self.settings, self.elapsed, self.mode = settings, elapsed, mode

    def rows(self, config: str):
        return [r for (case, cfg), r in sorted(self.results.items()) if cfg == config]

    @staticmethod
    def iree_passed(r) -> bool:
        return r.get("iree", {}).get("status") == "pass"

    @staticmethod
    def vmvxjit_passed(r) -> bool:
        return (r.get("vmvxjit") or {}).get("status") == "pass"

    def regressions(self, config: str | None = None) -> list[dict]:
        """Cases IREE passes and vmvxjit fails (the goal is none)."""
        return [r for (case, cfg), r in sorted(self.results.items())
                if (config is None or cfg == config) and self.iree_passed(r)
                and r.get("vmvxjit") is not None and not self.vmvxjit_passed(r)]

    def thread_dependent(self, config: str | None = None) -> list[dict]:
        """Cases IREE passes whose vmvxjit outputs at one thread differ from those on every
        core (the goal is none). Where IREE's output is wrong the module's code may race
        between workgroups (test_maxpool_with_argmax_2d_precomputed_pads in dyn-llvm writes
        outputs that depend on the order its workgroups run in), as it would on IREE's
        multi-threaded runtime."""
        return [r for (case, cfg), r in sorted(self.results.items())
                if (config is None or cfg == config) and self.iree_passed(r)
                and (r.get("vmvxjit") or {}).get("same_at_one_thread") is False]

    def vmvxjit_only(self, config: str | None = None) -> list[dict]:
        return [r for (case, cfg), r in sorted(self.results.items())
                if (config is None or cfg == config) and not self.iree_passed(r)
                and self.vmvxjit_passed(r)]

    def counts(self, config: str) -> dict:
        runnable = [e for e in self.selected if not e["skip"]]
        imported = [e for e in runnable if self.imports.get(e["name"], {}).get("ok")]
        rows = self.rows(config)
        return {
            "cases": len(self.selected),
            "runnable": len(runnable),
            "imported": len(imported),
            "compiled": sum(1 for r in rows if r.get("compile", {}).get("ok")),
            "iree": sum(1 for r in rows if self.iree_passed(r)),
            "vmvxjit": sum(1 for r in rows if self.vmvxjit_passed(r)),
            "both": sum(1 for r in rows if self.iree_passed(r) and self.vmvxjit_passed(r)),
            "regressions": len(self.regressions(config)),
            "vmvxjit_only": len(self.vmvxjit_only(config)),
            "not_run": sum(1 for t in self.not_run if t.get("config") == config),
        }

    def summary(self) -> str:
        lines = [f"{'configuration':<13} {'cases':>6} {'import':>7} {'compile':>8} {'IREE':>6} "
                 f"{'vmvxjit':>8} {'both':>6} {'IREE-only':>10} {'vmvxjit-only':>13}"]
        for config in self.configs:
            c = self.counts(config)
            lines.append(f"{config:<13} {c['cases']:>6} {c['imported']:>7} {c['compiled']:>8} "
                         f"{c['iree']:>6} {c['vmvxjit']:>8} {c['both']:>6} {c['regressions']:>10} "
                         f"{c['vmvxjit_only']:>13}")
        for r in self.regressions():
            lines.append(f"  IREE passes, vmvxjit fails: {r['config']} {r['case']}: "
                         f"{r['vmvxjit']['status']}: {r['vmvxjit']['detail']}")
        return "\n".join(lines)

    def markdown(self, command: str) -> str:
        v = self.settings["versions"]
        skipped = Counter(e["skip"] for e in self.selected if e["skip"])
        out = ["# ONNX conformance scoreboard", "",
               "<!-- Written by tools/conformance (python -m tools.conformance); do not edit by hand. -->", "",
               "The ONNX backend node tests (`onnx.backend.test.case.node.collect_testcases`: one "
               "model per operator case, with inputs and reference outputs), imported with "
               "`iree-import-onnx`, compiled with `iree-compile` in four inline configurations and "
               "run with IREE's `iree-run-module` and with vmvxjit. Each result is compared with "
               f"ONNX's reference outputs (floats: rtol {RTOL:g}, atol {ATOL:g}, NaN equals NaN; "
               "integers and booleans exactly; shapes and element types exactly, except that an "
               "integer result of the right width compares by its bits, since IREE's integers are "
               "signless and its npy writer labels a `ui8` result `int8`).", "",
               f"- Command: `{command}` ({self.mode}; this run took {_duration(self.elapsed)} "
               f"with {self.settings['jobs']} workers, using the caches). {COST_NOTE}",
               "- vmvxjit runs in-process (`vmvxjit.cli.main`, default tier `auto`) with a "
               f"{VMVXJIT_TIMEOUT:.0f} s limit; a run that times out is repeated with "
               "`--tier=interp` and the outcome added to the reason.",
               f"- Generated: {datetime.date.today().isoformat()}; onnx {v['onnx']}, "
               f"iree-base-compiler {v['iree-base-compiler']}, iree-base-runtime "
               f"{v['iree-base-runtime']}, vmvxjit at git `{self.settings['git']}` "
               f"(source digest `{self.settings['vmvxjit']}`)",
               f"- Cases: {len(self.index)} in onnx {v['onnx']}; {len(self.selected)} selected; "
               f"{sum(skipped.values())} have inputs or outputs iree-run-module cannot pass "
               f"({', '.join(f'{n} {k}' for k, n in skipped.most_common())}) and are not run.",
               "- Configurations (each plus `--iree-torch-emit-async-entry-points=false`; programs "
               "using f64 keep it with `--iree-input-demote-f64-to-f32=false "
               "--iree-vm-target-extension-f64`, falling back to demotion when that does not "
               "compile):", ""]
        for config in self.configs:
            out.append(f"  - `{config}`: `{' '.join(CONFIGS[config])}`")
        if self.not_run:
            out += ["", f"**Incomplete:** {len(self.not_run)} (case, configuration) pairs were not "
                        "run within the time budget; rerun the command to resume."]
        out += ["", "## Scoreboard", "",
                "| configuration | cases | runnable | imported | compiled | passed by IREE | "
                "passed by vmvxjit | passed by both | IREE passes, vmvxjit fails | "
                "vmvxjit passes, IREE fails |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for config in self.configs:
            c = self.counts(config)
            out.append(f"| {config} | {c['cases']} | {c['runnable']} | {c['imported']} | "
                       f"{c['compiled']} | {c['iree']} | {c['vmvxjit']} | {c['both']} | "
                       f"{c['regressions']} | {c['vmvxjit_only']} |")

        out += ["", "## IREE passes, vmvxjit fails", "", "The goal is none.", ""]
        regressions = self.regressions()
        if not regressions:
            out.append("None.")
        for config in self.configs:
            rows = self.regressions(config)
            if rows:
                out += [f"### {config} ({len(rows)})", "", "| case | vmvxjit | reason |",
                        "|---|---|---|"]
                out += [f"| `{r['case']}` | {r['vmvxjit']['status']} | {_md(r['vmvxjit']['detail'])} |"
                        for r in rows]
                out.append("")

        dependent = self.thread_dependent()
        out += ["", "## Results that depend on the thread count", "",
                "Each run that completes is repeated with `--threads=1`; the goal is the same bits "
                "(cases IREE passes: where its output is wrong, the module's code may race "
                "between workgroups).",
                "", "None." if not dependent else
                ", ".join(f"`{r['case']}` ({r['config']})" for r in dependent)]

        out += ["", "## vmvxjit passes, IREE fails", ""]
        if not self.vmvxjit_only():
            out.append("None.")
        for config in self.configs:
            rows = self.vmvxjit_only(config)
            if rows:
                out += [f"### {config} ({len(rows)})", "", "| case | IREE | reason |", "|---|---|---|"]
                out += [f"| `{r['case']}` | {r['iree']['status']} | {_md(r['iree']['detail'])} |"
                        for r in rows]
                out.append("")

        out += ["", "## Where the other cases stop", "",
                "Per configuration: compile failures, and IREE's own failures (run errors, wrong "
                "results against the reference, timeouts, crashes); vmvxjit's outcome on the "
                "cases IREE fails.", "",
                "| configuration | import failed | compile failed | IREE run failed | IREE wrong | "
                "IREE timeout/crash | vmvxjit agrees with IREE's wrong output |",
                "|---|---:|---:|---:|---:|---:|---:|"]
        import_failed = sum(1 for e in self.selected if not e["skip"]
                            and not self.imports.get(e["name"], {}).get("ok"))
        for config in self.configs:
            rows = self.rows(config)
            comp = sum(1 for r in rows if not r.get("compile", {}).get("ok"))
            ist = Counter(_category(r.get("iree")) for r in rows if r.get("compile", {}).get("ok"))
            same = sum(1 for r in rows if _category(r.get("iree")) == "wrong"
                       and (r.get("vmvxjit") or {}).get("same_as_iree"))
            out.append(f"| {config} | {import_failed} | {comp} | {ist['error']} | {ist['wrong']} | "
                       f"{ist['timeout'] + ist['crash']} | {same} of {ist['wrong']} |")

        out += ["", "### Most common reasons", "",
                "Failures of (case, configuration) pairs grouped by message, with numbers and SSA "
                "names normalised.", ""]
        reasons: dict[tuple[str, str], Counter] = defaultdict(Counter)
        for e in self.selected:
            imp = self.imports.get(e["name"])
            if imp is not None and not imp.get("ok"):
                reasons[("import", _normalise(imp["error"]))]["all"] += 1
        for (case, config), r in self.results.items():
            if not r.get("compile", {}).get("ok"):
                reasons[("compile", _normalise(r["compile"]["error"]))][config] += 1
            elif r.get("iree", {}).get("status") in ("error", "crash", "timeout"):
                reasons[("IREE run", _normalise(r["iree"]["detail"]))][config] += 1
        out += ["| stage | count | configurations | reason |", "|---|---:|---|---|"]
        ranked = sorted(reasons.items(), key=lambda kv: -sum(kv[1].values()))
        for (stage, reason), per_config in ranked[:50]:
            where = ", ".join(f"{c} {n}" for c, n in sorted(per_config.items()))
            out.append(f"| {stage} | {sum(per_config.values())} | {where} | {_md(reason)} |")
        if len(ranked) > 50:
            out.append(f"| ... | {sum(sum(c.values()) for _, c in ranked[50:])} | | "
                       f"{len(ranked) - 50} other messages |")
        out += ["", "## Reproduce", "",
                "```sh",
                "pip install -e '.[test]'                               # includes onnx",
                "python -m tools.conformance --full --jobs 2     # rewrites this file",
                f"python -m tools.conformance --sample {SAMPLE_STRIDE}               "
                "# the CI sample (tests/conformance/test_onnx_sample.py)",
                "python -m tools.conformance --cases test_gemm_default_single_elem_vector_bias"
                " --config static -v",
                "```", "",
                f"Caches live in `{CACHE_ROOT.relative_to(REPO_ROOT) if CACHE_ROOT.is_relative_to(REPO_ROOT) else CACHE_ROOT}/` "
                "(cases per onnx version, imports and modules by content, IREE results by module "
                "and inputs, vmvxjit results additionally by a digest of vmvxjit's sources); "
                "`--budget SECONDS` bounds a run and a rerun resumes.", ""]
        return "\n".join(out)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def _md(text: str) -> str:
    text = text.replace("|", "\\|").replace("\n", " ").replace("`", "'")
    return text if len(text) <= 400 else text[:400] + "..."


def _normalise(text: str) -> str:
    text = re.sub(r"%[\w#]+", "%x", text)
    text = re.sub(r"\d+", "N", text)
    return text[:240]
