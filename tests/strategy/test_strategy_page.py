"""Strategy on a page: import, validation, the page with bets, OKRs and live proof metrics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.strategy.page import StrategyError, strategy_page
from tests.strategy.support import ingest, land_delivery, objective, write

STRATEGY = """
apiVersion: leadline.io/v1
kind: Strategy
metadata: {name: north, title: North star}
spec:
  period: 2026
  vision: Fast and safe.
  outcomes:
    - {id: faster, title: Ship faster}
    - {id: reliable, title: Be reliable}
    - {id: cheaper, title: Cost less}
  bets:
    - {id: road, title: Paved road, outcomes: [faster, reliable], horizon: now}
    - {id: finops, title: Showback, outcomes: [cheaper], horizon: next}
  guardrails: [No customer data leaves the EU]
  metrics:
    - {name: Lead time, metric: dora.lead_time_p50, scope: {team: shop}, target: 12, unit: h}
    - {name: NPS, target: 40}
  lighthouse_value_streams: [checkout, fulfilment]
"""


def test_page_links_bets_okrs_and_live_metrics(any_app: App, tmp_path: Path) -> None:
    land_delivery(any_app, tmp_path)
    assert ingest(any_app, "strategy-yaml", write(tmp_path / "s.yaml", STRATEGY)).exit_code == 0
    krs = "- {id: a, title: A, baseline: 0, target: 4, current: 1}"
    doc = objective("o", krs, extra="  outcome: faster\n")
    assert ingest(any_app, "okrs-yaml", write(tmp_path / "o.yaml", doc)).exit_code == 0
    page = strategy_page(any_app, quarter="2026Q1")
    faster, reliable, cheaper = page["outcomes"]
    assert [b["id"] for b in faster["bets"]] == ["road"]
    assert [b["id"] for b in cheaper["bets"]] == ["finops"]
    assert faster["objectives"] == [
        {"name": "o", "title": "o title", "scope": "shop", "score": 0.25}
    ]
    assert reliable["objectives"] == []
    lead, nps = page["metrics"]
    assert lead["current"] == pytest.approx(24.0)  # p50 of 12, 24, 36 h
    assert nps["current"] is None
    assert page["lighthouse_value_streams"] == ["checkout", "fulfilment"]


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (("outcomes: [cheaper]", "outcomes: [cheapest]"), "spec.bets[1].outcomes[0]"),
        (("metric: dora.lead_time_p50", "metric: dora.nope"), "spec.metrics[0].metric"),
        (("scope: {team: shop}, ", ""), "spec.metrics[0].scope"),
        (("  vision: Fast and safe.\n", ""), "spec.vision"),
    ],
)
def test_bad_strategy_names_file_row_and_field(
    app: App, tmp_path: Path, edit: tuple[str, str], field: str
) -> None:
    path = write(tmp_path / "s.yaml", STRATEGY.replace(*edit))
    (result,) = ingest(app, "strategy-yaml", path).results
    (problem,) = result.problems
    assert (problem.file, problem.row, problem.field, problem.severity) == (
        str(path),
        1,
        field,
        "error",
    )
    with pytest.raises(StrategyError, match="no strategy yet"):
        strategy_page(app)


def test_outcome_count_outside_three_to_five_is_warned_and_kept(app: App, tmp_path: Path) -> None:
    text = STRATEGY.replace("    - {id: cheaper, title: Cost less}\n", "").replace(
        "    - {id: finops, title: Showback, outcomes: [cheaper], horizon: next}\n", ""
    )
    (result,) = ingest(app, "strategy-yaml", write(tmp_path / "s.yaml", text)).results
    assert [(p.severity, p.field) for p in result.problems] == [("warning", "spec.outcomes")]
    assert len(strategy_page(app)["outcomes"]) == 2


def test_cli_strategy_table_and_json(tmp_path: Path) -> None:
    home = str(tmp_path / "home")
    runner = CliRunner()
    path = write(tmp_path / "s.yaml", STRATEGY)
    assert runner.invoke(cli, ["--home", home, "ingest", "strategy-yaml", str(path)]).exit_code == 0
    result = runner.invoke(cli, ["--home", home, "strategy", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["vision"] == "Fast and safe."
    result = runner.invoke(cli, ["--home", home, "strategy"], env={"COLUMNS": "160"})
    assert "Ship faster" in result.stdout and "[now]" in result.stdout
    assert "No customer data leaves the EU" in result.stdout
    empty = runner.invoke(cli, ["--home", str(tmp_path / "other"), "strategy"])
    assert empty.exit_code == 2
