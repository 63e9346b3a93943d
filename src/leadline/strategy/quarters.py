"""Quarters (``2026Q4``): parsing, bounds and the quarter holding a date."""

from __future__ import annotations

import datetime as dt
import re

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


def parse_quarter(text: str) -> str:
    """Normalise ``2026q4`` or ``2026-Q4`` to ``2026Q4``; ValueError otherwise."""
    match = _QUARTER.match(str(text).strip())
    if not match:
        raise ValueError("must be a quarter YYYYQN, e.g. 2026Q4")
    return f"{match.group(1)}Q{match.group(2)}"


def quarter_bounds(quarter: str) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)`` of a quarter as naive UTC instants."""
    year, number = int(quarter[:4]), int(quarter[5])
    start = dt.datetime(year, 3 * number - 2, 1)
    end = dt.datetime(year + 1, 1, 1) if number == 4 else dt.datetime(year, 3 * number + 1, 1)
    return start, end


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"
