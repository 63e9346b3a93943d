"""The one period vocabulary: windows, calendar periods, buckets, as-of instants.

Every figure leadline shows is over a window ``[since, until)`` of naive UTC instants. A
window is either given (``--since``/``--until``), a calendar period (a week ``2026-W49``, a
month ``2026-11``, a quarter ``2026Q4``, a year ``2026``) or the default: the 90 days up to the
end of the as-of day. A window is cut into buckets of one grain (week from Monday, calendar
month, quarter or year); a bucket that the window or the as-of instant cuts short is
*partial*, and every surface that shows it says so. A figure is judged at an *as-of* instant
(default: now): facts belong to a window or period by their own time, and everything known
about them up to the as-of instant counts (``PeriodAsOf`` pairs a period with that instant).

No other module defines a window type: pillars, the CLI, the web and the QBR use these.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

Grain = Literal["week", "month", "quarter", "year"]
GRAINS: tuple[Grain, ...] = get_args(Grain)
DEFAULT_DAYS = 90
# Dates outside these years are refused at every edge (a window is always bounded).
FIRST_YEAR, LAST_YEAR = 1970, 2999

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_WEEK = re.compile(r"^(\d{4})-?W(0[1-9]|[1-4]\d|5[0-3])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
_FORMS = {
    "quarter": "a quarter YYYYQN",
    "month": "a month YYYY-MM",
    "week": "a week YYYY-Www",
    "year": "a year YYYY",
}


class PeriodError(ValueError):
    """A window, period or instant that cannot be read (the message says what is accepted)."""


def _forms(grains: Sequence[Grain]) -> str:
    """``a quarter YYYYQN or a month YYYY-MM``: the accepted forms, in a fixed order."""
    forms = [form for grain, form in _FORMS.items() if grain in grains]
    return forms[0] if len(forms) == 1 else f"{', '.join(forms[:-1])} or {forms[-1]}"


def utc_now() -> dt.datetime:
    """Now as a naive UTC instant (the representation every window uses)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def naive_utc(value: dt.datetime) -> dt.datetime:
    """An aware instant converted to naive UTC; a naive one is taken to be UTC already."""
    if value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def instant(text: str) -> dt.datetime:
    """A date (its first instant) or an ISO-8601 timestamp (``Z`` or an offset), naive UTC."""
    try:
        value = dt.datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        raise PeriodError(f"{text!r} is not a date (YYYY-MM-DD) or ISO-8601 timestamp") from None
    if not FIRST_YEAR <= value.year <= LAST_YEAR:  # the year as written (the API's schema)
        raise PeriodError(f"{text!r} is outside the years {FIRST_YEAR}-{LAST_YEAR}")
    return naive_utc(value)


def iso(value: dt.datetime) -> str:
    """A naive UTC instant as the documents write it (``2026-10-01T00:00:00Z``)."""
    return naive_utc(value).replace(tzinfo=dt.UTC).isoformat().replace("+00:00", "Z")


def next_month(day: dt.datetime) -> dt.datetime:
    """The first instant of the month after ``day``'s."""
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )


def month_start(day: dt.datetime) -> dt.datetime:
    return day.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def months_between(since: dt.datetime, until: dt.datetime) -> list[str]:
    """``YYYY-MM`` of every month that ``[since, until)`` touches, in order."""
    out, day = [], month_start(since)
    while day < until:
        out.append(day.strftime("%Y-%m"))
        day = next_month(day)
    return out


def start_of(grain: Grain, day: dt.datetime) -> dt.datetime:
    """The first instant of the ``grain`` bucket holding ``day``."""
    midnight = dt.datetime.combine(day.date(), dt.time())
    if grain == "week":
        return midnight - dt.timedelta(days=midnight.weekday())
    first = midnight.replace(day=1)
    if grain == "month":
        return first
    if grain == "quarter":
        return first.replace(month=first.month - (first.month - 1) % 3)
    return first.replace(month=1)


def end_of(grain: Grain, start: dt.datetime) -> dt.datetime:
    """The first instant after the ``grain`` bucket that starts at ``start``."""
    if grain == "week":
        return start + dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    end = start
    for _ in range(months):
        end = next_month(end)
    return end


