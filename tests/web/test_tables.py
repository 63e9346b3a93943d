"""One presentation model: on the demo, each page table's "Download CSV" is, byte for byte, the
CSV its command prints (``leadline <command> --format csv``) for the same data, since both
come from the one report function of the pillar (``<pillar>/tables.py``); the pages show
formatted cells with titles, figures right-aligned, a dash for an absent value, and never
scientific notation or a raw ``None``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.reliability import report as slo_report
from leadline.scorecard import core as scorecard_core
from leadline.semantic.evaluation import Evaluation
from leadline.webkit.viewdata import last_month
from tests.conftest import make_settings
from tests.web.support import login

# SLO status and the scorecard are judged at an instant: the page and the command at the same.
AT = dt.datetime.now(dt.UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0)
MONTH = last_month()
PAGES = ["/", "/catalog", "/delivery", "/reliability", "/finops", "/risk", "/strategy", "/maturity"]
SCIENTIFIC = re.compile(r"\d\.\d+e[+-]\d", re.IGNORECASE)

# (page, table on it, the command whose CSV it is)
SAME_CSV = [
    ("/delivery", "dora", ["dora", "--by", "team"]),
    ("/", "dora", ["dora", "--by", "team"]),
    ("/reliability", "slos", ["slo", "status"]),
    ("/finops", "team", ["finops", "showback", "--month", MONTH, "--by", "team"]),
    ("/finops", "business_unit", ["finops", "showback", "--month", MONTH, "--by", "business-unit"]),
    ("/finops", "tower", ["finops", "showback", "--month", MONTH, "--by", "tower"]),
    ("/risk", "register", ["risk", "register"]),
    ("/risk", "compliance", ["risk", "compliance"]),
    ("/risk", "profiles", ["risk", "csf"]),
    ("/strategy", "key_results", ["okr"]),
    ("/strategy", "plan", ["plan"]),
    ("/maturity", "domains", ["maturity"]),
    ("/", "scorecard", ["scorecard"]),
    ("/catalog", "teams", ["catalog", "teams"]),
    ("/catalog", "services", ["catalog", "services"]),
    ("/catalog", "interactions", ["catalog", "interactions"]),
]


@pytest.fixture(scope="module")
def viewer(demo_home: Path) -> Iterator[TestClient]:
    from leadline.web.app import create_app

    def judged_at(app: App, engine: str | None = None, now: dt.datetime | None = None) -> Any:
        return Evaluation(app, engine, now or AT)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(slo_report, "now", lambda: AT)
        patch.setattr(scorecard_core, "Evaluation", judged_at)
        with TestClient(create_app(make_settings(demo_home), background=False)) as client:
            assert login(client, "vic").status_code == 303
            yield client


def cli_csv(home: Path, args: list[str]) -> str:
    result = CliRunner().invoke(cli, ["--home", str(home), *args, "--format", "csv"])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize(("path", "table", "args"), SAME_CSV, ids=str)
def test_the_page_csv_is_the_cli_csv(
    viewer: TestClient, demo_home: Path, path: str, table: str, args: list[str]
) -> None:
    answer = viewer.get(path, params={"format": "csv", "table": table})
    assert answer.status_code == 200, answer.text[:300]
    expected = cli_csv(demo_home, args)
    assert expected.count("\n") > 1, f"the demo has no rows for {args}"
    assert answer.text == expected


def test_the_home_page_shows_the_worst_slos_of_the_cli_report(
    viewer: TestClient, demo_home: Path
) -> None:
    """The home page's SLO table is the command's report with the 15 SLOs with the least
    budget left: its CSV has the command's columns and some of its rows, unchanged."""
    home = viewer.get("/", params={"format": "csv", "table": "slos"}).text.splitlines()
    everything = cli_csv(demo_home, ["slo", "status"]).splitlines()
    assert home[0] == everything[0]
    assert 0 < len(home) - 1 <= 15 and set(home[1:]) <= set(everything[1:])


def test_the_within_objective_tile_counts_the_table_beside_it(viewer: TestClient) -> None:
    """The Reliability page's "SLOs within objective" tile and its SLO table are judged at the
    same instant: the tile's share is the table's SLOs (composites aside) whose SLI meets the
    objective, among those with an SLI."""
    html = viewer.get("/reliability").text
    tile = re.search(
        r'data-metric="reliability.slos_within_objective"[^>]*data-value="([^"]*)"', html
    )
    assert tile, "the page shows the tile"
    rows = list(
        csv.DictReader(
            io.StringIO(viewer.get("/reliability", params={"format": "csv", "table": "slos"}).text)
        )
    )
    judged = [r for r in rows if r["sli"] and r["budgeting"] != "composite"]
    assert judged, "the demo has SLOs with an SLI"
    met = sum(float(r["sli"]) >= float(r["objective"]) for r in judged)
    assert float(tile.group(1)) == pytest.approx(100.0 * met / len(judged))


def test_a_csf_profile_page_csv_is_the_cli_csv(viewer: TestClient, demo_home: Path) -> None:
    profiles = cli_csv(demo_home, ["risk", "csf"]).splitlines()
    profile = profiles[1].split(",")[0]
    answer = viewer.get(f"/risk/csf/{profile}", params={"format": "csv", "table": "csf_rows"})
    assert answer.text == cli_csv(demo_home, ["risk", "csf", "--profile", profile])


@pytest.mark.parametrize("path", PAGES)
def test_pages_show_values_for_people(viewer: TestClient, path: str) -> None:
    """No scientific notation, no raw None, no blank cell; column titles, not keys; figures
    in right-aligned cells."""
    html = viewer.get(path).text
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    assert not SCIENTIFIC.search(text), SCIENTIFIC.search(text)
    assert not re.search(r"\bNone\b", text)
    cells = re.findall(r'<td class="(\w+)"[^>]*>([^<]*)</td>', html)
    assert cells, "the page shows table cells"
    assert all(value.strip() for _, value in cells), "an absent value shows as a dash"
    headers = re.findall(r'<th scope="col" class="\w+">(?:<button[^>]*>)?([^<]*)<', html)
    assert headers and not [h for h in headers if "_" in h]
    assert any(kind == "number" for kind, _ in cells)


def test_money_percentages_and_labels_are_formatted(viewer: TestClient) -> None:
    finops = viewer.get("/finops").text
    assert re.search(r'<td class="number"[^>]*>\d{1,3}(,\d{3})*\.\d{2} [A-Z]{3}</td>', finops)
    assert re.search(r'<td class="number"[^>]*>\d+\.\d %</td>', finops)  # shares
    delivery = viewer.get("/delivery").text
    assert re.search(r'<td class="number"[^>]*>\d+\.\d %</td>', delivery)  # change failure rate
    assert re.search(r'<td class="text"[^>]*>(Elite|High|Medium|Low)</td>', delivery)
    assert "Performance levels: DORA 2024 clusters (benchmark DORA 2025" in delivery
    risk = viewer.get("/risk").text
    assert re.search(r'<td class="text"[^>]*>(yes|no)</td>', risk)  # review overdue
    assert "review_overdue" not in risk and "Review overdue" in risk
