"""The demo's pages draw honest charts and colour status by meaning: partial weeks off the
line, the risk matrix by rating, error budgets by state and clipped, CSF functions in CSF 2.0
order, scorecard statuses and SLO budget states as coloured badges with a symbol and a word,
"Not assigned" instead of "(none)", and no number in scientific notation."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from leadline.context import App
from leadline.reliability.report import status as slo_status
from leadline.webkit import palette, tiles
from tests.conftest import make_settings
from tests.web.page_tables import read_page
from tests.web.support import login

CSF_ORDER = ["Govern", "Identify", "Protect", "Detect", "Respond", "Recover"]
SCIENTIFIC = re.compile(r"\d(\.\d+)?e[+-]?\d", re.IGNORECASE)


@pytest.fixture(scope="module")
def viewer(demo_home: Path) -> Iterator[TestClient]:
    from leadline.web.app import create_app

    with TestClient(create_app(make_settings(demo_home), background=False)) as client:
        assert login(client, "vic").status_code == 303
        yield client


def _charts(html: str) -> dict[str, dict[str, Any]]:
    """Each chart's spec by its figure caption."""
    found = re.findall(r'aria-label="([^"]*)"\s+data-spec="([^"]*)"', html)
    return {unescape(label): json.loads(unescape(spec)) for label, spec in found}


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for layer in spec.get("layer", []):
        out.extend(_layers(layer) if "layer" in layer else [layer])
    return out


def _text(html: str) -> str:
    """The page as people read it (chart specs, scripts and tags left out)."""
    html = re.sub(r'data-spec="[^"]*"', "", html)
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_deployments_per_week_leave_partial_weeks_off_the_line(viewer: TestClient) -> None:
    html = viewer.get("/delivery").text
    spec = _charts(html)["Deployments per week"]
    rows = spec["data"]["values"]
    partial = [r for r in rows if r["bucket"] == "partial"]
    assert partial, "the default window (90 days to today) cuts its first and last weeks"
    assert all(r["days"] < 7 for r in partial)
    assert all(r["days"] == 7 for r in rows if r["bucket"] == "complete")
    [line] = [layer for layer in _layers(spec) if layer["mark"]["type"] == "line"]
    assert line["transform"] == [{"filter": "datum.bucket == 'complete'"}]
    # the last week (today's) is partial, so the line never ends on its short count
    last = max(r["week"] for r in rows)
    assert {r["bucket"] for r in rows if r["week"] == last} == {"partial"}
    home = _charts(viewer.get("/").text)["Deployments per week"]
    assert {r["bucket"] for r in home["data"]["values"] if r["week"] == last} == {"partial"}


def test_the_dora_table_says_not_assigned_and_explains_it(viewer: TestClient) -> None:
    html = viewer.get("/delivery").text
    keys = [
        r["key"]
        for r in csv.DictReader(io.StringIO(viewer.get("/delivery?format=csv&table=dora").text))
    ]
    assert "(none)" in keys  # the CSV keeps the value programs read
    text = _text(html)
    assert "(none)" not in text
    assert "Not assigned" in text
    assert (
        "Not assigned: deployments, changes and incidents of services the catalog gives no team"
        in text
    )


def test_the_risk_matrix_is_coloured_by_rating(viewer: TestClient, demo_home: Path) -> None:
    from leadline.periods import utc_now
    from leadline.risk.register import register_report

    spec = _charts(viewer.get("/risk").text)["Residual risk matrix, coloured by rating"]
    cells = spec["data"]["values"]
    app = App(make_settings(demo_home))
    try:
        with app.store.session() as session:
            register = register_report(session, app.settings, utc_now().date())
    finally:
        app.close()
    # the same cells, ratings and counts as the register's residual heat map (no filter)
    assert sorted(cells, key=lambda c: (c["likelihood"], c["impact"])) == sorted(
        register["heatmap"]["residual"], key=lambda c: (c["likelihood"], c["impact"])
    )
    rect = _layers(spec)[0]
    scale = rect["encoding"]["color"]["scale"]
    fill = dict(zip(scale["domain"], scale["range"], strict=True))
    critical = [c for c in cells if c["rating"] == "critical" and c["count"]]
    assert critical, "the demo has a critical residual risk"
    assert {fill[c["rating"]] for c in critical} == {palette.RAG["red"]}
    assert scale["range"][-1] == palette.RAG["red"]  # the most alarming colour is the last band's
    assert sum(c["count"] for c in cells) == sum(register["by_rating"].values())


def test_risks_per_csf_function_and_tiers_are_in_csf_order(viewer: TestClient) -> None:
    html = viewer.get("/risk").text
    spec = _charts(html)["Open risks per CSF 2.0 function (bar chart)"]
    assert spec["encoding"]["y"]["sort"][:6] == CSF_ORDER
    profile = re.search(r'href="/risk/csf/([^"?]+)"', html).group(1)  # type: ignore[union-attr]
    page = viewer.get(f"/risk/csf/{profile}").text
    assert "heat map" not in _text(page).lower()  # a bar chart is called one
    tiers = _charts(page)["Current and target tier per CSF 2.0 function (bar chart)"]
    assert tiers["encoding"]["x"]["sort"] == CSF_ORDER
    assert all(r["mean"] is not None and r["mean"] > 0 for r in tiers["data"]["values"])