def label_of(grain: Grain, start: dt.datetime) -> str:
    """The bucket's name: ``2026-W49``, ``2026-11``, ``2026Q4`` or ``2026``."""
    if grain == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if grain == "month":
        return start.strftime("%Y-%m")
    if grain == "quarter":
        return f"{start.year}Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


@dataclass(frozen=True)
class Window:
    """A half-open window ``[since, until)`` of naive UTC instants."""

    since: dt.datetime
    until: dt.datetime

    @classmethod
    def parse(
        cls,
        since: str | None,
        until: str | None,
        today: dt.date | None = None,
        days: int = DEFAULT_DAYS,
    ) -> Window:
        """Dates or ISO timestamps; default: the ``days`` up to the end of today (UTC)."""
        today = today or utc_now().date()
        end = instant(until) if until else end_of_day(today)
        start = instant(since) if since else end - dt.timedelta(days=days)
        if start >= end:
            raise PeriodError(f"--since ({iso(start)}) must be before --until ({iso(end)})")
        return cls(start, end)

    @classmethod
    def last_days(cls, days: int, as_of: dt.date | None = None) -> Window:
        """The ``days`` calendar days up to the end of ``as_of`` (default today)."""
        end = end_of_day(as_of or utc_now().date())
        return cls(end - dt.timedelta(days=days), end)

    @property
    def days(self) -> float:
        return (self.until - self.since).total_seconds() / 86400

    @property
    def months(self) -> list[str]:
        return months_between(self.since, self.until)

    def clipped(self, as_of: dt.datetime) -> Window | None:
        """The part of the window up to ``as_of``; None when it has not started by then."""
        until = min(self.until, as_of)
        return Window(self.since, until) if until > self.since else None

    def label(self) -> str:
        """``2026-09-08 → 2026-12-07`` (the last day included), as people read a window."""
        last = self.until - dt.timedelta(microseconds=1)
        return f"{self.since.date().isoformat()} → {last.date().isoformat()}"

    def as_dict(self) -> dict[str, str]:
        return {"since": iso(self.since), "until": iso(self.until)}


