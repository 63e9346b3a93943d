"""``leadline.periods``: windows, calendar periods, buckets with partial flags, as-of instants.

Expected bounds are worked out by hand from the calendar (ISO weeks start on Monday; week 1
holds the year's first Thursday)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadline.periods import (
    GRAINS,
    Bucket,
    Period,
    PeriodAsOf,
    PeriodError,
    Window,
    buckets,
    instant,
    iso,
    months_between,
    next_month,
    parse_grain,
    quarter_of,
)

D = dt.datetime


# --- periods: bounds per grain ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "grain", "label", "start", "end"),
    [
        # 1 January 2026 is a Thursday: week 1 starts Monday 29 December 2025, and 2026 has
        # 53 weeks (it starts on a Thursday), the last from Monday 28 December 2026.
        ("2026-W01", "week", "2026-W01", D(2025, 12, 29), D(2026, 1, 5)),
        ("2026w53", "week", "2026-W53", D(2026, 12, 28), D(2027, 1, 4)),
        ("2026-W49", "week", "2026-W49", D(2026, 11, 30), D(2026, 12, 7)),
        # 2020 (a leap year starting on a Wednesday) has 53 weeks too.
        ("2020-W53", "week", "2020-W53", D(2020, 12, 28), D(2021, 1, 4)),
        ("2026-11", "month", "2026-11", D(2026, 11, 1), D(2026, 12, 1)),
        ("2026-12", "month", "2026-12", D(2026, 12, 1), D(2027, 1, 1)),
        ("2028-02", "month", "2028-02", D(2028, 2, 1), D(2028, 3, 1)),
        ("2026Q4", "quarter", "2026Q4", D(2026, 10, 1), D(2027, 1, 1)),
        ("2026-q1", "quarter", "2026Q1", D(2026, 1, 1), D(2026, 4, 1)),
        ("2026", "year", "2026", D(2026, 1, 1), D(2027, 1, 1)),
    ],
)
def test_period_bounds(text: str, grain: str, label: str, start: D, end: D) -> None:
    period = Period.parse(text)
    assert (period.grain, period.label, period.start, period.end) == (grain, label, start, end)
    assert Period.parse(period.label) == period  # the label reads back as the same period
    assert Period.of(period.grain, period.last_day) == period


@pytest.mark.parametrize(
    ("month", "last_day"),
    [
        ("2028-02", dt.date(2028, 2, 29)),  # divisible by 4: leap
        ("2026-02", dt.date(2026, 2, 28)),
        ("2100-02", dt.date(2100, 2, 28)),  # divisible by 100, not by 400: common
        ("2000-02", dt.date(2000, 2, 29)),  # divisible by 400: leap
    ],
)
def test_february_in_leap_and_common_years(month: str, last_day: dt.date) -> None:
    assert Period.parse(month).last_day == last_day


def test_leap_year_and_its_quarter_have_their_days() -> None:
    assert Period.parse("2028").window.days == 366
    assert Period.parse("2026").window.days == 365
    assert Period.parse("2028Q1").window.days == 91  # 31 + 29 + 31
    assert Period.parse("2026Q1").window.days == 90


def test_period_of_a_day() -> None:
    """The period holding a day, at every grain (a week can belong to the year before or
    after its dates' year)."""
    assert Period.of("week", dt.date(2027, 1, 3)).label == "2026-W53"
    assert Period.of("week", dt.date(2024, 12, 30)).label == "2025-W01"
    assert Period.of("month", D(2026, 12, 31, 23, 59)).label == "2026-12"
    assert Period.of("quarter", dt.date(2026, 9, 30)).label == "2026Q3"
    assert Period.of("quarter", dt.date(2026, 10, 1)).label == "2026Q4"
    assert Period.of("year", dt.date(2026, 12, 31)).label == "2026"
    assert Period.current("month", dt.date(2026, 11, 25)).label == "2026-11"
    assert Period.current_quarter(dt.date(2026, 11, 25)).label == "2026Q4"
    assert quarter_of(dt.date(2026, 3, 31)) == "2026Q1"
    assert quarter_of(D(2026, 4, 1)) == "2026Q2"


@pytest.mark.parametrize(
    ("text", "previous", "following"),
    [
        ("2027-W01", "2026-W53", "2027-W02"),
        ("2026-W53", "2026-W52", "2027-W01"),
        ("2026-01", "2025-12", "2026-02"),
        ("2026-12", "2026-11", "2027-01"),
        ("2026Q1", "2025Q4", "2026Q2"),
        ("2026Q4", "2026Q3", "2027Q1"),
        ("2026", "2025", "2027"),
    ],
)
def test_previous_and_following(text: str, previous: str, following: str) -> None:
    period = Period.parse(text)
    assert period.previous().label == previous and period.following().label == following
    assert period.previous().end == period.start and period.following().start == period.end
    assert period.previous().following() == period


def test_months_of_periods() -> None:
    assert Period.parse("2026Q4").months == ["2026-10", "2026-11", "2026-12"]
    assert Period.parse("2026-W53").months == ["2026-12", "2027-01"]
    assert len(Period.parse("2026").months) == 12
    assert Period.parse("2026Q4").contains_month("2026-11")
    assert months_between(D(2026, 11, 30), D(2027, 1, 1)) == ["2026-11", "2026-12"]
    assert months_between(D(2026, 11, 30), D(2026, 12, 1, 0, 0, 1)) == ["2026-11", "2026-12"]
    assert next_month(D(2026, 12, 31, 18)) == D(2027, 1, 1)
    assert next_month(D(2028, 1, 31)) == D(2028, 2, 1)


def test_partial_while_as_of_is_inside() -> None:
    quarter = Period.parse("2026Q4")
    assert quarter.is_partial(D(2026, 12, 8))
    assert not quarter.is_partial(D(2027, 1, 1))  # the end is outside: complete
    assert not quarter.is_partial(D(2026, 9, 30))  # not started
    assert quarter.has_started(D(2026, 10, 1)) and not quarter.has_started(D(2026, 9, 30))


@pytest.mark.parametrize(
    "bad",
    ["2026Q5", "2026Q0", "2026-13", "2026-00", "2026-1", "26Q1", "", "Q4", "2026-W54", "20261"],
)
def test_parse_errors_name_the_forms(bad: str) -> None:
    with pytest.raises(PeriodError, match=r"YYYYQN, a month YYYY-MM, a week YYYY-Www"):
        Period.parse(bad)


def test_parse_errors_of_weeks_and_years() -> None:
    with pytest.raises(PeriodError, match="no such ISO week"):
        Period.parse("2025-W53")  # 2025 starts on a Wednesday, not a leap year: 52 weeks
    with pytest.raises(PeriodError, match="outside the years"):
        Period.parse("3000")
    with pytest.raises(PeriodError, match="outside the years"):
        Period.parse("1969-12")
    with pytest.raises(PeriodError, match="a period is"):
        Period.parse("0000")


def test_parse_of_chosen_grains() -> None:
    """A caller may accept only some grains; the error then names only their forms."""
    assert Period.parse("2026q4", ("quarter",)).label == "2026Q4"
    with pytest.raises(PeriodError, match=r"^a period is a quarter YYYYQN, not '2026-11'$"):
        Period.parse("2026-11", ("quarter",))
    with pytest.raises(PeriodError, match=r"a quarter YYYYQN or a month YYYY-MM, not '2026'$"):
        Period.parse("2026", ("quarter", "month"))
    assert parse_grain("year") == "year" and GRAINS == ("week", "month", "quarter", "year")
    with pytest.raises(PeriodError, match="week, month, quarter, year"):
        parse_grain("day")


# --- period judged at an instant -------------------------------------------------------------


def test_period_as_of() -> None:
    aware = dt.datetime(2026, 4, 1, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    march = PeriodAsOf.parse(None, aware)  # 31 March 23:30 UTC: still March
    assert (march.label, march.as_of, march.complete) == ("2026-03", D(2026, 3, 31, 23, 30), False)
    assert PeriodAsOf.parse("2026-03", D(2026, 4, 1)).complete
    assert PeriodAsOf.parse("2026Q1", D(2026, 4, 1), grain="quarter").label == "2026Q1"
    judged = PeriodAsOf.parse("2026-02", D(2026, 3, 10))
    assert (judged.start, judged.end) == (D(2026, 2, 1), D(2026, 3, 1))
    with pytest.raises(PeriodError, match="a month YYYY-MM"):
        PeriodAsOf.parse("2026Q1", D(2026, 4, 1))


# --- windows ---------------------------------------------------------------------------------


def test_default_window_is_the_90_days_to_the_end_of_today() -> None:
    window = Window.parse(None, None, today=dt.date(2026, 12, 8))
    assert (window.since, window.until) == (D(2026, 9, 10), D(2026, 12, 9))
    assert window.days == 90
    assert window.label() == "2026-09-10 → 2026-12-08"
    assert window.as_dict() == {"since": "2026-09-10T00:00:00Z", "until": "2026-12-09T00:00:00Z"}
    assert Window.last_days(90, dt.date(2026, 12, 8)) == window


def test_window_bounds_from_text() -> None:
    window = Window.parse("2026-03-02T01:00:00+02:00", "2026-03-03T05:00:00Z")
    assert (window.since, window.until) == (D(2026, 3, 1, 23), D(2026, 3, 3, 5))
    assert Window.parse(None, "2026-03-01", today=dt.date(2030, 1, 1)).since == D(2025, 12, 1)
    assert Window(D(2026, 3, 1), D(2026, 3, 1, 12)).label() == "2026-03-01 → 2026-03-01"
    assert Window(D(2026, 1, 15), D(2026, 3, 10)).months == ["2026-01", "2026-02", "2026-03"]
    clipped = Window(D(2026, 10, 1), D(2027, 1, 1)).clipped(D(2026, 12, 8, 12))
    assert clipped == Window(D(2026, 10, 1), D(2026, 12, 8, 12))
    assert Window(D(2026, 10, 1), D(2027, 1, 1)).clipped(D(2026, 10, 1)) is None


@pytest.mark.parametrize(
    ("since", "until", "match"),
    [
        ("2026-03-16", "2026-03-02", "must be before"),
        ("2026-03-02", "2026-03-02", "must be before"),
        ("yesterday", None, "not a date"),
        ("2026-02-30", None, "not a date"),
        ("3000-01-01", None, "outside the years"),
    ],
)
def test_window_errors(since: str, until: str | None, match: str) -> None:
    with pytest.raises(PeriodError, match=match):
        Window.parse(since, until)


def test_instants_and_iso() -> None:
    assert instant("2026-10-01") == D(2026, 10, 1)
    assert instant(" 2026-10-01T12:00:00Z ") == D(2026, 10, 1, 12)
    assert iso(D(2026, 10, 1)) == "2026-10-01T00:00:00Z"
    assert iso(D(2026, 10, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=2)))) == (
        "2026-10-01T00:00:00Z"
    )


