"""``leadline dora``: the window, the buckets, the JSON document of DESIGN.md §4 and the CLI in
its three formats, with hand-computed numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from leadline.catalog.grouping import Scope
from leadline.cli import app as cli
from leadline.config import Settings, load_settings
from leadline.context import App
from leadline.delivery.explain import facts
from leadline.delivery.report import dora, dora_series
from leadline.periods import Grain, Window, buckets
from leadline.semantic.evaluation import Evaluation
from tests.delivery.support_metrics import (
    CHANGES_HEADER,
    DEPLOYMENTS_HEADER,
    INCIDENTS_HEADER,
    ingest,
    t,
    write_csv,
    write_text,
)

# --- Window.parse -----------------------------------------------------------------------------


def test_window_from_dates() -> None:
    """Dates are midnights UTC; the window is [since, until)."""
    window = Window.parse("2026-03-02", "2026-03-16")
    assert (window.since, window.until) == (dt.datetime(2026, 3, 2), dt.datetime(2026, 3, 16))
    assert window.days == 14.0


def test_window_from_iso_times_with_offsets() -> None:
    """ISO times with offsets become naive UTC; Z means UTC; fractional days count."""
    window = Window.parse("2026-03-02T01:00:00+02:00", "2026-03-03T05:00:00-05:00")
    assert window.since == dt.datetime(2026, 3, 1, 23, 0)
    assert window.until == dt.datetime(2026, 3, 3, 10, 0)
    assert window.days == pytest.approx(35 / 24)
    assert Window.parse("2026-03-02T12:00:00Z", None).since == dt.datetime(2026, 3, 2, 12)


def test_window_defaults() -> None:
    """Default: the 90 days up to the end of today (UTC); a lone --until keeps 90 days before
    it; a lone --since runs to the end of today."""
    today = dt.date(2026, 3, 10)
    window = Window.parse(None, None, today=today)
    assert window.until == dt.datetime(2026, 3, 11)
    assert window.since == dt.datetime(2026, 3, 11) - dt.timedelta(days=90)
    assert window.days == 90.0
    assert Window.parse(None, "2026-03-01", today=today).since == dt.datetime(2025, 12, 1)
    assert Window.parse("2026-03-01", None, today=today).until == dt.datetime(2026, 3, 11)


@pytest.mark.parametrize(
    ("since", "until"),
    [
        ("2026-03-02", "2026-03-02"),
        ("2026-03-03", "2026-03-02"),
        ("2026-03-02T01:00+01:00", "2026-03-02"),
    ],
)
def test_window_since_must_be_before_until(since: str, until: str) -> None:
    """since >= until is an error naming both ends."""
    with pytest.raises(ValueError, match="must be before --until"):
        Window.parse(since, until)


# --- buckets ----------------------------------------------------------------------------------


def grid(window: Window, grain: Grain) -> list[tuple[dt.datetime, float]]:
    """(start, days inside the window) of each bucket, as ``dora()`` sends them to the query."""
    return [(b.start, b.days) for b in buckets(window, grain)]


def test_week_buckets_start_on_monday_with_partial_ends() -> None:
    """Wednesday 4 March 12:00 to Tuesday 17 March 06:00: weeks of 2 March (4.5 days inside),
    9 March (7) and 16 March (1.25)."""
    window = Window(t("2026-03-04T12:00"), t("2026-03-17T06:00"))
    assert grid(window, "week") == [
        (t("2026-03-02"), 4.5),
        (t("2026-03-09"), 7.0),
        (t("2026-03-16"), 1.25),
    ]


def test_week_buckets_of_whole_weeks() -> None:
    """A window from a Monday to a Monday has whole weeks and no empty bucket at the end; it
    may cross the year (29 Dec 2025 is a Monday)."""
    window = Window(t("2025-12-29"), t("2026-01-12"))
    assert grid(window, "week") == [(t("2025-12-29"), 7.0), (t("2026-01-05"), 7.0)]


def test_month_buckets_have_calendar_lengths() -> None:
    """Months have their calendar lengths (January 31, February 28 in 2026, April 30) and the
    first and last are cut to the window: 20 Jan (12 days inside) to 10 May 12:00 (9.5)."""
    window = Window(t("2026-01-20"), t("2026-05-10T12:00"))
    assert grid(window, "month") == [
        (t("2026-01-01"), 12.0),
        (t("2026-02-01"), 28.0),
        (t("2026-03-01"), 31.0),
        (t("2026-04-01"), 30.0),
        (t("2026-05-01"), 9.5),
    ]


def test_month_buckets_in_a_leap_year_and_across_years() -> None:
    """February 2028 has 29 days; December to January crosses the year."""
    window = Window(t("2027-12-01"), t("2028-03-01"))
    assert grid(window, "month") == [
        (t("2027-12-01"), 31.0),
        (t("2028-01-01"), 31.0),
        (t("2028-02-01"), 29.0),
    ]


def test_quarter_buckets_are_calendar_quarters() -> None:
    """15 Aug 2026 to 25 Nov 12:00: Q3 from 1 July with 47 days inside (15 Aug to 1 Oct),
    Q4 from 1 October with 55.5 days inside; a window inside one quarter has one bucket."""
    window = Window(t("2026-08-15"), t("2026-11-25T12:00"))
    assert grid(window, "quarter") == [(t("2026-07-01"), 47.0), (t("2026-10-01"), 55.5)]
    assert grid(Window(t("2026-02-03"), t("2026-03-01")), "quarter") == [(t("2026-01-01"), 26.0)]
    december = Window(t("2026-12-20"), t("2027-01-05"))
    assert grid(december, "quarter") == [(t("2026-10-01"), 12.0), (t("2027-01-01"), 4.0)]


def test_bucket_days_add_up_to_the_window() -> None:
    """Whatever the window, the buckets' days sum to the window's days."""
    window = Window(t("2026-01-07T18:00"), t("2026-04-02T03:00"))
    for period in ("week", "month", "quarter", "year"):
        cells = grid(window, period)  # type: ignore[arg-type]
        assert sum(days for _, days in cells) == pytest.approx(window.days)


# --- the JSON document ------------------------------------------------------------------------

# Window 2 to 16 March 2026 (14 days), by service, weekly series:
# api: d1 3 Mar 12:00 (a), d2 10 Mar 12:00 (b), d3 11 Mar 12:00 (c, hotfix);
#      changes c1 3 Mar 10:00 -> d1 2 h, c2 9 Mar 12:00 -> d2 24 h, c3 11 Mar 06:00 -> d3 6 h;
#      incident i1 10 Mar 13:00 (1 h after d2: linked) resolved 15:00: 2 h.
#      d2 failed (incident, and the hotfix d3 remediates it); d3 is rework.
# web: w1 4 Mar 08:00; change cw1 4 Mar 07:30 -> 0.5 h; incident i2 5 Mar 00:00 (16 h after
#      w1: linked), still open.
DEPLOYMENTS = [
    "d1,api,production,success,2026-03-03T12:00:00Z,a,",
    "d2,api,production,success,2026-03-10T12:00:00Z,b,",
    "d3,api,production,success,2026-03-11T12:00:00Z,c,hotfix",
    "w1,web,production,success,2026-03-04T08:00:00Z,x,",
    "s1,web,staging,success,2026-03-04T07:45:00Z,x,",
]
CHANGES = [
    "c1,api,,2026-03-03T10:00:00Z,,",
    "c2,api,,2026-03-09T12:00:00Z,,",
    "c3,api,,2026-03-11T06:00:00Z,,",
    "cw1,web,,2026-03-04T07:30:00Z,,",
]
INCIDENTS = [
    "i1,api,SEV2,2026-03-10T13:00:00Z,2026-03-10T15:00:00Z,",
    "i2,web,SEV3,2026-03-05T00:00:00Z,,",
]
# Totals: api 3 deployments / 14 = 3/14 per day (daily-to-weekly); lead [2, 6, 24] p50 6, p90
# 6 + 0.8 * 18 = 20.4; CFR 1/3; TTR 2; rework 1/3. Levels: frequency high, lead time elite,
# CFR low (> 15%), restore high (1 h <= 2 h < 24 h): overall low.
# web 1 / 14 per day (weekly-to-monthly); lead 0.5; CFR 1; 1 incident, unresolved; rework 0.
API_TOTAL = {
    "key": "api",
    "deployments": 3,
    "deployment_frequency_per_day": 3 / 14,
    "deployment_frequency_level": "daily-to-weekly",
    "lead_time_hours": {"p50": 6.0, "p90": 20.4},
    "changes": 3,
    "change_failure_rate": 1 / 3,
    "failed_deployments": 1,
    "time_to_restore_hours": {"p50": 2.0, "p90": 2.0},
    "incidents": 1,
    "unresolved_incidents": 0,
    "rework_rate": 1 / 3,
    "rework_deployments": 1,
    "levels": {
        "deployment_frequency": "high",
        "lead_time": "elite",
        "change_failure_rate": "low",
        "time_to_restore": "high",
    },
    "performance_level": "low",
}
WEB_TOTAL = {
    "key": "web",
    "deployments": 1,
    "deployment_frequency_per_day": 1 / 14,
    "deployment_frequency_level": "weekly-to-monthly",
    "lead_time_hours": {"p50": 0.5, "p90": 0.5},
    "changes": 1,
    "change_failure_rate": 1.0,
    "failed_deployments": 1,
    "time_to_restore_hours": {"p50": None, "p90": None},
    "incidents": 1,
    "unresolved_incidents": 1,
    "rework_rate": 0.0,
    "rework_deployments": 0,
    "levels": {
        "deployment_frequency": "medium",
        "lead_time": "elite",
        "change_failure_rate": "low",
        "time_to_restore": None,
    },
    "performance_level": "low",
}
# Weeks: api week of 2 Mar: d1 (1/7), lead 2, CFR 0, rework 0; week of 9 Mar: d2, d3 (2/7),
# lead [6, 24] p50 15 p90 6 + 0.9 * 18 = 22.2, CFR 1/2, rework 1/2, TTR 2.
# web week of 2 Mar: w1 (1/7), lead 0.5, CFR 1, 1 unresolved incident; week of 9 Mar: empty.
API_WEEKS = [
    ("2026-03-02T00:00:00Z", 1, 1 / 7, 2.0, 2.0, 0.0, None, 0.0),
    ("2026-03-09T00:00:00Z", 2, 2 / 7, 15.0, 22.2, 0.5, 2.0, 0.5),
]
WEB_WEEKS = [
    ("2026-03-02T00:00:00Z", 1, 1 / 7, 0.5, 0.5, 1.0, None, 0.0),
    ("2026-03-09T00:00:00Z", 0, 0.0, None, None, None, None, None),
]


def load(app: App, tmp_path: Path) -> None:
    """The facts above, through the three CSV sources."""
    ingest(app, "deployments-csv", write_csv(tmp_path / "d.csv", DEPLOYMENTS_HEADER, DEPLOYMENTS))
    ingest(app, "changes-csv", write_csv(tmp_path / "c.csv", CHANGES_HEADER, CHANGES))
    ingest(app, "incidents-csv", write_csv(tmp_path / "i.csv", INCIDENTS_HEADER, INCIDENTS))


def assert_matches(got: Any, expected: Any) -> None:
    """Equal, floats approximately (nested dicts compared key by key)."""
    if isinstance(expected, dict):
        for name, value in expected.items():
            assert_matches(got[name], value)
    elif isinstance(expected, float):
        assert got == pytest.approx(expected), (got, expected)
    else:
        assert got == expected


def week_tuple(item: dict[str, Any]) -> tuple[Any, ...]:
    return (
        item["bucket"],
        item["deployments"],
        item["deployment_frequency_per_day"],
        item["lead_time_hours"]["p50"],
        item["lead_time_hours"]["p90"],
        item["change_failure_rate"],
        item["time_to_restore_hours"]["p50"],
        item["rework_rate"],
    )


def assert_weeks(got: list[dict[str, Any]], expected: list[tuple[Any, ...]]) -> None:
    assert [week_tuple(s) for s in got] == [
        tuple(pytest.approx(v) if isinstance(v, float) else v for v in row) for row in expected
    ]


def test_dora_json_document(app: App, tmp_path: Path) -> None:
    """``dora()`` returns the DESIGN.md §4 keys: since, until and per group key, deployments,
    frequency and its level, lead time p50/p90, change failure rate, time to restore p50/p90,
    rework rate, performance level and a weekly series of the same keys, with the
    hand-computed values above."""
    load(app, tmp_path)
    report = dora(app, by="service", period="week", window=Window.parse("2026-03-02", "2026-03-16"))
    assert (report["since"], report["until"]) == ("2026-03-02T00:00:00Z", "2026-03-16T00:00:00Z")
    assert [g["key"] for g in report["groups"]] == ["api", "web"]
    api, web = report["groups"]
    contract = {
        "key",
        "deployments",
        "deployment_frequency_per_day",
        "deployment_frequency_level",
        "lead_time_hours",
        "change_failure_rate",
        "time_to_restore_hours",
        "rework_rate",
        "performance_level",
        "series",
    }
    assert contract <= set(api)
    assert set(api["lead_time_hours"]) == set(api["time_to_restore_hours"]) == {"p50", "p90"}
    assert_matches(api, API_TOTAL)
    assert_matches(web, WEB_TOTAL)
    assert contract - {"key", "series"} <= set(api["series"][0])
    assert [s["days"] for s in api["series"]] == [7.0, 7.0]
    assert_weeks(api["series"], API_WEEKS)
    assert_weeks(web["series"], WEB_WEEKS)
    # Added keys: the as-of instant (now), each bucket's label and whether it is partial.
    assert dt.datetime.fromisoformat(report["as_of"]) > dt.datetime(2026, 3, 16, tzinfo=dt.UTC)
    assert [(s["label"], s["partial"]) for s in api["series"]] == [
        ("2026-W10", False),
        ("2026-W11", False),
    ]
    json.dumps(report)  # plain JSON values only


def test_partial_buckets_and_the_year(app: App, tmp_path: Path) -> None:
    """2 to 16 March by month: March is cut by the window (partial, 14 days inside); by year:
    2026, partial, the window's totals."""
    load(app, tmp_path)
    window = Window.parse("2026-03-02", "2026-03-16")
    by_month = dora(app, by="service", period="month", window=window)
    api = by_month["groups"][0]
    assert [(s["label"], s["days"], s["partial"]) for s in api["series"]] == [
        ("2026-03", 14.0, True)
    ]
    by_year = dora(app, by="service", period="year", window=window)
    api = by_year["groups"][0]
    assert [(s["bucket"], s["label"], s["partial"]) for s in api["series"]] == [
        ("2026-01-01T00:00:00Z", "2026", True)
    ]
    assert_matches({**api["series"][0], "key": "api"}, API_TOTAL)


