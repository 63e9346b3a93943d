"""The documented RAG rule, the trend rule and scorecard periods, with hand-computed cases and
properties."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadline.periods import Period
from leadline.scorecard.rag import status, trend

numbers = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@pytest.mark.parametrize(
    ("value", "target", "direction", "expected"),
    [
        (100.0, 95.0, "higher", "green"),
        (95.0, 95.0, "higher", "green"),  # meeting the target exactly is green
        (86.0, 95.0, "higher", "amber"),  # 9 short; the band is 9.5
        (85.5, 95.0, "higher", "amber"),  # exactly on the band's edge
        (85.0, 95.0, "higher", "red"),
        (20.0, 24.0, "lower", "green"),
        (26.0, 24.0, "lower", "amber"),  # 2 over; the band is 2.4
        (27.0, 24.0, "lower", "red"),
        (None, 24.0, "lower", "grey"),
        (5.0, None, "lower", "grey"),
        (0.0, 0.0, "lower", "green"),
        (0.1, 0.0, "lower", "red"),  # a zero target has no amber band
    ],
)
def test_status_rule(
    value: float | None, target: float | None, direction: str, expected: str
) -> None:
    assert status(value, target, direction, 0.10) == expected  # type: ignore[arg-type]


def test_tolerance_is_per_kpi() -> None:
    assert status(70.0, 100.0, "higher", 0.25) == "red"
    assert status(80.0, 100.0, "higher", 0.25) == "amber"
    assert status(80.0, 100.0, "higher", 0.0) == "red"


@pytest.mark.parametrize(
    ("value", "previous", "direction", "expected"),
    [
        (12.0, 10.0, "higher", "better"),
        (12.0, 10.0, "lower", "worse"),
        (8.0, 10.0, "lower", "better"),
        (10.05, 10.0, "higher", "flat"),  # within 1 % of the previous value
        (10.2, 10.0, "higher", "better"),
        (1.0, 0.0, "higher", "better"),
        (0.0, 0.0, "higher", "flat"),
        (None, 10.0, "higher", None),
        (10.0, None, "higher", None),
    ],
)
def test_trend_rule(
    value: float | None, previous: float | None, direction: str, expected: str | None
) -> None:
    assert trend(value, previous, direction) == expected  # type: ignore[arg-type]


@given(numbers, numbers, numbers, st.floats(min_value=0, max_value=1))
def test_status_never_improves_as_the_value_worsens(
    a: float, b: float, target: float, tolerance: float
) -> None:
    """For a higher-is-better KPI, a smaller value is never judged better; lower-is-better
    is the mirror image."""
    rank = {"green": 0, "amber": 1, "red": 2}
    low, high = sorted((a, b))
    assert (
        rank[status(high, target, "higher", tolerance)]
        <= rank[status(low, target, "higher", tolerance)]
    )
    assert (
        rank[status(low, target, "lower", tolerance)]
        <= rank[status(high, target, "lower", tolerance)]
    )
    assert (status(a, target, "higher", tolerance) == "green") == (a >= target)


@given(numbers, numbers)
def test_trend_directions_mirror(value: float, previous: float) -> None:
    up, down = trend(value, previous, "higher"), trend(value, previous, "lower")
    assert {up, down} in ({"flat"}, {"better", "worse"})


def test_periods() -> None:
    q = Period.parse("2026q1")
    assert (q.label, q.start, q.end) == ("2026Q1", dt.datetime(2026, 1, 1), dt.datetime(2026, 4, 1))
    assert q.months == ["2026-01", "2026-02", "2026-03"]
    assert q.previous().label == "2025Q4" and q.last_day == dt.date(2026, 3, 31)
    m = Period.parse("2026-03")
    assert (m.start, m.end, m.previous().label) == (
        dt.datetime(2026, 3, 1),
        dt.datetime(2026, 4, 1),
        "2026-02",
    )
    assert Period.parse("2026-01").previous().label == "2025-12"
    assert Period.current_quarter(dt.date(2026, 11, 25)).label == "2026Q4"
    for bad in ("2026Q5", "2026-13", "26Q1", ""):
        with pytest.raises(ValueError, match="YYYYQN"):
            Period.parse(bad)


@given(st.integers(min_value=1971, max_value=2200), st.integers(min_value=1, max_value=4))
def test_quarters_tile_time(year: int, number: int) -> None:
    """Each quarter starts where the previous one ends and holds three consecutive months."""
    quarter = Period.parse(f"{year}Q{number}")
    assert quarter.previous().end == quarter.start
    assert len(quarter.months) == 3 and quarter.months[0] == quarter.start.strftime("%Y-%m")
    months = [Period.parse(m) for m in quarter.months]
    assert months[0].start == quarter.start and months[-1].end == quarter.end
    assert all(a.end == b.start for a, b in itertools.pairwise(months))
    assert months[1].previous() == months[0]
