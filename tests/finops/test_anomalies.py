"""Daily cost anomalies on injected series (hand-computed): one spike in a flat series is
flagged and nothing else; a steady ramp never is; the minimum delta silences small spikes;
missing days count as zero cost; a young series needs seven prior days; currencies and
services are separate series. Then the report over ingested FOCUS lines and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import statistics
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.finops.anomalies import (
    Method,
    anomalies,
    anomaly_scores,
    money_text,
    monthly_scores,
    monthly_totals,
)
from leadline.finops.schemas import MONEY
from tests.finops.support_finops import focus_row, ingest_focus, write_focus

JAN = dt.datetime(2026, 1, 1)


def lines(series: dict[tuple[str, str], dict[int, float]]) -> ibis.Table:
    """Cost lines: {(service, currency): {day offset from 1 January: cost}}, two lines a day
    (halves), so days are sums of lines."""
    rows: dict[str, list[Any]] = {
        "charge_period_start": [],
        "service_name": [],
        "billing_currency": [],
        "effective_cost": [],
        "billed_cost": [],
    }
    for (service, currency), days in series.items():
        for offset, cost in days.items():
            for hour in (3, 15):
                rows["charge_period_start"].append(JAN + dt.timedelta(days=offset, hours=hour))
                rows["service_name"].append(service)
                rows["billing_currency"].append(currency)
                rows["effective_cost"].append(Decimal(str(cost)) / 2)
                rows["billed_cost"].append(Decimal(1))
    schema = pa.schema(
        [
            ("charge_period_start", pa.timestamp("us")),
            ("service_name", pa.string()),
            ("billing_currency", pa.string()),
            ("effective_cost", MONEY),
            ("billed_cost", MONEY),
        ]
    )
    return ibis.memtable(pa.table(rows, schema=schema))


def scores(table: ibis.Table, days: int = 40, **method: Any) -> list[dict[str, Any]]:
    expr = anomaly_scores(table, JAN, JAN + dt.timedelta(days=days), method=Method(**method))
    return ibis.duckdb.connect().to_pyarrow(expr.order_by(["service", "day"])).to_pylist()


def flagged(rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(r["service"], (r["day"] - JAN).days) for r in rows if r["anomalous"]]


def test_one_spike_in_a_flat_series_is_the_only_anomaly() -> None:
    """10 a day for 30 days, 100 on day 20: mean 10, deviation 0 → flagged. The days after
    carry the spike in their window (mean 16.4, deviation 24.1) and stay quiet."""
    days = dict.fromkeys(range(30), 10.0) | {20: 100.0}
    rows = scores(lines({("compute", "USD"): days}))
    assert flagged(rows) == [("compute", 20)]
    spike = rows[20]
    assert (spike["prior_days"], spike["baseline_mean"], spike["baseline_std"]) == (14, 10.0, 0.0)
    assert spike["cost"] == Decimal(100)
    assert rows[21]["baseline_mean"] == pytest.approx(10 + 90 / 14)
    assert len(rows) == 40  # the grid runs to ``until``: days 30-39 cost 0


def test_a_steady_ramp_is_never_anomalous() -> None:
    """+5 a day: the newest day is 7.5 steps above the 14-day mean, whose 3 deviations are
    3 × 4.18 = 12.5 steps."""
    rows = scores(lines({("storage", "USD"): {d: 10.0 + 5 * d for d in range(40)}}))
    assert flagged(rows) == []
    assert rows[39]["cost"] == Decimal(205)


def test_min_delta_suppresses_tiny_spikes() -> None:
    days = dict.fromkeys(range(20), 10.0) | {15: 15.0}
    assert flagged(scores(lines({("dns", "USD"): days}))) == []
    assert flagged(scores(lines({("dns", "USD"): days}), min_delta=4.0)) == [("dns", 15)]


def test_missing_days_count_as_zero() -> None:
    """20 on days 0-6, nothing on days 7-20, 25 on day 21: the window is 14 zero days (mean 0),
    so 25 is anomalous; had the gaps been dropped, the mean would be 20 and the excess 5 below
    the minimum delta."""
    days = dict.fromkeys(range(7), 20.0) | {21: 25.0}
    rows = scores(lines({("queue", "USD"): days}), days=22)
    assert flagged(rows) == [("queue", 21)]
    assert [r["cost"] for r in rows[7:21]] == [Decimal(0)] * 14
    assert (rows[21]["prior_days"], rows[21]["baseline_mean"]) == (14, 0.0)


def test_a_young_series_needs_seven_prior_days() -> None:
    """A new service costs 1 for six days then 500: too little history. The seventh prior
    day makes the same spike count."""
    young = dict.fromkeys(range(6), 1.0) | {6: 500.0}
    assert flagged(scores(lines({("new", "USD"): young}))) == []
    older = dict.fromkeys(range(7), 1.0) | {7: 500.0}
    assert flagged(scores(lines({("new", "USD"): older}))) == [("new", 7)]


def test_services_and_currencies_are_separate_series() -> None:
    """The same service in EUR spikes; its USD series (and another service) does not."""
    flat = dict.fromkeys(range(20), 50.0)
    table = lines(
        {
            ("compute", "USD"): flat,
            ("compute", "EUR"): flat | {18: 90.0},
            ("db", "USD"): flat,
        }
    )
    rows = scores(table, days=20)
    anomalous = [
        (r["billing_currency"], r["service"], r["day"].day) for r in rows if r["anomalous"]
    ]
    assert anomalous == [("EUR", "compute", 19)]


def test_history_before_since_feeds_the_baseline() -> None:
    """Only days from ``since`` are reported, but the 14 days before feed their baseline."""
    days = dict.fromkeys(range(30), 10.0) | {20: 100.0}
    expr = anomaly_scores(
        lines({("c", "USD"): days}), JAN + dt.timedelta(days=20), JAN + dt.timedelta(days=21)
    )
    (row,) = ibis.duckdb.connect().to_pyarrow(expr).to_pylist()
    assert (row["anomalous"], row["prior_days"]) == (True, 14)


def test_money_text() -> None:
    assert money_text(Decimal("100.000000000"), "USD") == "100.00"
    assert money_text(Decimal("0.123400000"), "EUR") == "0.1234"
    assert money_text(Decimal("7.000"), "JPY") == "7"


def test_report_and_cli_over_ingested_lines(app: App, tmp_path: Path) -> None:
    """FOCUS lines for 1-25 January (EC2 10 a day, 95 on 22 January): the report's default
    window ends after the latest day and finds exactly that day."""
    rows = []
    for day in range(1, 26):
        cost = "95.00" if day == 22 else "10.00"
        start = dt.datetime(2026, 1, day)
        rows.append(
            focus_row(
                EffectiveCost=cost,
                ChargePeriodStart=f"{start:%Y-%m-%d}T00:00:00Z",
                ChargePeriodEnd=f"{start + dt.timedelta(days=1):%Y-%m-%d}T00:00:00Z",
            )
        )
    assert ingest_focus(app, write_focus(tmp_path / "jan.csv", rows)).exit_code == 0
    data = anomalies(app)
    assert (data["since"], data["until"], data["series"]) == ("2025-12-27", "2026-01-26", 1)
    (found,) = data["anomalies"]
    assert found == {
        "day": "2026-01-22",
        "service": "Amazon EC2",
        "currency": "USD",
        "cost": "95.00",
        "baseline_mean": 10.0,
        "baseline_std": 0.0,
        "threshold": 10.0,
        "excess": 85.0,
        "prior_days": 14,
        "cadence": "daily",
        "prior_months": None,
    }
    assert anomalies(app, min_delta=100.0)["anomalies"] == []
    home = str(app.settings.home)
    result = CliRunner().invoke(
        cli,
        ["--home", home, "finops", "anomalies", "--since", "2026-01-20", "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    assert [a["day"] for a in json.loads(result.output)["anomalies"]] == ["2026-01-22"]
    table = CliRunner().invoke(cli, ["--home", home, "finops", "anomalies"])
    assert table.exit_code == 0 and "95.00" in table.output


def reference(days: dict[int, float], start: int, stop: int, method: Method) -> list[bool]:
    """The rule in plain Python over the zero-filled series, for days ``start..stop-1``; a
    series without lines in the window or the 14 days before is not reported."""
    if not any(start - method.window_days <= d < stop for d in days):
        return []
    posted = [d for d, cost in days.items() if cost and d < stop]
    months = [sum(1 for d in posted if (d >= 31) == second) for second in (False, True)]
    if min(months) >= 1 and max(months) <= method.monthly_max_days:
        return []  # monthly cadence (January and early February only): judged by month
    first = min(days)
    series = {d: days.get(d, 0.0) for d in range(first, stop)}
    out = []
    for day in range(max(start, first), stop):
        prior = [series[d] for d in range(max(first, day - method.window_days), day)]
        if len(prior) < method.min_history:
            out.append(False)
            continue
        mean, sd = statistics.fmean(prior), statistics.stdev(prior)
        cost = series[day]
        out.append(cost > mean + method.sigmas * sd and cost - mean > method.min_delta)
    return out


@settings(max_examples=40, deadline=None)
@given(
    days=st.dictionaries(
        st.integers(0, 40), st.integers(0, 400).map(float), min_size=1, max_size=40
    ),
    start=st.integers(0, 40),
)
def test_flags_equal_a_plain_reference(days: dict[int, float], start: int) -> None:
    """Random sparse series (gaps are zero days): the Ibis flags are the reference's (a
    series of monthly cadence has no daily rows)."""
    method = Method()
    since, until = JAN + dt.timedelta(days=start), JAN + dt.timedelta(days=42)
    expr = anomaly_scores(lines({("svc", "USD"): days}), since, until, method=method)
    rows = ibis.duckdb.connect().to_pyarrow(expr.order_by("day")).to_pylist()
    assert [r["anomalous"] for r in rows] == reference(days, start, 42, method)


def test_a_silent_series_that_wakes_up_has_zero_history() -> None:
    """One line on day 0, nothing for a month, 25 on day 30; reported from day 25: the 14 days
    before day 30 are zero days of a series that exists, so 25 is an anomaly."""
    table = lines({("batch", "USD"): {0: 20.0, 30: 25.0}})
    expr = anomaly_scores(table, JAN + dt.timedelta(days=25), JAN + dt.timedelta(days=31))
    rows = ibis.duckdb.connect().to_pyarrow(expr.order_by("day")).to_pylist()
    assert [(r["day"].day, r["prior_days"], r["anomalous"]) for r in rows] == [
        (26, 14, False),
        (27, 14, False),
        (28, 14, False),
        (29, 14, False),
        (30, 14, False),
        (31, 14, True),
    ]


# Days of 2026 on which months start, as offsets from 1 January.
FIRSTS = {1: 0, 2: 31, 3: 59, 4: 90, 5: 120, 6: 151, 7: 181}


def monthly(table: ibis.Table, since: int, until: int) -> list[dict[str, Any]]:
    start, end = JAN + dt.timedelta(days=since), JAN + dt.timedelta(days=until)
    totals = ibis.duckdb.connect().to_pyarrow(monthly_totals(table, start, end)).to_pylist()
    return monthly_scores(totals, start, end, Method())


def test_monthly_postings_are_judged_against_previous_months() -> None:
    """Salaries posted on the 1st: 1000, 1010, 990, 1000, 1000, 1000 (January to June), then
    1000 on 1 July. Against the 14 zero days before it the daily rule would flag 1 July;
    against the six previous months (mean 1000, sample deviation √(200 / 5) = 6.32, threshold
    1018.97) it is ordinary. EC2 costs 10 a day and 100 on 1 July: daily, and flagged."""
    amounts = [1000.0, 1010.0, 990.0, 1000.0, 1000.0, 1000.0, 1000.0]
    salaries = {FIRSTS[m]: amounts[m - 1] for m in range(1, 8)}
    compute = dict.fromkeys(range(195), 10.0) | {FIRSTS[7]: 100.0}
    table = lines({("6100-salaries", "USD"): salaries, ("compute", "USD"): compute})
    daily = scores_between(table, 181, 195)
    assert {r["service"] for r in daily} == {"compute"}
    assert flagged_days(daily) == [("compute", 181)]
    (july,) = monthly(table, 181, 195)
    assert (july["service"], july["day"], july["prior_months"]) == (
        "6100-salaries",
        dt.datetime(2026, 7, 1),
        6,
    )
    assert july["baseline_mean"] == pytest.approx(1000.0)
    assert july["baseline_std"] == pytest.approx(40**0.5)
    assert july["threshold"] == pytest.approx(1000 + 3 * 40**0.5)
    assert july["anomalous"] is False


def test_a_monthly_posting_far_above_its_months_is_an_anomaly() -> None:
    """The same salaries with 1300 in July: 300 above the mean, past 1018.97 → flagged, and
    reported by the report on its posting day with the month's baseline."""
    amounts = [1000.0, 1010.0, 990.0, 1000.0, 1000.0, 1000.0, 1300.0]
    table = lines({("6100-salaries", "USD"): {FIRSTS[m]: amounts[m - 1] for m in range(1, 8)}})
    (july,) = monthly(table, 181, 195)
    assert july["anomalous"] is True
    assert float(july["cost"]) - july["baseline_mean"] == pytest.approx(300.0)


