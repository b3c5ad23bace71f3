"""How often Python's cycle collector runs in a long-running process.

CPython starts a young-generation collection every 700 allocations net of frees, and an
older one every ten of those. A consumer that parses thousands of events a second builds
a few dozen objects an event (records, envelopes, commands, facts), none of them in a
cycle (reference counting frees them), so the collector ran every 25 events to find
nothing. Measured on the dashboard's rebuild: 58 -> 39 us of Python a event with the
first threshold at 10,000 (bench/README.md). Cyclic garbage, if any, waits for at most
that many allocations: a bounded amount of memory, not a growing one.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 10_000


def tune_collector() -> None:
    """For a process's entry point: the first threshold raised, the others as they are."""
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)


@contextmanager
def collector_tuned() -> Iterator[None]:
    """``tune_collector`` for a stretch of work inside someone else's process (a rebuild
    run from a test or the operator's command), the thresholds put back afterwards."""
    before = gc.get_threshold()
    tune_collector()
    try:
        yield
    finally:
        gc.set_threshold(*before)