def test_dora_as_of_an_instant(app: App, tmp_path: Path) -> None:
    """As of 10 March 12:30 (after d2 at 12:00, before i1 at 13:00 and d3 on the 11th): api has
    d1 and d2, neither failed yet; lead times c1 2 h and c2 24 h (p50 13); no incident. The
    second week is partial (not over at the as-of instant), the first is not."""
    load(app, tmp_path)
    window = Window.parse("2026-03-02", "2026-03-16")
    at = dt.datetime(2026, 3, 10, 12, 30)
    report = dora(app, by="service", period="week", window=window, as_of=at)
    assert report["as_of"] == "2026-03-10T12:30:00Z"
    api = report["groups"][0]
    assert (api["deployments"], api["failed_deployments"], api["incidents"]) == (2, 0, 0)
    assert (api["changes"], api["lead_time_hours"]["p50"]) == (2, 13.0)
    assert [(s["label"], s["partial"]) for s in api["series"]] == [
        ("2026-W10", False),
        ("2026-W11", True),
    ]
    later = dora(app, by="service", window=window, as_of=dt.datetime(2026, 4, 1))
    assert_matches(later["groups"][0], API_TOTAL)


def test_dora_without_period_has_no_series(app: App, tmp_path: Path) -> None:
    """Without --period the groups carry totals only."""
    load(app, tmp_path)
    report = dora(app, by="service", window=Window.parse("2026-03-02", "2026-03-16"))
    assert all("series" not in g for g in report["groups"])
    assert_matches(report["groups"][0], API_TOTAL)


