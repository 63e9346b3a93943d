"""The Strategy and Maturity pages over the small demo, read as a person reads them, for a
viewer and an admin: the 90-day plan's table agrees with its tiles (one plan report), the OKR
table shows titles, values with units and a coloured status word, the strategy on a page is
there, and the Maturity page lists every domain with its level and what the next one needs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from leadline.context import App
from leadline.maturity.model import load_model, maturity
from leadline.strategy.okrs import okr_report
from leadline.strategy.page import strategy_page
from leadline.strategy.plan import plan_report
from tests.conftest import make_settings
from tests.web.page_tables import ShownTile, read_page
from tests.web.support import login

ROLES = {"viewer": "vic", "admin": "ada"}
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture(scope="module", params=list(ROLES))
def reader(request: pytest.FixtureRequest, demo_home: Path) -> Iterator[TestClient]:
    from leadline.web.app import create_app

    with TestClient(create_app(make_settings(demo_home), background=False)) as client:
        assert login(client, ROLES[request.param]).status_code == 303
        yield client


@pytest.fixture(scope="module")
def demo(demo_home: Path) -> Iterator[App]:
    instance = App(make_settings(demo_home))
    yield instance
    instance.close()


def _tile(tiles: list[ShownTile], title: str) -> ShownTile:
    return next(t for t in tiles if t.title == title)


def _specs(html: str) -> list[dict[str, Any]]:
    return [json.loads(unescape(s)) for s in re.findall(r'data-spec="([^"]*)"', html)]


def test_plan_table_has_due_met_and_evidence_and_agrees_with_its_tiles(
    reader: TestClient, demo: App
) -> None:
    answer = reader.get("/strategy")
    assert answer.status_code == 200
    tables, tiles = read_page(answer.text)
    plan = tables["plan"]
    assert plan.headers[:3] == ["Phase", "Action", "Owner"]  # titles, the item key left out
    assert len(plan.rows) == 14
    assert all(DAY.match(d) for d in plan.column("Due"))
    assert set(plan.column("Met")) <= {"yes", "no"}
    assert set(plan.column("Phase")) == {
        "Days 0–30: Listen and assess",
        "Days 31–60: Launch",
        "Days 61–90: Review and scale",
    }
    for title in plan.headers:
        cells = plan.column(title)
        assert all(c != "" for c in cells), f"a blank cell in {title}"
        assert any(c != "—" for c in cells), f"column {title} is absent in every row"
    # One plan report: the tiles count what the table shows, as `leadline plan` does.
    document = plan_report(demo)
    met = plan.column("Met").count("yes")
    assert met == document["met"]
    tile = _tile(tiles, "90-day plan items met")
    assert tile.value == f"{met} of 14"
    assert tile.window == f"day {document['day']} since {document['started_on']}"
    overdue = plan.column("Overdue").count("yes")
    late = _tile(tiles, "Overdue plan items")
    assert (late.value, late.status) == (str(overdue), "red" if overdue else "green")
    assert [s for s in plan.status("Overdue") if s] == ["red"] * overdue


def test_okr_table_shows_titles_values_with_units_and_a_coloured_status(
    reader: TestClient, demo: App
) -> None:
    html = reader.get("/strategy").text
    tables, tiles = read_page(html)
    okrs = tables["key_results"]
    document = okr_report(demo)
    key_results = [k for o in document["objectives"] for k in o["key_results"]]
    assert okrs.column("Key result") == [k["title"] for k in key_results]
    assert okrs.column("Objective")[0] == document["objectives"][0]["title"]
    slugs = {k["name"] for k in key_results} | {o["name"] for o in document["objectives"]}
    assert not slugs & {c for row in okrs.rows for c in row}, "a slug shown to people"
    for title in ("Baseline", "Target"):
        assert all(c not in ("", "—") for c in okrs.column(title))
    assert all(c != "" for c in okrs.column("Current"))
    # a unit on every figure: "96.0 h", "5.0 %", "3.00 of 5", "1.00 services"
    assert all(re.search(r"\d (h|%|of 5|services)", c) for c in okrs.column("Baseline"))
    # the grade as a word, coloured by re:Work's reading of the score (0.7 and 0.4)
    words = {"green": "✔ Delivered", "amber": "▲ Progress made", "red": "✖ Not made"}
    for score, status, text in zip(
        okrs.column("Score"), okrs.status("Status"), okrs.column("Status"), strict=True
    ):
        expected = "grey" if score == "—" else None
        if expected is None:
            value = float(score)
            expected = "green" if value >= 0.7 else "amber" if value >= 0.4 else "red"
        assert status == expected
        assert text == words.get(expected, "○ No data")
    scores = [o["score"] for o in document["objectives"] if o["score"] is not None]
    assert _tile(tiles, "OKR score (mean of objectives)").value == (
        f"{sum(scores) / len(scores):.2f} of 1"
    )
    delivered = okrs.column("Status").count("✔ Delivered")
    assert _tile(tiles, "Key results delivered").value == f"{delivered} of {len(key_results)}"
    # the chart: every key result by its title, a zero score labelled "0.00", never hidden
    (chart,) = _specs(html)
    bars = chart["datasets"]["rows"]
    assert len(bars) == len(key_results)
    zero = [k for k in key_results if k["score"] == 0.0]
    assert zero, "the demo has key results scoring 0"
    assert sum(1 for b in bars if b["score"] == 0.0 and b["text"] == "0.00") == len(zero)
    for bar, k in zip(bars, key_results, strict=True):
        assert bar["key_result"].replace("\n", " ").startswith(k["title"])
        assert k["name"] not in bar["key_result"]
    marks = [layer["mark"]["type"] for layer in chart["layer"]]
    assert {"bar", "tick", "text", "rule"} <= set(marks)


def test_strategy_on_a_page_is_on_the_web(reader: TestClient, demo: App) -> None:
    html = reader.get("/strategy").text
    tables, _ = read_page(html)
    page = strategy_page(demo)
    assert unescape(page["vision"]) in unescape(html)
    outcomes = tables["outcomes"]
    assert outcomes.column("Outcome") == [o["title"] for o in page["outcomes"]]
    for row, outcome in zip(outcomes.column("Bets (horizon)"), page["outcomes"], strict=True):
        for bet in outcome["bets"]:
            assert f"{bet['title']} ({bet['horizon']})" in row
    assert all(g in unescape(html) for g in page["guardrails"])
    metrics = tables["metrics"]
    assert metrics.column("Metric") == [m["name"] for m in page["metrics"]]
    assert not {m["metric"] for m in page["metrics"]} & set(metrics.column("Measured by"))
    assert "Lead time for changes (median)" in metrics.column("Measured by")


def test_maturity_page_lists_every_domain_with_its_level_and_gaps(
    reader: TestClient, demo: App
) -> None:
    answer = reader.get("/maturity")
    assert answer.status_code == 200
    assert '<a href="/maturity"' in answer.text  # in the nav
    tables, tiles = read_page(answer.text)
    document = maturity(demo)
    model = load_model()
    domains = tables["domains"]
    assert domains.column("Domain") == [d.name for d in model.domains]
    levels = ["Reactive", "Proactive", "Integrated", "Optimized", "Transformative"]
    for row, d in zip(domains.rows, document["domains"], strict=True):
        level = int(row[1])
        assert (level, row[2]) == (d["level"], levels[level - 1])
        missing = d["next"]["missing"] if d["next"] else []
        assert row[3] == (levels[level] if level < 5 else "top level reached")
        assert row[4] == str(len(missing))
        assert row[5] == "; ".join(m["description"] for m in missing)
        tile = _tile(tiles, d["name"])
        assert tile.value == f"{level} {levels[level - 1]}"
        if d["next"]:
            rules = "rule" if len(missing) == 1 else "rules"
            assert tile.window.endswith(f"level {level + 1} needs {len(missing)} more {rules}")
    gaps = tables["gaps"]
    expected = [
        (d["name"], m["description"], m["detail"])
        for d in document["domains"]
        if d["next"]
        for m in d["next"]["missing"]
    ]
    assert (
        list(
            zip(
                gaps.column("Domain"),
                gaps.column("What is needed"),
                gaps.column("What leadline found"),
                strict=True,
            )
        )
        == expected
    )
    evidence = tables["evidence"]
    assert len(evidence.rows) == sum(len(d.rules) for d in model.domains)
    assert set(evidence.column("Met by")) <= {"Evidence", "Answer", "Not met"}
    met = evidence.column("Met").count("yes")
    assert _tile(tiles, "Rules met").value == f"{met} of {len(evidence.rows)}"
    (chart,) = _specs(answer.text)
    assert [r["level"] for r in chart["datasets"]["rows"]] == [
        d["level"] for d in document["domains"]
    ]


def test_maturity_csv_is_the_commands(reader: TestClient, demo: App) -> None:
    from typer.testing import CliRunner

    from leadline.cli import app as cli

    page = reader.get("/maturity?format=csv&table=domains")
    assert page.status_code == 200
    home = str(demo.settings.resolved_home)
    command = CliRunner().invoke(cli, ["--home", home, "maturity", "--format", "csv"])
    assert command.exit_code == 0, command.output
    assert page.text.replace("\r\n", "\n") == command.stdout.replace("\r\n", "\n")
    assert page.text.splitlines()[0] == "domain,level,level_name,next,gaps,missing"


def test_a_team_without_okrs_gets_words_not_blanks(reader: TestClient, demo: App) -> None:
    teams = {o["scope"] for o in okr_report(demo)["objectives"]}
    assert "checkout-team" not in teams  # the demo's checkout team has no objective
    html = reader.get("/strategy?team=checkout-team").text
    tables, tiles = read_page(html)
    score = _tile(tiles, "OKR score (mean of objectives)")
    assert (score.value, score.status, score.window) == (
        "no score",
        "grey",
        "no objectives in this scope",
    )
    assert _tile(tiles, "Key results delivered").value == "0 of 0"
    assert not tables["key_results"].rows and "Nothing to show for these filters." in html
    assert not _specs(html)  # no empty chart
    assert tables["outcomes"].rows  # the strategy is the organisation's
