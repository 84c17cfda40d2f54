"""Counts of a fuzz run per configuration and outcome, printed and as JSON."""

from __future__ import annotations

from collections import Counter, defaultdict

from tools.fuzz.runner import ACCEPTED

EXAMPLES = 3


def outcome_key(report: dict) -> str:
    """`result`, `error:<class>`, `native-crash:<signal>`, or a finding's kind and type."""
    outcome = report["outcome"]
    if outcome in ("result", "timeout", "no-report"):
        return outcome
    if outcome == "fails-in-iree-too":
        return f"{outcome}:{report.get('type', 'timeout')}"
    if outcome == "internal":
        return f"internal:{report['where']}"
    return f"{outcome}:{report['type']}"


def is_finding(report: dict) -> bool:
    return report["outcome"] not in ACCEPTED


class Tally:
    """Outcome counts per configuration, and the findings."""

    def __init__(self):
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.findings: list[dict] = []
        self.native_crashes: list[dict] = []
        self.examples: dict[str, list] = defaultdict(list)   # a few messages per outcome

    def add(self, config: str, report: dict, described: dict) -> None:
        key = outcome_key(report)
        self.counts[config][key] += 1
        if len(self.examples[key]) < EXAMPLES:
            self.examples[key].append(f"{described['index']} {described['seed_module']}: "
                                      + (report.get("message") or report.get("iree") or "")[:200])
        if is_finding(report):
            self.findings.append({**described, **report})
        elif report["outcome"] == "native-crash":
            self.native_crashes.append({**described, "signal": report["type"], "crash": report["crash"]})

    @property
    def total(self) -> int:
        return sum(sum(c.values()) for c in self.counts.values())

    def table(self) -> str:
        configs = sorted(self.counts)
        keys = sorted({k for c in self.counts.values() for k in c},
                      key=lambda k: (k.split(":")[0] not in ACCEPTED, k))
        width = max([len(k) for k in keys] + [12])
        lines = [f"{'outcome':<{width}} " + " ".join(f"{c:>13}" for c in configs) + f" {'total':>8}"]
        for key in keys:
            row = [self.counts[c][key] for c in configs]
            lines.append(f"{key:<{width}} " + " ".join(f"{n:>13}" for n in row) + f" {sum(row):>8}")
        totals = [sum(self.counts[c].values()) for c in configs]
        lines.append(f"{'mutants':<{width}} " + " ".join(f"{n:>13}" for n in totals) + f" {sum(totals):>8}")
        lines.append(f"findings: {len(self.findings)} (native-code crashes, out of scope: "
                     f"{len(self.native_crashes)})")
        return "\n".join(lines)

    def summary(self) -> dict:
        return {"counts": {c: dict(sorted(n.items())) for c, n in sorted(self.counts.items())},
                "mutants": self.total, "findings": self.findings,
                "native_crashes": self.native_crashes, "examples": dict(sorted(self.examples.items()))}