def test_several_series_from_one_query(app: App, tmp_path: Path) -> None:
    """``dora_series`` gives, per bucket size, each group's series exactly as ``dora`` gives
    it (the scorecard reads quarters and months this way, from one query)."""
    load(app, tmp_path)
    window = Window.parse("2026-03-02", "2026-03-16")
    both = dora_series(app, by="service", periods=("week", "quarter"), window=window)
    for period in ("week", "quarter"):
        alone = dora(app, by="service", period=period, window=window)  # type: ignore[arg-type]
        assert both[period] == {g["key"]: g["series"] for g in alone["groups"]}
    assert_weeks(both["week"]["api"], API_WEEKS)
    assert [b["bucket"] for b in both["quarter"]["web"]] == ["2026-01-01T00:00:00Z"]


def test_quarter_series_matches_the_quarter_window(app: App, tmp_path: Path) -> None:
    """A quarterly series over the window holds one bucket whose figures are the window's
    totals (every fact of the test lies in 2026Q1), with the days of the window inside it."""
    load(app, tmp_path)
    window = Window.parse("2026-03-02", "2026-03-16")
    report = dora(app, by="service", period="quarter", window=window)
    api = report["groups"][0]
    assert [(s["bucket"], s["days"]) for s in api["series"]] == [("2026-01-01T00:00:00Z", 14.0)]
    assert_matches({**api["series"][0], "key": "api"}, API_TOTAL)


