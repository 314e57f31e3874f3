"""Summaries of timings shared by the latency benchmarks."""

from __future__ import annotations

import statistics


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile by nearest rank (no interpolation between two timings)."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(ms: list[float], digits: int = 2) -> dict[str, float]:
    """p50, p95, mean and max of timings in milliseconds, rounded to ``digits``."""
    return {
        "p50_ms": round(statistics.median(ms), digits),
        "p95_ms": round(percentile(ms, 95), digits),
        "mean_ms": round(statistics.fmean(ms), digits),
        "max_ms": round(max(ms), digits),
    }
