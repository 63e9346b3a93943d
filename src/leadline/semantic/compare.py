"""The direction-aware trend of a metric's value against an earlier one (a pure rule, shared by
the scorecard and the pages' tiles so both judge a change the same way).

``flat`` when the values differ by no more than the flat band (a fraction of the previous
value's magnitude, default 0.01); otherwise ``better`` or ``worse`` by the metric's direction
(higher or lower is better); None when either value is missing.
"""

from __future__ import annotations

from typing import Literal

from leadline.semantic.registry import Direction

Trend = Literal["better", "worse", "flat"]


def trend(
    value: float | None, previous: float | None, direction: Direction, flat: float = 0.01
) -> Trend | None:
    """Whether ``value`` is better, worse or flat against the previous value."""
    if value is None or previous is None:
        return None
    change = value - previous
    if abs(change) <= abs(previous) * flat:
        return "flat"
    improved = change > 0 if direction == "higher" else change < 0
    return "better" if improved else "worse"
