"""Mutation fuzzing of whole modules, each mutant loaded and called in a child process.

    python -m tools.fuzz --mutants 10000 --seed 1

See `campaign.py` (the run), `mutations.py` (what is mutated), `runner.py`
(the child and its outcomes) and docs/fuzzing.md.
"""
