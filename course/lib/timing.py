"""Timing for the notebooks' speed comparisons."""
from __future__ import annotations

import timeit


def best_time(fn, repeats: int, warmup: bool = True) -> float:
    """The shortest wall time of `repeats` calls of fn(), in seconds.

    The minimum is the figure least disturbed by other programs on the
    machine; one untimed call first (warmup) fills caches and allocators.
    """
    if warmup:
        fn()
    return min(timeit.repeat(fn, repeat=repeats, number=1))
