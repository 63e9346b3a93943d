"""The documented red/amber/green rule and the direction-aware trend (pure functions).

Status: ``green`` when the target is met (``value >= target`` for a KPI where higher is better,
``value <= target`` where lower is better); ``amber`` when it misses by no more than the KPI's
tolerance, a fraction of the target's magnitude (default 0.10: within 10 % of the target);
``red`` otherwise; ``grey`` when there is no value or no target (nothing to judge).

Trend: the value against the previous period's. ``flat`` when they differ by no more than the
flat band (a fraction of the previous value's magnitude, default 0.01); otherwise ``better`` or
``worse`` by the KPI's direction; ``null`` when either value is missing.
"""

from __future__ import annotations

from typing import Literal

Direction = Literal["higher", "lower"]
Status = Literal["green", "amber", "red", "grey"]
Trend = Literal["better", "worse", "flat"]
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


def trend(
    value: float | None, previous: float | None, direction: Direction, flat: float = 0.01
) -> Trend | None:
    """Whether ``value`` is better, worse or flat against the previous period's value."""
    if value is None or previous is None:
        return None
    change = value - previous
    if abs(change) <= abs(previous) * flat:
        return "flat"
    improved = change > 0 if direction == "higher" else change < 0
    return "better" if improved else "worse"