# --- buckets ---------------------------------------------------------------------------------


def test_buckets_cut_at_both_ends_are_partial() -> None:
    """4 November 12:00 to 10 December: November from the 1st (26.5 days inside), December
    to the 10th (9 days inside); both cut short."""
    grid = buckets(Window(D(2026, 11, 4, 12), D(2026, 12, 10)), "month")
    assert grid == [
        Bucket(D(2026, 11, 1), D(2026, 12, 1), 26.5, True, "2026-11"),
        Bucket(D(2026, 12, 1), D(2027, 1, 1), 9.0, True, "2026-12"),
    ]


def test_whole_buckets_are_complete_unless_as_of_is_inside() -> None:
    """Weeks 49 and 50 of 2026 exactly: complete, except the one the as-of instant is in."""
    window = Window(D(2026, 11, 30), D(2026, 12, 14))
    assert [(b.label, b.days, b.partial) for b in buckets(window, "week")] == [
        ("2026-W49", 7.0, False),
        ("2026-W50", 7.0, False),
    ]
    running = buckets(window, "week", as_of=D(2026, 12, 9, 15))
    assert [(b.label, b.partial) for b in running] == [("2026-W49", False), ("2026-W50", True)]
    over = buckets(window, "week", as_of=D(2026, 12, 14))  # the end itself: complete
    assert [b.partial for b in over] == [False, False]
    early = buckets(window, "week", as_of=D(2026, 12, 2))  # W50 not reached yet: not complete
    assert [b.partial for b in early] == [True, True]