def test_a_young_monthly_series_needs_three_prior_months() -> None:
    """Licences from May (100, 100, then 5000 in July): two prior months only → not flagged;
    with April too (three prior months, mean 100, deviation 0) the same July is."""
    young = {FIRSTS[5]: 100.0, FIRSTS[6]: 100.0, FIRSTS[7]: 5000.0}
    (july,) = monthly(lines({("licences", "USD"): young}), 181, 195)
    assert (july["prior_months"], july["anomalous"]) == (2, False)
    older = young | {FIRSTS[4]: 100.0}
    (july,) = monthly(lines({("licences", "USD"): older}), 181, 195)
    assert (july["prior_months"], july["baseline_std"], july["anomalous"]) == (3, 0.0, True)


def test_a_correction_keeps_a_series_monthly_and_adds_to_its_month() -> None:
    """Licences 100 on each 1st and a correction of 30 on 15 March: two days in March is still
    a monthly cadence; March counts 130. A missing May counts 0. July 100 against January to
    June (100, 100, 130, 100, 0, 100: mean 530 / 6 = 88.33, squared deviations 4 × 11.67² +
    41.67² + 88.33² = 10083.33, deviation √(10083.33 / 5) = 44.91) is ordinary; three days in
    one month make the series daily."""
    posts = {FIRSTS[m]: 100.0 for m in (1, 2, 3, 4, 6, 7)} | {73: 30.0}
    found = monthly(lines({("licences", "USD"): posts}), 181, 195)
    (july,) = found
    assert july["baseline_mean"] == pytest.approx(530 / 6)
    assert july["baseline_std"] == pytest.approx((10083.333333 / 5) ** 0.5)
    assert july["anomalous"] is False
    assert monthly(lines({("licences", "USD"): posts | {74: 1.0}}), 181, 195) == []


def scores_between(table: ibis.Table, since: int, until: int) -> list[dict[str, Any]]:
    expr = anomaly_scores(table, JAN + dt.timedelta(days=since), JAN + dt.timedelta(days=until))
    return ibis.duckdb.connect().to_pyarrow(expr.order_by(["service", "day"])).to_pylist()


def flagged_days(rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(r["service"], (r["day"] - JAN).days) for r in rows if r["anomalous"]]
