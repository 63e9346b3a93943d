"""The error budget left as time ("2 h 14 m left this month"), for people who think of the
budget as allowed downtime.

Definition (docs/metrics.md, "error budget left as time"): the budget as time is the share of
the window the objective allows to be bad, ``(1 − objective) × window length`` (Google's *Site
Reliability Workbook*, ch. 2: a 99.9 % objective over 30 days allows 43.2 minutes); what is left
of it is ``error_budget_remaining × (1 − objective) × window length``. For time-slice budgeting
that is exactly the bad time still allowed (bad slices × slice length); for request-based
(occurrences) budgeting it is the same fraction of the budget read as time: how long a complete
outage could last before the budget is spent, at the window's average traffic (GitLab's
error-budget panels: "minutes remaining" = ((1 − target) − (1 − availability)) × 28 days, the
same figure; gitlab.com/gitlab-com/gl-infra/scalability/-/issues/946). The window length is
the whole window: a rolling window's days, a calendar period's full length (31 days for March),
as the budget of a calendar window is the whole period's and resets at its start. Negative when
overspent.
"""

from __future__ import annotations

import math


def budget_left_seconds(
    remaining: float | None, objective: float, window_seconds: float
) -> float | None:
    """``remaining × (1 − objective) × window_seconds``; None without a remaining budget."""
    if remaining is None or not math.isfinite(remaining):
        return None
    return remaining * (1.0 - objective) * window_seconds


def duration_text(seconds: float) -> str:
    """Whole minutes as ``3 d 4 h``, ``2 h 14 m``, ``43 m``, ``0 m`` (rounded down to the
    minute, so "left" never promises more than there is); the two largest units only."""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} m" if mins else f"{hours} h"
    return f"{mins} m"


def budget_left_text(
    seconds: float | None, window_kind: str, calendar_unit: str | None, window_days: int | None
) -> str | None:
    """``2 h 14 m left this month``, ``43 m left in the last 28 d``, ``overspent by 1 h 5 m
    this month``; None without data."""
    if seconds is None:
        return None
    if window_kind == "calendar":
        where = f"this {calendar_unit or 'month'}"
    else:
        where = f"in the last {window_days or 28} d"
    if seconds < 0:
        return f"overspent by {duration_text(seconds)} {where}"
    return f"{duration_text(seconds)} left {where}"