def test_quarter_and_year_buckets() -> None:
    window = Window(D(2026, 8, 15), D(2026, 11, 25, 12))
    assert [(b.label, b.days, b.partial) for b in buckets(window, "quarter")] == [
        ("2026Q3", 47.0, True),
        ("2026Q4", 55.5, True),
    ]
    whole = buckets(Period.parse("2026Q4").window, "quarter", as_of=D(2027, 2, 1))
    assert [(b.label, b.days, b.partial) for b in whole] == [("2026Q4", 92.0, False)]
    years = buckets(Window(D(2027, 12, 1), D(2028, 3, 1)), "year")
    assert [(b.label, b.days, b.partial) for b in years] == [
        ("2027", 31.0, True),
        ("2028", 60.0, True),
    ]


INSTANTS = st.datetimes(min_value=D(1990, 1, 1), max_value=D(2090, 1, 1)).map(
    lambda d: d.replace(microsecond=0)
)


@given(
    since=INSTANTS,
    length=st.timedeltas(min_value=dt.timedelta(seconds=1), max_value=dt.timedelta(days=800)),
    grain=st.sampled_from(GRAINS),
    as_of=st.none() | INSTANTS,
)
def test_buckets_tile_the_window(
    since: D, length: dt.timedelta, grain: str, as_of: D | None
) -> None:
    """Whatever the window and grain: the buckets are consecutive whole periods, the first
    holds ``since``, the last holds the last instant before ``until``, and their days inside
    sum to the window's days; a bucket is partial exactly when the window cuts it or it has
    not ended by the as-of instant."""
    window = Window(since, since + length)
    grid = buckets(window, grain, as_of)  # type: ignore[arg-type]
    assert grid[0].start <= window.since < grid[0].end
    last = window.until - dt.timedelta(microseconds=1)
    assert grid[-1].start <= last < grid[-1].end
    assert all(a.end == b.start for a, b in itertools.pairwise(grid))
    assert sum(b.days for b in grid) == pytest.approx(window.days, rel=1e-12)
    for b in grid:
        period = Period.of(grain, b.start)  # type: ignore[arg-type]
        assert (period.start, period.end, period.label) == (b.start, b.end, b.label)
        cut = b.start < window.since or b.end > window.until
        running = as_of is not None and as_of < period.end
        assert b.partial == (cut or running)
