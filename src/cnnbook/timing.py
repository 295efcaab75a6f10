"""Honest timing: repeated wall-clock measurements, their median and spread.

One slow run on a busy machine must not decide a comparison, so every timing in the book (the
chapters' speed-ups and the benchmarks in ``bench/``) is a ``Timing`` of several runs, compared
by medians (``ratio``) and reported with its spread.

Taught in *Inception: GoogLeNet and the Inception module* and *MobileNet: depthwise-separable
convolutions* (measured speed-ups).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass


def spread(values: Iterable[float]) -> float:
    """(largest - smallest) / median of repeated measurements: 0.1 means they differed by 10%."""
    values = list(values)
    middle = statistics.median(values)
    return (max(values) - min(values)) / middle if middle > 0 else 0.0


@dataclass(frozen=True)
class Timing:
    """Repeated wall-clock timings of one operation, in seconds."""

    seconds: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def low(self) -> float:
        return min(self.seconds)

    @property
    def high(self) -> float:
        return max(self.seconds)

    @property
    def spread(self) -> float:
        """(slowest - fastest) / median: 0.1 means the runs differed by 10% of the median."""
        return spread(self.seconds)

    def __str__(self) -> str:
        return (
            f"median {format_seconds(self.median)} over {len(self.seconds)} runs "
            f"(fastest {format_seconds(self.low)}, slowest {format_seconds(self.high)})"
        )


def format_seconds(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} us"


def time_call(function: Callable[[], object], repeats: int = 5, warmup: int = 1) -> Timing:
    """Time ``function()`` ``repeats`` times after ``warmup`` untimed calls (tracing, caches)."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    for _ in range(warmup):
        function()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return Timing(tuple(seconds))


def ratio(slow: Timing, fast: Timing) -> float:
    """How many times longer ``slow`` takes than ``fast``, by their medians."""
    return slow.median / fast.median