# --- the CLI ----------------------------------------------------------------------------------


def invoke(home: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--home", str(home), *args], env={"COLUMNS": "200"})


def cli_home(tmp_path: Path) -> Path:
    """A home with a catalog of api and web, and the facts above, ingested through
    ``leadline ingest`` (cleanly: exit code 0)."""
    home = tmp_path / "cli-home"
    catalog = write_text(tmp_path / "catalog.yaml", SERVICES_CATALOG)
    assert invoke(home, "ingest", "catalog-yaml", str(catalog)).exit_code == 0
    for source, name, header, rows in (
        ("deployments-csv", "d.csv", DEPLOYMENTS_HEADER, DEPLOYMENTS),
        ("changes-csv", "c.csv", CHANGES_HEADER, CHANGES),
        ("incidents-csv", "i.csv", INCIDENTS_HEADER, INCIDENTS),
    ):
        result = invoke(home, "ingest", source, str(write_csv(tmp_path / name, header, rows)))
        assert result.exit_code == 0, result.output
    return home


SERVICES_CATALOG = """
apiVersion: leadline.io/v1
kind: Catalog
teams:
  - name: shop
services:
  - name: api
    owner: shop
  - name: web
    owner: shop
"""
WINDOW = ("--since", "2026-03-02", "--until", "2026-03-16")


def test_cli_json(tmp_path: Path) -> None:
    """``leadline dora --format json --by service --period week`` prints the document."""
    home = cli_home(tmp_path)
    result = invoke(
        home, "dora", "--by", "service", "--period", "week", *WINDOW, "--format", "json"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["since"] == "2026-03-02T00:00:00Z"
    api, web = report["groups"]
    assert_matches(api, API_TOTAL)
    assert_matches(web, WEB_TOTAL)
    assert_weeks(api["series"], API_WEEKS)


def test_cli_csv(tmp_path: Path) -> None:
    """``--format csv`` (``delivery.tables.dora_report``): one total row per group, then its
    buckets; exact values, empty cells for nulls."""
    home = cli_home(tmp_path)
    result = invoke(home, "dora", "--by", "service", "--period", "week", *WINDOW, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["key"], r["bucket"]) for r in rows] == [
        ("api", "total"),
        ("api", "2026-03-02T00:00:00Z"),
        ("api", "2026-03-09T00:00:00Z"),
        ("web", "total"),
        ("web", "2026-03-02T00:00:00Z"),
        ("web", "2026-03-09T00:00:00Z"),
    ]
    api = rows[0]
    assert list(api)[:5] == [
        "key",
        "bucket",
        "label",
        "deployments",
        "deployment_frequency_per_day",
    ]
    assert list(api)[-1] == "partial" and api["label"] == "total"
    assert api["deployments"] == "3"
    assert float(api["deployment_frequency_per_day"]) == pytest.approx(3 / 14)
    assert float(api["lead_time_p90_hours"]) == pytest.approx(20.4)
    assert float(api["change_failure_rate"]) == pytest.approx(1 / 3)
    assert api["performance_level"] == "low"
    assert rows[3]["time_to_restore_p50_hours"] == ""
    assert rows[5]["deployments"] == "0" and rows[5]["lead_time_p50_hours"] == ""


def test_cli_table(tmp_path: Path) -> None:
    """The default table shows each group's numbers formatted by kind (3 deploys, 0.21 per
    day, CFR 33.3 %, restore 2.0 h, levels humanised) and warns about the unresolved
    incident."""
    home = cli_home(tmp_path)
    result = invoke(home, "dora", "--by", "service", *WINDOW)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    api = next(line for line in lines if "│ api" in line)
    for text in ("3", "0.21 per day", "Daily to weekly", "6.0 h", "20.4 h", "33.3 %", "Low"):
        assert text in api, (text, api)
    web = next(line for line in lines if "│ web" in line)
    assert "100.0 %" in web and "0.07 per day" in web and "—" in web  # no restore time
    assert "1 incidents are still unresolved" in result.stdout


def test_cli_incident_attribution_and_the_failure_counts(tmp_path: Path) -> None:
    """An extra api incident i3 on 14 March 12:00, 72 h after d3 (11 March 12:00): by the
    24 h window it links to nothing (api 1 failed of 3, as before); with
    ``--incident-attribution latest`` (DevLake's rule) it links to d3: 2 of 3, 66.7 %. The
    table shows the failed count beside the rate and says how incidents were linked."""
    home = cli_home(tmp_path)
    extra = ["i3,api,SEV3,2026-03-14T12:00:00Z,2026-03-14T13:00:00Z,"]
    path = write_csv(tmp_path / "i3.csv", INCIDENTS_HEADER, extra)
    assert invoke(home, "ingest", "incidents-csv", str(path)).exit_code == 0
    args = ("dora", "--by", "service", *WINDOW, "--at", "2026-03-16")
    window = json.loads(invoke(home, *args, "--format", "json").stdout)
    latest = json.loads(
        invoke(home, *args, "--incident-attribution", "latest", "--format", "json").stdout
    )
    assert window["incident_attribution"] == "window"
    assert latest["incident_attribution"] == "latest"
    counts = {
        name: {g["key"]: (g["failed_deployments"], g["deployments"]) for g in doc["groups"]}
        for name, doc in (("window", window), ("latest", latest))
    }
    assert counts == {
        "window": {"api": (1, 3), "web": (1, 1)},
        "latest": {"api": (2, 3), "web": (1, 1)},
    }
    table = invoke(home, *args, "--incident-attribution", "latest").stdout
    api = next(line for line in table.splitlines() if "│ api" in line)
    cells = [c.strip() for c in api.split("│")]
    assert cells[cells.index("66.7 %") + 1] == "2"  # Failed deployments beside the rate
    words = " ".join(table.split())  # notes wrap at the terminal's width
    assert "Change failure rate = Failed deployments ÷ Deployments" in words
    assert "Apache DevLake's rule" in words
    assert invoke(home, *args, "--incident-attribution", "nearest").exit_code == 2


def test_explain_gives_the_failure_counts_and_follows_the_rule(tmp_path: Path) -> None:
    """``metrics explain dora.change_failure_rate`` for api: 1 failed (d2, incident i1 by
    time, and remediated by d3) of 3; with the extra incident i3 (72 h after d3) and the
    "latest" rule, d3 fails too ("incident, latest before it i3"): 2 of 3."""
    home = cli_home(tmp_path)
    extra = ["i3,api,SEV3,2026-03-14T12:00:00Z,2026-03-14T13:00:00Z,"]
    path = write_csv(tmp_path / "i3.csv", INCIDENTS_HEADER, extra)
    assert invoke(home, "ingest", "incidents-csv", str(path)).exit_code == 0
    window = Window(t("2026-03-02T00:00:00Z"), t("2026-03-16T00:00:00Z"))
    settings = load_settings(home=home)
    for rule, failed, reason in (
        ("window", 1, None),
        ("latest", 2, "incident, latest before it i3"),
    ):
        settings.delivery.incident_attribution = rule  # type: ignore[assignment]
        app = App(settings)
        try:
            report = facts(
                Evaluation(app, now=t("2026-03-16T00:00:00Z")), Scope("service", "api"), window
            )
        finally:
            app.close()
        rows = {r["id"]: r for r in report.rows if r["fact"] == "deployment"}
        assert sum(r["failed"] for r in rows.values()) == failed
        assert f"{failed} failed of 3 successful production deployments" in report.notes[0]
        assert (reason in rows["d3"]["how"]) if reason else not rows["d3"]["failed"]


def test_cli_table_with_a_series(tmp_path: Path) -> None:
    """``--period`` in the table: each group's total, then one row per bucket; a bucket the
    as-of instant has not finished says so in the Partial column, explained under the
    table."""
    home = cli_home(tmp_path)
    result = invoke(home, "dora", "--by", "service", "--period", "week", *WINDOW)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "DORA four keys by service — 2026-03-02 → 2026-03-15" in result.stdout
    api = next(i for i, line in enumerate(lines) if "│ api" in line)
    assert "total" in lines[api] and "33.3 %" in lines[api]
    assert "2026-W10" in lines[api + 1] and "0.14" in lines[api + 1]  # d1: 1/7 per day
    assert "2026-W11" in lines[api + 2] and "50.0 %" in lines[api + 2]  # d2 failed, of 2
    assert "Partial:" not in result.stdout
    at = invoke(
        home, "dora", "--by", "team", "--period", "month", *WINDOW, "--at", "2026-03-10T12:30Z"
    )
    assert at.exit_code == 0, at.output
    assert "as of 2026-03-10 12:30 UTC" in at.stdout
    row = next(line for line in at.stdout.splitlines() if "│ 2026-03 " in line)
    cells = [cell.strip() for cell in row.split("│")[1:-1]]
    # d1, d2 and w1 by then (d3 is on the 11th); w1 failed (i2), d2 not yet (i1 is at 13:00).
    assert cells[:3] == ["shop", "2026-03", "3"] and cells[7] == "33.3 %" and cells[-1] == "yes"
    assert "Partial: the window or the as-of instant cuts the period short" in at.stdout


def test_cli_json_and_csv_with_a_year_and_an_as_of_instant(tmp_path: Path) -> None:
    home = cli_home(tmp_path)
    args = ("dora", "--by", "service", "--period", "year", *WINDOW, "--at", "2026-03-10T12:30Z")
    report = json.loads(invoke(home, *args, "--format", "json").stdout)
    assert (report["period"], report["as_of"]) == ("year", "2026-03-10T12:30:00Z")
    api = report["groups"][0]
    assert (api["deployments"], api["failed_deployments"]) == (2, 0)
    assert [(s["label"], s["partial"]) for s in api["series"]] == [("2026", True)]
    rows = list(csv.DictReader(io.StringIO(invoke(home, *args, "--format", "csv").stdout)))
    assert [(r["key"], r["bucket"], r["label"], r["partial"]) for r in rows] == [
        ("api", "total", "total", ""),
        ("api", "2026-01-01T00:00:00Z", "2026", "true"),
        ("web", "total", "total", ""),
        ("web", "2026-01-01T00:00:00Z", "2026", "true"),
    ]


def test_cli_rejects_an_as_of_instant_before_the_window(tmp_path: Path) -> None:
    result = invoke(tmp_path / "h", "dora", *WINDOW, "--at", "2026-03-01")
    assert result.exit_code == 2
    assert "--at (2026-03-01T00:00:00Z) must be after --since" in result.output


def test_cli_rejects_an_empty_window(tmp_path: Path) -> None:
    """--since not before --until: exit code 2 with the reason."""
    result = invoke(tmp_path / "h", "dora", "--since", "2026-03-02", "--until", "2026-03-01")
    assert result.exit_code == 2
    assert "must be before --until" in result.output


@pytest.mark.spark
def test_cli_json_on_spark(tmp_path: Path, spark_settings: Settings) -> None:
    """``--engine spark`` prints the same document as DuckDB (engine name aside)."""
    home = cli_home(tmp_path)
    args = ("dora", "--by", "service", *WINDOW, "--format", "json")  # totals: one query
    duck = json.loads(invoke(home, *args).stdout)
    result = invoke(home, *args, "--engine", "spark")
    assert result.exit_code == 0, result.output
    spark = json.loads(result.stdout)
    assert (duck.pop("engine"), spark.pop("engine")) == ("duckdb", "spark")
    duck.pop("as_of"), spark.pop("as_of")  # now, a moment apart
    assert_matches(spark, duck)
    assert_matches(spark["groups"][0], API_TOTAL)


def test_dora_counts_releases_by_the_release_scope_setting(app: App, tmp_path: Path) -> None:
    """The regions case of test_metrics.py through the CSV sources and ``dora()``: 4
    deployments with ``[delivery] release_scope = "service"`` (promotions left out), 7 with
    "environment"; the document says which; lead time p50 24 h either way."""
    rows = [
        "e1,api,prod-eu,success,2026-03-02T10:00:00Z,A,",
        "u1,api,prod-us,success,2026-03-02T12:00:00Z,A,",
        "e2,api,prod-eu,success,2026-03-04T10:00:00Z,B,",
        "e3,api,prod-eu,success,2026-03-06T10:00:00Z,C,",
        "u2,api,prod-us,success,2026-03-06T12:00:00Z,B,",
        "u3,api,prod-us,success,2026-03-07T12:00:00Z,C,",
        "e4,api,PROD-EU,success,2026-03-08T10:00:00Z,B,",
    ]
    changes = [
        "c1,api,,2026-03-01T10:00:00Z,2026-03-02T09:00:00Z,",
        "c2,api,,2026-03-06T11:00:00Z,,",
        "c3,api,,2026-03-03T10:00:00Z,,u2",
    ]
    for source, path in (
        ("deployments-csv", write_csv(tmp_path / "d.csv", DEPLOYMENTS_HEADER, rows)),
        ("changes-csv", write_csv(tmp_path / "c.csv", CHANGES_HEADER, changes)),
    ):
        assert ingest(app, source, path).totals()["rows_rejected"] == 0
    app.settings.delivery.production_environments = ["prod-eu", "prod-us", "canary"]
    window = Window(t("2026-03-02T00:00:00Z"), t("2026-03-16T00:00:00Z"))
    found = {}
    for scope in ("service", "environment"):
        app.settings.delivery.release_scope = scope  # type: ignore[assignment]
        document = dora(app, by="service", window=window, as_of=t("2026-03-16T00:00:00Z"))
        [api] = document["groups"]
        found[document["release_scope"]] = (api["deployments"], api["lead_time_hours"]["p50"])
    assert found == {"service": (4, 24.0), "environment": (7, 24.0)}
