"""Scorecard periods: a quarter (``2026Q4``) or a calendar month (``2026-11``), UTC.

A period knows its bounds, its months and the period before it (the previous quarter or
month), which is what a trend compares against.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _next_month(day: dt.datetime) -> dt.datetime:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.datetime  # naive UTC, first instant
    end: dt.datetime  # naive UTC, first instant after the period

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2026Q4``/``2026-Q4`` or ``2026-11``; ValueError naming the accepted forms."""
        value = str(text).strip()
        quarter = _QUARTER.match(value)
        if quarter:
            year, number = int(quarter.group(1)), int(quarter.group(2))
            start = dt.datetime(year, 3 * number - 2, 1)
            end = _next_month(_next_month(_next_month(start)))
            return cls(f"{year}Q{number}", start, end)
        month = _MONTH.match(value)
        if month:
            start = dt.datetime(int(month.group(1)), int(month.group(2)), 1)
            return cls(value, start, _next_month(start))
        raise ValueError(f"a period is a quarter YYYYQN or a month YYYY-MM, not {text!r}")

    @classmethod
    def current_quarter(cls, today: dt.date | None = None) -> Period:
        day = today or dt.datetime.now(dt.UTC).date()
        return cls.parse(f"{day.year}Q{(day.month - 1) // 3 + 1}")

    @property
    def is_quarter(self) -> bool:
        return "Q" in self.label

    @property
    def months(self) -> list[str]:
        """The ``YYYY-MM`` labels of the months in the period, in order."""
        out, day = [], self.start
        while day < self.end:
            out.append(day.strftime("%Y-%m"))
            day = _next_month(day)
        return out

    @property
    def last_day(self) -> dt.date:
        return (self.end - dt.timedelta(days=1)).date()

    def previous(self) -> Period:
        """The quarter (or month) just before this one."""
        before = self.start - dt.timedelta(days=1)
        if self.is_quarter:
            return Period.parse(f"{before.year}Q{(before.month - 1) // 3 + 1}")
        return Period.parse(before.strftime("%Y-%m"))

    def contains_month(self, month: str) -> bool:
        return month in self.months
