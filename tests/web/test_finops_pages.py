"""The FinOps pages beyond one month, on the demo: each renders for a viewer with money in
its currency with separators (never scientific notation), each table's CSV is its command's
CSV, the trend's team costs add up to the organisation's tile (one computation, the registry)
with the running month marked, and budget states are coloured and named."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.webkit import palette
from leadline.webkit.viewdata import last_month
from tests.conftest import make_settings
from tests.web.support import login

MONTH = last_month()
PAGES = {
    "/finops/trend": "FinOps cost trend",
    "/finops/budget": "FinOps budget against actual",
    "/finops/anomalies": "FinOps cost anomalies",
    "/finops/unit-cost": "FinOps unit cost",
    "/finops/vendors": "FinOps vendors and renewals",
}
SCIENTIFIC = re.compile(r"\d\.\d+e[+-]\d", re.IGNORECASE)
SAME_CSV = [
    (
        "/finops/budget",
        "budget_business_unit",
        ["finops", "budget", "--month", MONTH, "--by", "business-unit"],
    ),
    ("/finops/budget", "budget_team", ["finops", "budget", "--month", MONTH, "--by", "team"]),
    ("/finops/anomalies", "anomalies", ["finops", "anomalies"]),
    ("/finops/vendors", "vendors", ["finops", "vendors"]),
    (
        "/finops",
        "commitment_coverage",
        ["finops", "commitments", "--month", MONTH],
    ),
    ("/finops", "commitments", ["finops", "commitments", "--month", MONTH, "--list"]),
    (
        "/finops/unit-cost",
        "unit_cost_customers_team",
        ["finops", "unit-cost", "--month", MONTH, "--driver", "customers", "--by", "team"],
    ),
]


@pytest.fixture(scope="module")
def viewer(demo_home: Path) -> Iterator[TestClient]:
    from leadline.web.app import create_app

    with TestClient(create_app(make_settings(demo_home), background=False)) as client:
        assert login(client, "vic").status_code == 303
        yield client


def specs(html: str) -> list[dict[str, Any]]:
    return [json.loads(unescape(s)) for s in re.findall(r'data-spec="([^"]*)"', html)]


@pytest.mark.parametrize("path", sorted(PAGES))
def test_each_finops_page_renders_with_money_formatted(viewer: TestClient, path: str) -> None:
    answer = viewer.get(path)
    assert answer.status_code == 200, answer.text[:300]
    assert f"<h1>{PAGES[path]}</h1>" in answer.text
    assert not SCIENTIFIC.search(answer.text)
    for href in PAGES:  # every FinOps page links to the others
        assert f'href="{href}"' in answer.text
    if path != "/finops/anomalies":
        assert re.search(r"\d{1,3}(,\d{3})+\.\d\d USD", answer.text), "money with separators"


@pytest.mark.parametrize(("path", "table", "args"), SAME_CSV, ids=str)
def test_the_finops_page_csv_is_the_cli_csv(
    viewer: TestClient, demo_home: Path, path: str, table: str, args: list[str]
) -> None:
    answer = viewer.get(path, params={"format": "csv", "table": table})
    assert answer.status_code == 200, answer.text[:300]
    result = CliRunner().invoke(cli, ["--home", str(demo_home), *args, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert answer.text == result.stdout
    if table != "anomalies":
        assert result.stdout.count("\n") > 1, f"the demo has no rows for {args}"


def test_the_trend_adds_up_to_the_organisation_tile(viewer: TestClient) -> None:
    """The team rows of the last complete month (teams and unallocated) add up to the
    organisation's "Cost, last complete month" tile, to the cent per row; the running month
    is titled "to date" and drawn as partial."""
    html = viewer.get("/finops/trend").text
    tile = re.search(
        r'data-metric="finops.cost" data-scope="organisation" data-value="([^"]+)"',
        html,
    )
    assert tile is not None
    rows = list(
        csv_rows(viewer.get("/finops/trend", params={"format": "csv", "table": "trend_team"}).text)
    )
    header = rows[0]
    last_complete = header[-2]
    column = header.index(last_complete)
    total = sum(Decimal(r[column]) for r in rows[1:] if r[column])
    assert abs(total - Decimal(tile.group(1))) <= Decimal("0.01") * len(rows)
    assert "(to date)" in html
    (chart,) = specs(html)
    buckets = {r["month"][:7]: r["bucket"] for r in chart["data"]["values"]}
    assert buckets[header[-1]] == "partial (to date)" and buckets[last_complete] == "complete"


def csv_rows(text: str) -> Iterator[list[str]]:
    import csv
    import io

    yield from csv.reader(io.StringIO(text))


def test_budget_states_are_coloured_and_named(viewer: TestClient) -> None:
    """The demo's business units have budgets: each status cell is a badge of the state's
    colour with its symbol and word; the chart colours bars by state with a legend."""
    html = viewer.get("/finops/budget").text
    badges = re.findall(r'<span class="rag-badge rag-(\w+)">([^<]+)</span>', html)
    assert badges
    words = {"green": "On track", "amber": "At risk", "red": "Over", "grey": "No budget"}
    for colour, text in badges:
        assert text.strip().endswith(words[colour])
        assert text.strip().startswith(palette.RAG_SYMBOL[colour])
    (chart,) = specs(html)
    scale = chart["layer"][0]["encoding"]["color"]["scale"]
    assert scale["domain"] == ["On track", "At risk", "Over"]
    assert scale["range"] == [palette.RAG["green"], palette.RAG["amber"], palette.RAG["red"]]
    assert {r["state"] for r in chart["data"]["values"]} <= set(scale["domain"])


def test_the_finops_page_shows_commitments(viewer: TestClient, demo_home: Path) -> None:
    """Tiles of the three commitment metrics, the tables by team and by commitment, and the
    API's document is the CLI's JSON."""
    html = viewer.get("/finops").text
    for key in ("coverage", "utilisation", "unused_cost"):
        assert f'data-metric="finops.commitment_{key}" data-scope="organisation"' in html
    assert "Commitment coverage and utilisation by team" in html
    assert "Unused cost by commitment" in html
    answer = viewer.get("/api/v1/finops/commitments", params={"month": MONTH})
    assert answer.status_code == 200, answer.text[:300]
    args = ["--home", str(demo_home), "finops", "commitments", "--month", MONTH]
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert answer.json() == json.loads(result.stdout)
    assert 0 < answer.json()["organisation"]["coverage"] < 1
