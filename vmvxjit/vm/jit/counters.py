"""Run-time counts of each optimized loop or nest's entries, for --trace.

The generated function receives an int64 array `counts`: entries of site s
(a loop or nest with entry checks) that ran the optimized version are
counted in counts[2s], entries that fell back to the literal code in
counts[2s + 1]. The block holding a site's checks runs again on every
iteration of the literal code (and, after a nest's optimized part, on each
iteration left to the literal code), so a local `seen{s}` marks the current
entry as counted until the loop exits. One increment per entry: the
optimized loops themselves are untouched.
"""

from __future__ import annotations


def versioned(gen, label: str, checks: list, fast: list, left: str, tail: list, more: str) -> list:
    """`if checks: fast; tail` counted as site `label` of `gen`. `left` says,
    after `fast`, whether the literal code continues this entry; `more`, when
    the checks fail, whether the literal code will come back to them in this
    entry (else the loop exits now)."""
    s = len(gen.sites)
    gen.sites.append(label)
    seen = f"seen{s}"
    return ([f"if {' and '.join(checks)}:", f"    if not {seen}:", f"        counts[{2 * s}] += 1"]
            + ["    " + x for x in fast] + [f"    {seen} = {left}"] + ["    " + x for x in tail]
            + ["else:", f"    if not {seen}:", f"        counts[{2 * s + 1}] += 1", f"    {seen} = {more}"])


def reserve(gen, label: str) -> None:
    """Site `label` of `gen` without code: code the region's other compile has there
    (block_code.py's tiles, left out of quick code) is counted at the same place, so
    either code runs on the same counters."""
    gen.sites.append(label)


def leaving(lines: list, leave: list) -> list:
    """`versioned`'s `lines` whose failed checks run `leave` (lean code leaving for its full
    code) instead of counting a fallback: the full code counts it when it runs the literal
    loop from the same block."""
    assert lines[-4] == "else:" and lines[-2].lstrip().startswith("counts["), lines[-4:]
    return lines[:-3] + ["    " + x for x in leave]


def nest_entry(gen, label: str, j: str, bound: str, pre: list, checks: list, fast: list,
               tail: list = ()) -> list:
    """A reordered nest at the top of its outer loop's header block (`j < bound`
    while the loop runs), counted as site `label`."""
    gen.reordered_nests += 1
    lines = versioned(gen, label, checks, fast, f"{j} < {bound}", list(tail), "True")
    return ([f"if {j} < {bound}:"] + ["    " + x for x in pre + lines]
            + ["else:", f"    seen{len(gen.sites) - 1} = False"])


def report(sites: list, counts) -> list:
    """One line per site: how many entries ran which version."""
    return [f"{label}: {counts[2 * s]} entries optimized, {counts[2 * s + 1]} fell back to the literal code"
            for s, label in enumerate(sites)]
