"""The documented red/amber/green rule and the direction-aware trend (pure functions).

Status: ``green`` when the target is met (``value >= target`` for a KPI where higher is better,
``value <= target`` where lower is better); ``amber`` when it misses by no more than the KPI's
tolerance, a fraction of the target's magnitude (default 0.10: within 10 % of the target);
``red`` otherwise; ``grey`` when there is no value or no target (nothing to judge).

Trend: the value against the previous period's. ``flat`` when they differ by no more than the
flat band (a fraction of the previous value's magnitude, default 0.01); otherwise ``better`` or
``worse`` by the KPI's direction; ``null`` when either value is missing (the rule lives in
``semantic.compare``, which the pages' tiles use too).
"""

from __future__ import annotations

from typing import Literal

from leadline.semantic.compare import Trend, trend

__all__ = ["STATUSES", "Direction", "Status", "Trend", "status", "trend"]

Direction = Literal["higher", "lower"]
Status = Literal["green", "amber", "red", "grey"]
STATUSES: tuple[Status, ...] = ("green", "amber", "red", "grey")


def status(
    value: float | None, target: float | None, direction: Direction, tolerance: float = 0.10
) -> Status:
    """RAG status of ``value`` against ``target``; see the module docstring for the rule."""
    if value is None or target is None:
        return "grey"
    band = abs(target) * tolerance
    shortfall = target - value if direction == "higher" else value - target
    if shortfall <= 0:
        return "green"
    if shortfall <= band:
        return "amber"
    return "red"
