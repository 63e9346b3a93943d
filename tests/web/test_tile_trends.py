"""A tile's trend against the previous equivalent window (webkit.trends): the window compared
with, the change as people read it, better or worse by the metric's direction, and the same
figures the registry gives (one computation).

Fixture (service api of team shop, all production successes):
  February 2026: d0 02-10 12:00 ships c0 committed 02-10 00:00 (lead time 12 h)
  March 2026:    d1 03-05 12:00 ships c1 (03-05 00:00: 12 h);
                 d2 03-10 00:00 ships c2 (03-09 00:00: 24 h) and c3 (03-08 12:00: 36 h)
  Lead time p50: February 12 h, March 24 h: +12.0 h, worse (lower is better).
  Deployment frequency: February 1/28 per day, March 2/31: +0.03 per day, better.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from leadline.catalog.grouping import Scope
from leadline.context import App
from leadline.periods import Window
from leadline.semantic import registry
from leadline.semantic.evaluation import Evaluation
from leadline.webkit.tiles import metric_tile
from leadline.webkit.trends import change, previous_window
from tests.strategy.support import CATALOG, ingest, write
from tests.web.page_tables import read_page
from tests.web.support import login

D = dt.datetime
NOW = D(2026, 4, 2, 12)
DEPLOYMENTS = """deployment_id,service,environment,status,finished_at
d0,api,production,success,2026-02-10T12:00:00Z
d1,api,production,success,2026-03-05T12:00:00Z
d2,api,production,success,2026-03-10T00:00:00Z
"""
CHANGES = """change_id,service,committed_at,deployment_id
c0,api,2026-02-10T00:00:00Z,d0
c1,api,2026-03-05T00:00:00Z,d1
c2,api,2026-03-09T00:00:00Z,d2
c3,api,2026-03-08T12:00:00Z,d2
"""


@pytest.mark.parametrize(
    ("window", "now", "expected", "label"),
    [
        # a rolling window: the same length just before it
        (
            Window(D(2026, 9, 9), D(2026, 12, 8)),
            D(2026, 12, 7, 6),
            Window(D(2026, 6, 11), D(2026, 9, 9)),
            "previous 90 days",
        ),
        (Window(D(2026, 12, 7), D(2026, 12, 8)), D(2026, 12, 7, 6), None, "the day before"),
        # a complete calendar month: the month before
        (Window(D(2026, 11, 1), D(2026, 12, 1)), D(2026, 12, 7, 6), None, "2026-10"),
        # a running quarter (67 days 6 hours in): the same part of the quarter before
        (
            Window(D(2026, 10, 1), D(2027, 1, 1)),
            D(2026, 12, 7, 6),
            Window(D(2026, 7, 1), D(2026, 9, 6, 6)),
            "2026Q3 to day 68",
        ),
        # a running 31-day month against a 28-day one: never past the month before's end
        (
            Window(D(2027, 3, 1), D(2027, 4, 1)),
            D(2027, 3, 31, 12),
            Window(D(2027, 2, 1), D(2027, 3, 1)),
            "2027-02 to day 31",
        ),
        # whole months across a year's end: the same number of months before
        (
            Window(D(2026, 1, 1), D(2026, 3, 1)),
            D(2026, 6, 1),
            Window(D(2025, 11, 1), D(2026, 1, 1)),
            "previous 2 months",
        ),
        (Window(D(2026, 1, 1), D(2027, 1, 1)), D(2027, 2, 1), None, "2025"),
    ],
)
def test_previous_window(window: Window, now: D, expected: Window | None, label: str) -> None:
    found, text = previous_window(window, now)
    if expected is None:  # the period (or day) just before, whole
        expected = Window(window.since - (window.until - window.since), window.since)
        if label == "2026-10":
            expected = Window(D(2026, 10, 1), D(2026, 11, 1))
        if label == "2025":
            expected = Window(D(2025, 1, 1), D(2026, 1, 1))
    assert (found, text) == (expected, label)


def test_change_is_judged_by_the_metrics_direction() -> None:
    cost = registry.get("finops.cost")  # lower is better
    lower = change(cost, 90.0, 100.0, "2026-10", "EUR")
    assert (lower.trend, lower.arrow) == ("better", "▼")
    assert lower.text == "−10.00 EUR vs 2026-10 (better)"
    higher = change(cost, 1_250.5, 1_000.0, "2026-10", "EUR")
    assert (higher.trend, higher.arrow) == ("worse", "▲")
    assert higher.text == "+250.50 EUR vs 2026-10 (worse)"
    met = registry.get("reliability.slos_met")  # higher is better, in percent
    up = change(met, 51.2, 50.0, "previous 90 days")
    assert (up.trend, up.arrow, up.text) == ("better", "▲", "+1.2 pp vs previous 90 days (better)")
    failures = registry.get("dora.change_failure_rate")  # lower is better, in percent
    assert change(failures, 12.0, 10.0, "previous 90 days").trend == "worse"
    # within 1 % of the previous value (the scorecard's flat band): flat, sideways arrow
    flat = change(cost, 100.5, 100.0, "2026-10", "EUR")
    assert (flat.trend, flat.arrow, flat.text) == ("flat", "▶", "+0.50 EUR vs 2026-10 (flat)")
    # a change too small to show at the value's precision is flat too
    assert change(met, 80.04, 80.0, "2026Q3").trend == "flat"
    none = change(met, 80.0, None, "2026Q3")
    assert (none.trend, none.arrow, none.text) == ("none", "", "no earlier data (vs 2026Q3)")
    assert change(met, None, 80.0, "2026Q3").trend == "none"


@pytest.fixture
def shop(app: App, tmp_path: Path) -> App:
    for source, name, text in (
        ("catalog-yaml", "catalog.yaml", CATALOG),
        ("deployments-csv", "deployments.csv", DEPLOYMENTS),
        ("changes-csv", "changes.csv", CHANGES),
    ):
        report = ingest(app, source, write(tmp_path / name, text))
        assert all(r.status == "landed" for r in report.results), report
    return app


def test_tiles_show_the_trend_from_the_registry(shop: App) -> None:
    ev = Evaluation(shop, now=NOW)
    march = Window(D(2026, 3, 1), D(2026, 4, 1))
    team = Scope("team", "shop")
    lead = metric_tile(ev, "dora.lead_time_p50", team, march)
    assert (lead.raw, lead.previous) == (pytest.approx(24.0), pytest.approx(12.0))
    # lower is better: up is worse (red), with the word and the arrow
    assert (lead.trend, lead.trend_arrow) == ("worse", "▲")
    assert lead.trend_text == "+12.0 h vs 2026-02 (worse)"
    frequency = metric_tile(ev, "dora.deployment_frequency", team, march)
    assert frequency.previous == pytest.approx(1 / 28)
    assert (frequency.trend, frequency.trend_arrow) == ("better", "▲")
    assert frequency.trend_text == "+0.03 per day vs 2026-02 (better)"
    # the previous value is the registry's, cached with the current one (one batch)
    february = Window(D(2026, 2, 1), D(2026, 3, 1))
    assert ("values", "dora.lead_time_p50", "team", february, ()) in ev.cache
    assert ev.value("dora.lead_time_p50", team, february) == lead.previous
    # February against January, which has no deployment: said, not hidden
    before = metric_tile(ev, "dora.lead_time_p50", team, february)
    assert (before.trend, before.trend_text) == ("none", "no earlier data (vs 2026-01)")


TILE = re.compile(
    r'<div class="kpi[^"]*" data-metric="(?P<key>[^"]+)".*?'
    r'<div class="trend trend-(?P<trend>\w+)">(?P<body>.*?)</div>',
    re.S,
)


def test_every_registry_tile_on_the_demo_pages_shows_its_trend(demo_home: Path) -> None:
    """Each tile of a registered metric shows a trend line, coloured by its judgement (the
    class), with the arrow hidden from screen readers and the judgement in words."""
    from leadline.web.app import create_app
    from tests.conftest import make_settings

    with TestClient(create_app(make_settings(demo_home), background=False)) as client:
        assert login(client, "vic").status_code == 303
        for path in ("/", "/delivery"):
            html = client.get(path).text
            found = list(TILE.finditer(html))
            assert len(found) >= 3, path
            _, shown = read_page(html)  # as a person reads it: the window still follows
            trended = [t for t in shown if t.trend]
            assert len(trended) == len(found) and all(t.window and t.judged for t in trended)
            for tile in found:
                body, trend = tile["body"], tile["trend"]
                metric = registry.get(tile["key"])
                assert trend in ("better", "worse", "flat", "none"), body
                if trend == "none":
                    assert "no earlier data" in body or "nothing to compare" in body
                    continue
                assert body.endswith(f"({trend})") and " vs " in body
                arrow = re.match(r'<span aria-hidden="true">(.)</span> ([+−±])', body)
                assert arrow, body
                if trend != "flat":
                    up = arrow[2] == "+"
                    assert arrow[1] == ("▲" if up else "▼")
                    better = up == (metric.direction == "higher")
                    assert trend == ("better" if better else "worse"), (path, body)