def test_error_budgets_are_coloured_by_state_and_clipped(
    viewer: TestClient, demo_home: Path
) -> None:
    html = viewer.get("/reliability").text
    spec = _charts(html)["Error budget left, by state"]
    rows = {r["slo"]: r for r in spec["data"]["values"]}
    # the page judges at the instant its metric tiles are (the hour): recompute there
    served: App = viewer.app.state.leadline  # type: ignore[attr-defined]
    page_at = tiles.evaluation(served).now
    app = App(make_settings(demo_home))
    try:
        slos = slo_status(app, at=page_at)["slos"]
    finally:
        app.close()
    assert set(rows) == {s["slo"] for s in slos}
    titles = palette.BUDGET_TITLES
    for s in slos:
        row = rows[s["slo"]]
        left = s["error_budget_remaining"]
        if left is None:
            assert row["state"] == "No data"
            continue
        assert row["state"] == titles[s["policy_state"]]
        assert row["budget_left_pct"] == round(100 * left, 1)
        assert row["drawn"] == max(row["budget_left_pct"], -100.0)
    states = {r["state"] for r in rows.values()}
    assert {"Healthy", "At risk", "Exhausted"} <= states, states
    outliers = [r for r in rows.values() if (r["budget_left_pct"] or 0) < -100]
    assert outliers and all(r["label"].startswith("◀ -") for r in outliers)
    bar = _layers(spec)[0]
    assert bar["encoding"]["x"]["scale"]["domain"] == [-100.0, 100]
    assert bar["encoding"]["color"]["field"] == "state"
    assert len(slos) <= 40  # the small demo charts them all (no "the chart shows" note)
    assert "The chart shows the" not in html
    # the demo's SLAs and XLAs (demo/service_levels.py): last month's attainment tables, with
    # met and breached agreements (its fixed pattern breaches one of each that month)
    assert "No SLA or XLA attainment for" not in html
    tables, _ = read_page(html)
    for name in ("sla", "xla"):
        assert {"✔ Met", "✖ Breached"} <= set(tables[name].column("Status")), name
    # the policy column of the SLO table: coloured badges with a symbol and the state's words
    badges = re.findall(r'<span class="rag-badge rag-(\w+)">(\S) ([^<]+)</span>', html)
    assert {(c, s, t) for c, s, t in badges} >= {
        ("green", "✔", "Healthy"),
        ("amber", "▲", "At risk"),
        ("red", "✖", "Exhausted"),
    }


def test_the_scorecard_shows_status_in_colour_symbol_and_word(viewer: TestClient) -> None:
    html = viewer.get("/").text
    rows = list(csv.DictReader(io.StringIO(viewer.get("/?format=csv&table=scorecard").text)))
    badges = re.findall(r'<span class="rag-badge rag-(\w+)">(\S) (\w+)</span>', html)
    statuses = [b for b in badges if b[2] in ("Green", "Amber", "Red", "Grey")]
    assert [s[0] for s in statuses] == [r["status"] for r in rows]
    assert all(s[1] == palette.RAG_SYMBOL[s[0]] for s in statuses)
    assert SCIENTIFIC.search(_text(html)) is None
    assert re.search(r"\d{1,3}(,\d{3})+\.\d{2} EUR", _text(html))  # money grouped, in EUR


def test_the_budget_chart_keeps_the_worst_slos_when_there_are_many(
    viewer: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leadline.reliability import views

    monkeypatch.setattr(views, "CHART_SLOS", 5)
    html = viewer.get("/reliability?since=2026-01-01").text  # other filters: not from the cache
    spec = _charts(html)["Error budget left, by state"]
    shown = [r["budget_left_pct"] for r in spec["data"]["values"]]
    table = viewer.get("/reliability?since=2026-01-01&format=csv&table=slos").text
    every = sorted(
        100 * float(r["error_budget_remaining"])
        for r in csv.DictReader(io.StringIO(table))
        if r["error_budget_remaining"]
    )
    assert sorted(shown) == [round(v, 1) for v in every[:5]]
    assert "The chart shows the 5 SLOs with the least error budget left" in html


def test_the_change_failure_rate_tile_says_what_it_divides(viewer: TestClient) -> None:
    """Issue 17: the Delivery page's change failure rate tile gives its numerator and
    denominator ("N failed of M deployments"), and N / M is the rate it shows."""
    html = viewer.get("/delivery").text
    tile = re.search(
        r'data-metric="dora.change_failure_rate"[^>]*data-value="([^"]*)"(.*?)</div>\s*</div>',
        html,
        re.S,
    )
    assert tile is not None
    found = re.search(r"([\d,]+) failed of ([\d,]+) deployments", unescape(tile.group(2)))
    assert found is not None, tile.group(2)
    failed, deployed = (int(g.replace(",", "")) for g in found.groups())
    assert deployed > 0 and 100 * failed / deployed == pytest.approx(float(tile.group(1)))