def end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after ``day``."""
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(days=1)


def _read(value: str) -> tuple[Grain, dt.datetime | None] | None:
    """The grain and first instant a period's text names (None: no period's form, or the
    year 0 that no datetime holds; a start of None: a week its year does not have)."""
    if value[:4] == "0000":
        return None
    if quarter := _QUARTER.match(value):
        return "quarter", dt.datetime(int(quarter.group(1)), 3 * int(quarter.group(2)) - 2, 1)
    if month := _MONTH.match(value):
        return "month", dt.datetime(int(month.group(1)), int(month.group(2)), 1)
    if week := _WEEK.match(value):
        try:
            day = dt.date.fromisocalendar(int(week.group(1)), int(week.group(2)), 1)
        except ValueError:
            return "week", None
        return "week", dt.datetime.combine(day, dt.time())
    if year := _YEAR.match(value):
        return "year", dt.datetime(int(year.group(1)), 1, 1)
    return None


@dataclass(frozen=True)
class Period:
    """A calendar period: a week, month, quarter or year, with its label and bounds."""

    grain: Grain
    label: str
    start: dt.datetime  # naive UTC, first instant
    end: dt.datetime  # naive UTC, first instant after the period

    @classmethod
    def parse(cls, text: str, grains: Sequence[Grain] = GRAINS) -> Period:
        """``2026-W49``, ``2026-11``, ``2026Q4`` (or ``2026-Q4``) or ``2026``; only the
        ``grains`` given are accepted (the error names their forms)."""
        value = str(text).strip()
        found = _read(value)
        if found is None or found[0] not in grains:
            raise PeriodError(f"a period is {_forms(grains)}, not {text!r}")
        grain, start = found
        if not FIRST_YEAR <= int(value[:4]) <= LAST_YEAR:  # every form starts with its year
            raise PeriodError(f"{text!r} is outside the years {FIRST_YEAR}-{LAST_YEAR}")
        if start is None:
            raise PeriodError(f"{text!r}: that year has no such ISO week")
        return cls.of(grain, start)

    @classmethod
    def of(cls, grain: Grain, day: dt.datetime | dt.date) -> Period:
        """The ``grain`` period holding ``day``."""
        when = day if isinstance(day, dt.datetime) else dt.datetime.combine(day, dt.time())
        start = start_of(grain, when)
        return cls(grain, label_of(grain, start), start, end_of(grain, start))

    @classmethod
    def current(cls, grain: Grain, today: dt.date | None = None) -> Period:
        return cls.of(grain, today or utc_now().date())

    @classmethod
    def current_quarter(cls, today: dt.date | None = None) -> Period:
        return cls.current("quarter", today)

    @property
    def window(self) -> Window:
        return Window(self.start, self.end)

    @property
    def is_quarter(self) -> bool:
        return self.grain == "quarter"

    @property
    def months(self) -> list[str]:
        """The ``YYYY-MM`` labels of the months the period touches, in order."""
        return months_between(self.start, self.end)

    @property
    def last_day(self) -> dt.date:
        return (self.end - dt.timedelta(days=1)).date()

    def previous(self) -> Period:
        """The period of the same grain just before this one."""
        return Period.of(self.grain, self.start - dt.timedelta(days=1))

    def following(self) -> Period:
        return Period.of(self.grain, self.end)

    def contains_month(self, month: str) -> bool:
        return month in self.months

    def is_partial(self, as_of: dt.datetime) -> bool:
        """True while ``as_of`` is inside the period (it has not ended yet)."""
        return self.start <= as_of < self.end

    def has_started(self, as_of: dt.datetime) -> bool:
        return self.start <= as_of


def quarter_of(day: dt.date | dt.datetime) -> str:
    """The label of the quarter holding ``day`` (``2026Q4``)."""
    return Period.of("quarter", day).label


@dataclass(frozen=True)
class PeriodAsOf:
    """A period judged at an instant: the facts that belong to the period (by their own
    time), with everything known about them at ``as_of`` (a March ticket resolved in April
    counts in March, resolved, once ``as_of`` is past its resolution)."""

    period: Period
    as_of: dt.datetime  # naive UTC

    @classmethod
    def parse(
        cls, text: str | None, as_of: dt.datetime | None = None, grain: Grain = "month"
    ) -> PeriodAsOf:
        """The ``grain`` period ``text`` names (default: the one holding ``as_of``), judged at
        ``as_of`` (default: now; an aware instant is converted to UTC)."""
        at = naive_utc(as_of) if as_of is not None else utc_now()
        period = Period.of(grain, at) if text is None else Period.parse(text, (grain,))
        return cls(period, at)

    @property
    def start(self) -> dt.datetime:
        return self.period.start

    @property
    def end(self) -> dt.datetime:
        return self.period.end

    @property
    def label(self) -> str:
        return self.period.label

    @property
    def complete(self) -> bool:
        """True once ``as_of`` has reached the period's end."""
        return self.as_of >= self.period.end


@dataclass(frozen=True)
class Bucket:
    """One bucket of a window: its start, its days inside the window, and whether the window
    or the as-of instant cuts it short (a partial bucket is never shown as complete)."""

    start: dt.datetime
    end: dt.datetime
    days: float
    partial: bool
    label: str


def buckets(window: Window, grain: Grain, as_of: dt.datetime | None = None) -> list[Bucket]:
    """Every ``grain`` bucket that ``window`` touches, in order. ``days`` counts only the part
    inside the window (deployment frequency divides by it); a bucket is partial when the window
    does not hold all of it, or when it has not ended by ``as_of`` (``as_of`` inside it, or
    before it: a bucket the as-of instant has not reached is not complete either)."""
    out = []
    start = start_of(grain, window.since)
    while start < window.until:
        end = end_of(grain, start)
        inside = min(end, window.until) - max(start, window.since)
        cut = start < window.since or end > window.until
        running = as_of is not None and as_of < end
        out.append(
            Bucket(
                start,
                end,
                inside.total_seconds() / 86400,
                cut or running,
                label_of(grain, start),
            )
        )
        start = end
    return out


def parse_grain(text: str) -> Grain:
    if text not in GRAINS:
        raise PeriodError(f"a period is one of {', '.join(GRAINS)}, not {text!r}")
    return text
