"""Benchmarks: Homeward's hand-off path against raw baselines measured in the same run.

Run one with ``uv run python -m bench.<name>``, all with ``make bench``. Each creates its own
throwaway database and topics, removes them afterwards, prints its figures and writes them
as JSON into ``bench/results/`` (git-ignored).
"""
