"""A tile's trend: its metric's value against the previous equivalent window, judged by the
metric's direction (better or worse, not up or down), as words, a sign and an arrow.

The previous equivalent window (``previous_window``):

- a calendar period (a week, month, quarter or year, ``leadline.periods``) is compared with
  the period before it; while it runs, with the same elapsed part of the period before
  ("vs 2026Q3 to day 68"), so a month's cost so far is not set against a whole month;
- a window of whole months (six complete months) with the same number of months before it;
- any other window with the same length just before it ("vs previous 90 days").

Both values come from the metric registry through the page's :class:`Evaluation`, in one
batch with the current window (and cached with it), never from a second computation.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from leadline.periods import GRAINS, Period, Window, month_start, months_between
from leadline.present.formats import cell, number
from leadline.semantic.compare import trend
from leadline.semantic.query import value_column
from leadline.semantic.registry import Metric

ARROWS = {"up": "▲", "down": "▼", "flat": "▶"}
NO_EARLIER = "no earlier data"


@dataclass(frozen=True)
class Change:
    """What a tile shows of its trend: the judgement (better, worse, flat, or none when there
    is no earlier value), the arrow and the text after it."""

    trend: str  # better | worse | flat | none
    arrow: str  # ▲ ▼ ▶, or "" when there is nothing to compare
    text: str  # "+1.2 pp vs previous 90 days (better)"


def _shift_months(day: dt.datetime, months: int) -> dt.datetime:
    """The first instant of the month ``months`` before ``day``'s (``day`` a month start)."""
    index = day.year * 12 + day.month - 1 - months
    return day.replace(year=index // 12, month=index % 12 + 1)


def _days(delta: dt.timedelta) -> str:
    days = delta.total_seconds() / 86400
    if days == 1:
        return "the day before"
    if days.is_integer():
        return f"previous {int(days):,} days"
    return f"previous {number(delta.total_seconds() / 3600, 0)} hours"


def previous_window(window: Window, now: dt.datetime) -> tuple[Window, str]:
    """The window a value over ``window`` (judged at ``now``) is compared with, and how a tile
    names it ("2026Q3", "previous 90 days"); see the module docstring."""
    for grain in GRAINS:
        period = Period.of(grain, window.since)
        if period.window != window:
            continue
        before = period.previous()
        if now >= window.until or now <= window.since:
            return before.window, before.label
        elapsed = now - window.since
        day = math.ceil(elapsed.total_seconds() / 86400)
        return Window(before.start, min(before.end, before.start + elapsed)), (
            f"{before.label} to day {day}"
        )
    if window.since == month_start(window.since) and window.until == month_start(window.until):
        count = len(months_between(window.since, window.until))
        if count > 1:
            start = _shift_months(window.since, count)
            return Window(start, window.since), f"previous {count} months"
    length = window.until - window.since
    return Window(window.since - length, window.since), _days(length)


def _difference(metric: Metric, change: float, currency: str | None) -> str:
    """The change as people read it, with its sign: percentage points for percentages, the
    value's own format otherwise (money with its currency, hours, counts)."""
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    size = abs(change)
    if metric.unit in ("percent", "ratio"):
        points = size * 100 if metric.unit == "ratio" else size
        return f"{sign}{number(points, 1)} pp"
    return f"{sign}{cell(size, value_column(metric, currency))}"


def _zero(text: str) -> bool:
    """True when a formatted change shows no digit other than 0 (rounded away)."""
    return not any(c.isdigit() and c != "0" for c in text.split(" (", maxsplit=1)[0])


def change(
    metric: Metric,
    value: float | None,
    previous: float | None,
    label: str,
    currency: str | None = None,
) -> Change:
    """The trend of ``value`` against ``previous`` (the value over the window ``label``
    names), judged by the metric's direction with the scorecard's flat band."""
    versus = f"vs {label}"
    if value is None:
        return Change("none", "", f"nothing to compare {versus}")
    if previous is None:
        return Change("none", "", f"{NO_EARLIER} ({versus})")
    shown = _difference(metric, value - previous, currency)
    judged = trend(value, previous, metric.direction)
    if judged == "flat" or _zero(shown):
        return Change("flat", ARROWS["flat"], f"{shown} {versus} (flat)")
    arrow = ARROWS["up" if value > previous else "down"]
    return Change(judged or "flat", arrow, f"{shown} {versus} ({judged})")
