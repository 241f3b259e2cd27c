"""Pause Python's cyclic garbage collector while a large, acyclic structure is built.

Reading the data allocates hundreds of thousands of small objects (YAML nodes, dicts, lists) that all stay
alive until the model is built. Each allocation burst triggers a collection, and every full collection walks
everything allocated so far, so the collector's work grows faster than the data (about 40% of ``validate`` at
1,000 rules, more at 10,000). Nothing built here forms reference cycles, so pausing the collector loses
nothing; reference counting still frees every temporary object at once.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; it is switched back on afterwards (also on errors) only if
    it was on before, so nested pauses and callers that keep it off are respected.

    Before it is switched back on, everything allocated so far is frozen (``gc.freeze``): otherwise the first
    collection afterwards would walk every object built during the pause at once (0.7 s at 10,000 rules) and
    later full collections would walk them again. Frozen objects are still freed by reference counting as soon as
    nothing uses them; only reference cycles among them wait for ``gc.unfreeze``."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()
