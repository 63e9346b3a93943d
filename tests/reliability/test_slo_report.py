"""Hand-computed checks of reliability/report.py over a real store and lake (SLO rows in the
store, samples landed by the sli-csv source): window bounds (rolling and calendar), the status
of several SLOs at once (SLI, budget, burn rates, alert, policy state, coverage, projected
exhaustion), the error-budget policy, alert episodes and the KPI "% of SLOs met" per team and
month through a small catalog."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from leadline.context import App
from leadline.reliability import budget_time, report
from leadline.reliability.models import Slo
from tests.delivery.support_metrics import load_catalog
from tests.reliability import slo_reference as ref
from tests.reliability.support_slo import (
    add_slo,
    ingest_samples,
    smp,
    t,
    write_samples,
)

AT = t("2026-03-10T00:00:00Z")


def ago(**delta: float) -> dt.datetime:
    return AT - dt.timedelta(**delta)


def land(app: App, tmp_path: Path, samples: list[dict[str, Any]], name: str = "sli.csv") -> None:
    """Land samples through the sli-csv source (cleanly, or with unknown-SLO warnings only)."""
    report_ = ingest_samples(app, write_samples(tmp_path / name, samples))
    assert report_.totals()["rows_rejected"] == 0


# --- window bounds -------------------------------------------------------------------------


def _slo(kind: str, *, days: int | None = None, unit: str | None = None) -> Slo:
    return Slo(
        name="w", service="s", objective=0.9, window_kind=kind, window_days=days,
        calendar_unit=unit, budgeting="occurrences",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "days", "unit", "at", "start", "end"),
    [
        # Rolling: [at − d days, at), whatever the calendar.
        ("rolling", 7, None, "2026-03-10T15:30:00", "2026-03-03T15:30:00", "2026-03-10T15:30:00"),
        ("rolling", 28, None, "2026-03-10T00:00:00", "2026-02-10T00:00:00", "2026-03-10T00:00:00"),
        ("rolling", 30, None, "2026-03-01T00:00:00", "2026-01-30T00:00:00", "2026-03-01T00:00:00"),
        # Calendar month: February has 28 days in 2026, 29 in 2028; 31 for March.
        ("calendar", None, "month", "2026-02-14T12:00:00", "2026-02-01", "2026-03-01"),
        ("calendar", None, "month", "2028-02-29T23:59:59", "2028-02-01", "2028-03-01"),
        ("calendar", None, "month", "2026-03-31T23:00:00", "2026-03-01", "2026-04-01"),
        # ``at`` exactly at a month start closes the previous month.
        ("calendar", None, "month", "2026-03-01T00:00:00", "2026-02-01", "2026-03-01"),
        ("calendar", None, "month", "2026-01-01T00:00:00", "2025-12-01", "2026-01-01"),
        # One microsecond into the month opens the new month.
        ("calendar", None, "month", "2026-03-01T00:00:00.000001", "2026-03-01", "2026-04-01"),
        # Quarters start in January, April, July, October.
        ("calendar", None, "quarter", "2026-02-15T00:00:00", "2026-01-01", "2026-04-01"),
        ("calendar", None, "quarter", "2026-05-01T00:00:00", "2026-04-01", "2026-07-01"),
        ("calendar", None, "quarter", "2026-09-30T23:59:59", "2026-07-01", "2026-10-01"),
        ("calendar", None, "quarter", "2026-11-20T00:00:00", "2026-10-01", "2027-01-01"),
        ("calendar", None, "quarter", "2026-04-01T00:00:00", "2026-01-01", "2026-04-01"),
        # Weeks run Monday to Monday (9 March 2026 is a Monday).
        ("calendar", None, "week", "2026-03-12T08:00:00", "2026-03-09", "2026-03-16"),
        ("calendar", None, "week", "2026-03-09T00:00:00", "2026-03-02", "2026-03-09"),
        ("calendar", None, "week", "2026-03-15T23:59:59", "2026-03-09", "2026-03-16"),
    ],
)
def test_window_bounds(
    kind: str, days: int | None, unit: str | None, at: str, *, start: str, end: str
) -> None:
    """``window_bounds`` gives the rolling window ending at ``at``, or the calendar period
    holding the instant just before ``at`` (month lengths, leap years, quarter starts, weeks
    from Monday); the reference computes the same bounds independently."""
    slo = _slo(kind, days=days, unit=unit)
    bounds = report.window_bounds(slo, t(at))
    assert bounds == (t(start), t(end))
    assert ref.window_bounds(kind, t(at), days=days or 28, unit=unit or "month") == bounds


# --- policy -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remaining", "alert", "state"),
    [
        (1.0, None, "healthy"),
        (0.25, None, "healthy"),  # at_risk only strictly below 0.25
        (0.2499, None, "at_risk"),
        (0.9, "ticket", "at_risk"),
        (0.9, "page", "at_risk"),
        (0.0, None, "exhausted"),  # exactly spent
        (-3.0, "page", "exhausted"),  # exhausted outranks at risk
        (None, None, "healthy"),  # no data: healthy (coverage shows the gap)
        (None, "page", "at_risk"),
    ],
)
def test_policy_state(remaining: float | None, alert: str | None, state: str) -> None:
    """The error-budget policy: exhausted when nothing is left, at risk when less than a
    quarter is left or an alert fires, healthy otherwise."""
    assert report.policy_state(remaining, alert, 0.25) == state


# --- status of several SLOs at once ---------------------------------------------------------


@pytest.fixture
def org(app: App, tmp_path: Path) -> App:
    """The catalog of tests.delivery.support_metrics (api and web owned by payments, search by
    browse, ledger by finance), five SLOs and their samples landed through sli-csv:

    - api-availability (api, 0.99, 28 days): 3000/3000 ten days ago, 990/1000 an hour ago;
    - web-latency (web, 0.9, calendar month, 5-minute slices, target 0.95): 0/100 on
      28 February 23:55 (previous month), 100/100 at 9 March 12:00–12:04, 50/100 at 12:05–12:09;
    - search-availability (search, 0.999, 7 days, its own rule: ticket when 1h and 5m burn
      above 2): 1000000/1000000 two days ago, 995/1000 two minutes and one minute ago;
    - ledger-availability (ledger, 0.99, 28 days): 992/1000 two days ago;
    - ghost (api, 0.99, 28 days): no samples."""
    load_catalog(app, tmp_path)
    add_slo(app, "api-availability", "api", 0.99)
    add_slo(
        app, "web-latency", "web", 0.9, window_kind="calendar", calendar_unit="month",
        budgeting="timeslices", timeslice_target=0.95, timeslice_seconds=300,
    )  # fmt: skip
    add_slo(
        app, "search-availability", "search", 0.999, window_days=7,
        alerting=[{"severity": "ticket", "long_window": "1h", "short_window": "5m", "factor": 2}],
    )  # fmt: skip
    add_slo(app, "ledger-availability", "ledger", 0.99)
    add_slo(app, "ghost", "api", 0.99)
    noon = t("2026-03-09T12:00:00Z")
    samples = [
        smp("api-availability", ago(days=10), 3000, 3000),
        smp("api-availability", ago(hours=1), 990, 1000),
        smp("web-latency", "2026-02-28T23:55:00Z", 0, 100),
        *(smp("web-latency", noon + dt.timedelta(minutes=m), 100, 100) for m in range(5)),
        *(smp("web-latency", noon + dt.timedelta(minutes=m), 50, 100) for m in range(5, 10)),
        smp("search-availability", ago(days=2), 1_000_000, 1_000_000),
        smp("search-availability", ago(minutes=2), 995, 1000),
        smp("search-availability", ago(minutes=1), 995, 1000),
        smp("ledger-availability", ago(days=2), 992, 1000),
    ]
    land(app, tmp_path, samples)
    return app


def test_status_of_several_slos(org: App) -> None:
    """Every SLO of the store, by name, with hand-computed figures:

    - api-availability: 3990/4000 = 0.9975; remaining 1 − 0.0025/0.01 = 0.75; 1h and 6h burn
      (10/1000)/0.01 = 1; 5m and 30m windows empty so no page, 3d burn 1 is not above 1: no
      alert, healthy. Exhaustion: 28 days × 0.75 ÷ burn_1d 1 = 21 days → 31 March.
    - web-latency: the month from 1 March (the February sample is outside): slices 12:00 good
      (500/500), 12:05 bad (250/500 < 0.95): SLI 0.5, remaining 1 − 0.5/0.1 = −4: exhausted
      (no projection). Coverage 10 samples ÷ (9 days × 1440 minutes).
    - search-availability: 10 bad of 1002000; remaining 1 − (10/1002000)/0.001 = 0.99001996;
      5m and 1h burn (10/2000)/0.001 = 5 > 2: its own rule fires a ticket (the workbook's page
      1h/5m at 14.4 would not): at risk. Exhaustion: 7 days × remaining ÷ burn_1d 5.
    - ledger-availability: 992/1000: remaining 1 − 0.008/0.01 = 0.2 < 0.25: at risk, no alert
      (its 6h window is empty), no projection (no events in the last day).
    - ghost: no samples: null SLI, budget and burn rates, coverage 0, healthy."""
    data = report.status(org, at=AT)
    assert data["at"] == "2026-03-10T00:00:00Z"
    rows = {r["slo"]: r for r in data["slos"]}
    assert [r["slo"] for r in data["slos"]] == sorted(rows)

    api = rows["api-availability"]
    assert (api["service"], api["objective"], api["window"]) == ("api", 0.99, "28d")
    assert api["sli"] == pytest.approx(0.9975)
    assert api["error_budget_remaining"] == pytest.approx(0.75)
    assert api["burn_rate_1h"] == pytest.approx(1.0)
    assert api["burn_rate_6h"] == pytest.approx(1.0)
    assert (api["alert"], api["policy_state"]) == (None, "healthy")
    assert api["events"] == {
        "good": 3990.0,
        "total": 4000.0,
        "bad": 10.0,
        "allowed_bad": pytest.approx(40.0),
    }
    assert api["window_start"] == "2026-02-10T00:00:00Z"
    projected = t(api["projected_exhaustion"])
    assert abs(projected - t("2026-03-31T00:00:00Z")) < dt.timedelta(milliseconds=1)

    web = rows["web-latency"]
    assert (web["window"], web["window_start"]) == ("calendar month", "2026-03-01T00:00:00Z")
    assert web["slices"] == {"good": 1, "total": 2}
    assert web["sli"] == 0.5
    assert web["error_budget_remaining"] == pytest.approx(-4.0)
    assert (web["alert"], web["policy_state"], web["projected_exhaustion"]) == (
        None,
        "exhausted",
        None,
    )
    assert web["coverage"] == pytest.approx(10 / (9 * 1440))
    assert web["burn_rates"]["1d"] == pytest.approx(2.5)  # 250 bad of 1000 ÷ 0.1

    search = rows["search-availability"]
    remaining = 1 - (10 / 1_002_000) / 0.001
    assert search["error_budget_remaining"] == pytest.approx(remaining, rel=1e-9)
    assert search["burn_rate_1h"] == pytest.approx(5.0)
    assert (search["alert"], search["policy_state"]) == ("ticket", "at_risk")
    expected = AT + dt.timedelta(days=7) * (remaining / 5.0)
    assert abs(t(search["projected_exhaustion"]) - expected) < dt.timedelta(milliseconds=1)

    ledger = rows["ledger-availability"]
    assert ledger["error_budget_remaining"] == pytest.approx(0.2)
    assert (ledger["alert"], ledger["policy_state"]) == (None, "at_risk")
    assert ledger["projected_exhaustion"] is None

    ghost = rows["ghost"]
    assert (ghost["sli"], ghost["error_budget_remaining"], ghost["burn_rate_1h"]) == (
        None,
        None,
        None,
    )
    assert (ghost["coverage"], ghost["policy_state"], ghost["alert"]) == (0.0, "healthy", None)


def test_status_of_one_slo(org: App) -> None:
    """``slo=`` restricts the status to that SLO."""
    data = report.status(org, at=AT, slo="ledger-availability")
    assert [r["slo"] for r in data["slos"]] == ["ledger-availability"]


def test_budget_left_as_time(org: App) -> None:
    """The budget left as time is remaining × (1 − objective) × the whole window:
    api-availability 0.75 × 0.01 × 28 d = 18,144 s (5 h 2 m 24 s); ledger 0.2 × 0.01 × 28 d =
    4,838.4 s (1 h 20 m); web-latency (calendar March, 31 days, not the 9 days elapsed)
    −4 × 0.1 × 31 d = −1,071,360 s (12 d 9 h 36 m overspent); ghost: none."""
    rows = {r["slo"]: r for r in report.status(org, at=AT)["slos"]}
    api, ledger, web = rows["api-availability"], rows["ledger-availability"], rows["web-latency"]
    assert api["budget_left_time_seconds"] == pytest.approx(18_144.0)
    assert api["budget_left_time"] == "5 h 2 m left in the last 28 d"
    assert ledger["budget_left_time_seconds"] == pytest.approx(4_838.4)
    assert ledger["budget_left_time"] == "1 h 20 m left in the last 28 d"
    assert web["budget_left_time_seconds"] == pytest.approx(-1_071_360.0)
    assert web["budget_left_time"] == "overspent by 12 d 9 h this month"
    assert (rows["ghost"]["budget_left_time_seconds"], rows["ghost"]["budget_left_time"]) == (
        None,
        None,
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (8_040.0, "2 h 14 m"),
        (8_099.9, "2 h 14 m"),  # rounded down to the minute
        (2_592.0, "43 m"),  # the workbook's 99.9 % over 30 days: 43.2 minutes
        (7_200.0, "2 h"),
        (59.0, "0 m"),
        (86_400.0 * 3 + 3_600 * 4 + 60, "3 d 4 h"),
        (-3_900.0, "1 h 5 m"),
    ],
)
def test_budget_duration_text(seconds: float, text: str) -> None:
    """Durations in the two largest of days, hours and minutes."""
    assert budget_time.duration_text(seconds) == text


def test_calendar_month_at_month_start_is_the_previous_month(app: App, tmp_path: Path) -> None:
    """At 1 March 00:00 a calendar-month SLO reports February: the samples at 1 February 00:00
    (5/10) and 28 February 23:59 (10/10) count, those at 31 January 23:59 and 1 March 00:00
    (0/10 each) do not: SLI 15/20 = 0.75; coverage 2 ÷ (28 × 1440). A calendar-quarter SLO at
    1 April reports the first quarter (from 1 January): its 1 April sample is excluded."""
    add_slo(app, "m", "api", 0.5, window_kind="calendar", calendar_unit="month")
    add_slo(app, "q", "api", 0.5, window_kind="calendar", calendar_unit="quarter")
    samples = [
        smp("m", "2026-01-31T23:59:00Z", 0, 10),
        smp("m", "2026-02-01T00:00:00Z", 5, 10),
        smp("m", "2026-02-28T23:59:00Z", 10, 10),
        smp("m", "2026-03-01T00:00:00Z", 0, 10),
        smp("q", "2026-01-01T00:00:00Z", 10, 10),
        smp("q", "2026-04-01T00:00:00Z", 0, 10),
    ]
    land(app, tmp_path, samples)
    (month,) = report.status(app, at=t("2026-03-01T00:00:00Z"), slo="m")["slos"]
    assert month["window_start"] == "2026-02-01T00:00:00Z"
    assert month["sli"] == 0.75
    assert month["error_budget_remaining"] == pytest.approx(0.5)  # 1 − 0.25/0.5
    assert month["coverage"] == pytest.approx(2 / (28 * 1440))
    (quarter,) = report.status(app, at=t("2026-04-01T00:00:00Z"), slo="q")["slos"]
    assert (quarter["window_start"], quarter["sli"]) == ("2026-01-01T00:00:00Z", 1.0)
    # The budget resets at the month start: February's 28 days, half of its budget left:
    # 0.5 × (1 − 0.5) × 28 d = 7 days.
    assert month["budget_left_time_seconds"] == pytest.approx(7 * 86_400.0)
    assert month["budget_left_time"] == "7 d left this month"


def test_alert_episodes_report(org: App) -> None:
    """Episodes over [9 March 00:00, 10 March 00:00), each SLO with its own rules:
    - web-latency (workbook rules, objective 0.9): evaluated at 12:00–12:09. At 12:07 its 6h and
      3d windows hold 12:00–12:06: 100 bad of 700 → 1.43 > 1: ticket; 12:08 150/800 → 1.875;
      12:09 200/900 → 2.2: ticket (12:06: 50/600 → 0.83: quiet). One ticket 12:07 to 12:10
      (the last evaluation plus the 60-second step), 3 evaluations.
    - search-availability (own rule 1h/5m above 2): at 23:59 the window holds 23:58 (5 bad of
      1000 → 5): ticket, 1 evaluation, ending at midnight.
    - api (its 23:00 sample's windows are empty) and ledger (outside the range): none."""
    data = report.alerts(org, since=t("2026-03-09T00:00:00Z"), until=AT)
    assert data["episodes"] == [
        {
            "slo": "web-latency",
            "severity": "ticket",
            "started_at": "2026-03-09T12:07:00Z",
            "last_evaluated_at": "2026-03-09T12:09:00Z",
            "ended_at": "2026-03-09T12:10:00Z",
            "evaluations": 3,
        },
        {
            "slo": "search-availability",
            "severity": "ticket",
            "started_at": "2026-03-09T23:59:00Z",
            "last_evaluated_at": "2026-03-09T23:59:00Z",
            "ended_at": "2026-03-10T00:00:00Z",
            "evaluations": 1,
        },
    ]
    assert data["rules"] == {"step": "1m"}


# --- KPI ------------------------------------------------------------------------------------


def test_kpi_percent_of_slos_met_per_team_and_month(app: App, tmp_path: Path) -> None:
    """% of SLOs met per team and calendar month (catalog: api and web → payments, search →
    browse, ledger → finance; an SLO of a service outside the catalog is in no team, "(none)",
    as in every grouping: docs/metrics.md, "Organisational grouping"):
    - api (0.99): February 999/1000 met, March 980/1000 not met;
    - web (0.9): February 95/100 met, March 95/100 met;
    - search (0.99): March 50/100 not met;
    - ledger (0.99): February 100/100 met;
    - mystery (0.9): March 1/1 met.
    payments: February 2 of 2 (100 %), March 1 of 2 (50 %); browse: March 0 of 1;
    finance: February 1 of 1; (none): March 1 of 1."""
    load_catalog(app, tmp_path)
    for name, service, objective in (
        ("api-a", "api", 0.99),
        ("web-l", "web", 0.9),
        ("search-a", "search", 0.99),
        ("ledger-a", "ledger", 0.99),
        ("myst", "mystery", 0.9),
    ):
        add_slo(app, name, service, objective)
    samples = [
        smp("api-a", "2026-02-10T00:00:00Z", 999, 1000),
        smp("api-a", "2026-03-01T00:00:00Z", 980, 1000),
        smp("web-l", "2026-02-28T23:59:00Z", 95, 100),
        smp("web-l", "2026-03-31T23:59:00Z", 95, 100),
        smp("search-a", "2026-03-15T00:00:00Z", 50, 100),
        smp("ledger-a", "2026-02-01T00:00:00Z", 100, 100),
        smp("myst", "2026-03-02T00:00:00Z", 1, 1),
    ]
    land(app, tmp_path, samples)
    data = report.kpi(app, by="team")
    assert data["by"] == "team"
    cells = [
        (g["key"], m["month"], m["slos"], m["met"], m["percent_met"])
        for g in data["groups"]
        for m in g["months"]
    ]
    assert cells == [
        ("(none)", "2026-03", 1, 1, 100.0),
        ("browse", "2026-03", 1, 0, 0.0),
        ("finance", "2026-02", 1, 1, 100.0),
        ("payments", "2026-02", 2, 2, 100.0),
        ("payments", "2026-03", 2, 1, 50.0),
    ]


def test_kpi_without_slos_is_empty(app: App) -> None:
    """No SLO specifications: no groups."""
    assert report.kpi(app) == {"by": "team", "groups": []}


def test_status_reads_only_the_months_its_windows_reach() -> None:
    """The status at 25 Nov 12:00 of a 28-day rolling SLO reads from 28 Oct (October and
    November); a calendar-quarter SLO reaches the quarter's end (October to December); a
    burn-rate window longer than the SLO window reaches further back (40 days: from 16 Oct,
    still October; 60 days: from 26 Sep, so September too); at 1 March 00:00 a calendar-month
    SLO closes February (the instant just before), which alone is read."""
    _sample_months = report._sample_months
    at = dt.datetime(2026, 11, 25, 12)
    rolling = Slo(name="r", window_kind="rolling", window_days=28)
    quarter = Slo(name="q", window_kind="calendar", calendar_unit="quarter")
    day = 86400
    assert _sample_months([rolling], at, 3 * day) == ["2026-10", "2026-11"]
    assert _sample_months([rolling, quarter], at, 3 * day) == ["2026-10", "2026-11", "2026-12"]
    assert _sample_months([rolling], at, 40 * day) == ["2026-10", "2026-11"]
    assert _sample_months([rolling], at, 60 * day) == ["2026-09", "2026-10", "2026-11"]
    month = Slo(name="m", window_kind="calendar", calendar_unit="month")
    march = dt.datetime(2026, 3, 1)
    assert _sample_months([month], march, 3600) == ["2026-02"]
