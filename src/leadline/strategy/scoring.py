"""OKR scoring, after Google's re:Work guidance: a key result scores 0.0-1.0 and 0.7 is a good
result for a stretch goal; an objective's score is the mean of its key results' scores.

A key result's score is the share of the way from baseline to target that the current value
covers, clamped to [0, 1]. Dividing by ``target - baseline`` makes it direction-aware: for a
lower-is-better key result (lead time 72 h -> 24 h) both differences are negative.
"""

from __future__ import annotations

from collections.abc import Iterable


def key_result_score(baseline: float, target: float, current: float | None) -> float | None:
    """Progress from baseline to target, clamped to [0, 1]; None without a current value."""
    if current is None:
        return None
    if target == baseline:
        raise ValueError("target equals baseline: progress is undefined")
    return min(1.0, max(0.0, (current - baseline) / (target - baseline)))


def objective_score(scores: Iterable[float | None]) -> float | None:
    """Mean of the key results that have a score; None when none has."""
    known = [s for s in scores if s is not None]
    return sum(known) / len(known) if known else None


def grade(score: float | None) -> str | None:
    """re:Work's reading: 0.7-1.0 delivered, 0.4-0.6 progress made, below 0.4 not made."""
    if score is None:
        return None
    if score >= 0.7:
        return "green"
    return "yellow" if score >= 0.4 else "red"
