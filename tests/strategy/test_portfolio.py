"""Capability map, alignment matrix and roadmap: hand-computed matrices, horizons, value
realisation, the heat map (investment, FinOps cost, health), the CLI, and properties."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.strategy.alignment import alignment_matrix
from leadline.strategy.capabilities import (
    attention,
    capability_map,
    health_band,
    previous_month,
)
from leadline.strategy.portfolio_models import RoadmapInitiative
from leadline.strategy.roadmap import horizon, quarter_span, roadmap, shift_quarter
from tests.strategy.support import ingest, write
from tests.strategy.support_portfolio import land_all


def test_alignment_matrix_by_hand(any_app: App, tmp_path: Path) -> None:
    land_all(any_app, tmp_path)
    data = alignment_matrix(any_app, today=dt.date(2026, 3, 31))
    rows = {r["capability"]: r for r in data["capabilities"]}
    assert [r["capability"] for r in data["capabilities"]] == ["commerce", "ordering", "payroll"]
    assert [rows[c]["level"] for c in rows] == [1, 2, 1]
    assert rows["ordering"]["strengths"] == {"faster": 3, "reliable": 2, "cheaper": 0}
    assert rows["commerce"]["strengths"] == {"faster": 1, "reliable": 0, "cheaper": 0}
    columns = {c["id"]: c for c in data["outcomes"]}
    assert columns["faster"]["capabilities"] == ["ordering"]  # commerce is only weak
    assert columns["faster"]["total_strength"] == 4
    assert columns["faster"]["initiatives"] == ["road"]
    assert data["uncovered_outcomes"] == ["cheaper"]
    assert data["unaligned_capabilities"] == ["payroll"]
    assert data["initiatives_without_capability"] == ["far", "idea"]
    assert [i["name"] for i in rows["ordering"]["initiatives"]] == ["old", "road", "slos"]
    road = next(i for i in data["initiatives"] if i["name"] == "road")
    lead, teams = road["kpis"]
    # lead time p50 of 12, 24, 36 h over the 90 days to 2026-04-01: (24-72)/(12-72) = 0.8
    assert lead["current"] == pytest.approx(24.0) and lead["progress"] == pytest.approx(0.8)
    assert lead["measurement"]["window"]["until"] == "2026-04-01T00:00:00Z"
    assert teams["progress"] == pytest.approx(0.25)  # (4-2)/(10-2)
    assert road["realisation"] == pytest.approx(0.525) and road["grade"] == "yellow"


def test_roadmap_horizons_lighthouses_and_quarters(any_app: App, tmp_path: Path) -> None:
    land_all(any_app, tmp_path)
    data = roadmap(any_app, today=dt.date(2026, 5, 2))
    assert data["current_quarter"] == "2026Q2"
    assert data["horizons"] == {
        "done": ["old"],
        "now": ["road"],
        "next": ["slos", "far"],  # within two quarters of 2026Q2
        "later": ["idea"],
    }
    assert data["budget_by_horizon"] == {
        "done": {"EUR": "7.00"},
        "now": {"USD": "1000.50"},
        "next": {"USD": "500.00"},  # far and idea have no budget
        "later": {},
    }
    assert data["quarters"][0] == "2025Q1" and data["quarters"][-1] == "2027Q2"
    assert len(data["quarters"]) == 10
    items = {i["name"]: i for i in data["initiatives"]}
    road = items["road"]
    assert road["quarters"] == quarter_span("2026Q1", "2027Q2") and len(road["quarters"]) == 6
    assert road["lighthouse"] and road["lighthouse_value_streams"] == ["checkout"]
    assert items["slos"]["lighthouse"] and items["slos"]["lighthouse_value_streams"] == []
    assert items["slos"]["start"] == items["slos"]["end"] == "2026Q3"
    assert not items["far"]["lighthouse"]
    (linked,) = road["objectives"]  # its key result: 0 -> 4 at 2 scores 0.5
    assert linked == {
        "name": "o",
        "known": True,
        "quarter": "2026Q1",
        "title": "o title",
        "score": 0.5,
        "grade": "yellow",
    }
    assert road["budget"] == "1000.50" and items["idea"]["horizon_from"] == "declared"
    later = roadmap(any_app, today=dt.date(2026, 10, 1))["horizons"]
    assert later["done"] == ["old", "slos"] and later["now"] == ["road", "far"]


def test_heat_map_investment_and_health(any_app: App, tmp_path: Path) -> None:
    land_all(any_app, tmp_path)
    data = capability_map(any_app, at=dt.datetime(2026, 3, 31))
    assert data["month"] == "2026-02" and data["cost_currency"] is None
    assert data["cost_note"] == "no cost lines in 2026-02"  # the default rule allocates
    rows = {r["capability"]: r for r in data["capabilities"]}
    ordering = rows["ordering"]
    assert ordering["investment"] == {"EUR": "7.00", "USD": "1500.50"}
    assert rows["commerce"]["investment"] == {"USD": "500.00"}
    # commerce with ordering: road, slos (named by both, counted once) and old.
    assert rows["commerce"]["rollup"]["investment"] == {"EUR": "7.00", "USD": "1500.50"}
    assert rows["commerce"]["rollup"]["capabilities"] == 2
    assert rows["commerce"]["dora_level"] is None and rows["commerce"]["health"] is None
    assert rows["commerce"]["rollup"]["dora_level"] == "low"
    assert rows["commerce"]["rollup"]["health"] == "red"
    assert rows["ordering"]["rollup"]["investment"] == ordering["investment"]
    assert rows["payroll"]["investment"] is None
    assert ordering["cost"] is None
    # shop: 2 deployments in 90 days (< 1 per 30 days) is a low DORA level; no SLOs.
    assert ordering["dora_levels"] == {"shop": "low"} and ordering["dora_level"] == "low"
    assert ordering["slo_met_share"] is None and ordering["slos_judged"] == 0
    assert ordering["health"] == "red"
    assert rows["payroll"]["health"] is None and rows["payroll"]["dora_level"] is None
    assert [rows[c]["max_strength"] for c in ("commerce", "ordering", "payroll")] == [1, 3, 0]
    assert rows["ordering"]["attention"] == ["aligned-but-red"]
    assert rows["commerce"]["attention"] == [] and rows["payroll"]["attention"] == []
    assert data["value_streams"] == [
        {"value_stream": "checkout", "lighthouse": True, "capabilities": ["ordering"]}
    ]


def test_heat_map_cost_from_finops_showback(any_app: App, tmp_path: Path) -> None:
    """tests/finops/test_showback.py's January: payments 158.89 (100 + api 30 + pool share),
    browse 61.11, the service api alone 30.00; unallocated 10 never counts."""
    from tests.delivery.support_metrics import load_catalog
    from tests.finops.support_finops import (
        ingest_focus,
        ingest_rules,
        rules_yaml,
        scenario_rows,
        write_focus,
    )

    load_catalog(any_app, tmp_path)
    assert ingest_focus(any_app, write_focus(tmp_path / "jan.csv", scenario_rows())).exit_code == 0
    ingest_rules(any_app, tmp_path, rules_yaml("proportional"))
    caps = "\n---\n".join(
        f"apiVersion: leadline.io/v1\nkind: Capability\nmetadata: {{name: {n}}}\nspec: {s}"
        for n, s in (
            ("api-only", "{services: [api]}"),
            ("browse", "{teams: [browse]}"),
            ("payments", "{services: [api], teams: [payments]}"),
            ("nothing", "{}"),
            ("idle", "{services: [ledger]}"),
            ("all", "{}"),
            ("under", "{parent: all, teams: [browse]}"),
            ("under-too", "{parent: all, services: [api], teams: [payments]}"),
        )
    )
    assert ingest(any_app, "capabilities-yaml", write(tmp_path / "c.yaml", caps)).exit_code == 0
    data = capability_map(any_app, month="2026-01", at=dt.datetime(2026, 2, 1))
    costs = {r["capability"]: r["cost"] for r in data["capabilities"]}
    assert costs == {
        "api-only": "30.00",
        "browse": "61.11",
        "payments": "158.89",
        "nothing": None,
        "idle": "0.00",
        "all": None,
        "under": "61.11",
        "under-too": "158.89",
    }
    rollup = {r["capability"]: r["rollup"]["cost"] for r in data["capabilities"]}
    assert rollup["all"] == "220.00"  # 158.888… + 61.111…, each portion once
    assert rollup["under"] == "61.11" and rollup["nothing"] is None
    assert data["cost_currency"] == "USD" and data["cost_note"] is None
    empty = capability_map(any_app, month="2026-03", at=dt.datetime(2026, 4, 1))
    assert empty["cost_note"] == "no cost lines in 2026-03"
    assert {r["cost"] for r in empty["capabilities"]} == {None}


def test_cli_keeps_the_page_and_adds_sub_commands(app: App, tmp_path: Path) -> None:
    land_all(app, tmp_path)
    runner = CliRunner()
    home = ["--home", str(app.settings.home)]
    page = runner.invoke(
        cli, [*home, "strategy", "--quarter", "2026Q1", "--format", "json"], env={"COLUMNS": "200"}
    )
    assert page.exit_code == 0, page.output
    assert json.loads(page.stdout)["name"] == "north"
    road = runner.invoke(
        cli,
        [*home, "strategy", "roadmap", "--today", "2026-05-02", "--format", "json"],
        env={"COLUMNS": "200"},
    )
    assert road.exit_code == 0, road.output
    assert json.loads(road.stdout)["horizons"]["now"] == ["road"]
    matrix = runner.invoke(
        cli, [*home, "strategy", "alignment", "--today", "2026-03-31"], env={"COLUMNS": "200"}
    )
    assert matrix.exit_code == 0 and "ordering" in matrix.stdout and "cheaper" in matrix.stdout
    caps = runner.invoke(
        cli,
        [*home, "strategy", "capabilities", "--at", "2026-03-31T00:00:00Z", "--format", "json"],
        env={"COLUMNS": "200"},
    )
    assert caps.exit_code == 0, caps.output
    assert next(c["capability"] for c in json.loads(caps.stdout)["capabilities"]) == "commerce"
    table = runner.invoke(
        cli, [*home, "strategy", "roadmap", "--today", "2026-05-02"], env={"COLUMNS": "200"}
    )
    assert table.exit_code == 0 and "2026Q3" in table.stdout
    csv = runner.invoke(cli, [*home, "strategy", "alignment", "--format", "csv"])
    assert csv.exit_code == 0, csv.output
    lines = csv.stdout.splitlines()
    assert lines[0] == "capability,level,parent,faster,reliable,cheaper,initiatives"
    assert lines[2] == 'ordering,2,commerce,3,2,0,"old, road, slos"'
    csv = runner.invoke(
        cli, [*home, "strategy", "roadmap", "--today", "2026-05-02", "--format", "csv"]
    )
    assert csv.exit_code == 0, csv.output
    road = next(line for line in csv.stdout.splitlines() if line.startswith("road,"))
    assert road.startswith("road,true,now,,,,,x,x,x,x,x,x,faster,1000.50 USD,")  # CSV booleans
    csv = runner.invoke(cli, [*home, "strategy", "capabilities", "--format", "csv"])
    assert csv.exit_code == 0 and csv.stdout.startswith("capability,level,parent,")
    bad = runner.invoke(
        cli, [*home, "strategy", "capabilities", "--month", "2026-1"], env={"COLUMNS": "200"}
    )
    assert bad.exit_code == 2
    bad = runner.invoke(cli, [*home, "strategy", "capabilities", "--month", "2026-13"])
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output


@pytest.mark.parametrize(
    ("share", "level", "band"),
    [
        (None, None, None),
        (1.0, "elite", "green"),
        (None, "high", "green"),
        (1.0, None, "green"),
        (0.75, "high", "yellow"),
        (1.0, "medium", "yellow"),
        (0.49, "elite", "red"),
        (1.0, "low", "red"),
    ],
)
def test_health_band(share: float | None, level: str | None, band: str | None) -> None:
    assert health_band(share, level) == band


@pytest.mark.parametrize(
    ("strength", "health", "investment", "reasons"),
    [
        (2, "red", None, ["aligned-but-red", "aligned-but-unfunded"]),
        (3, "yellow", {"USD": "1.00"}, []),
        (1, "red", None, []),
        (0, None, {"USD": "1.00"}, ["funded-but-unaligned"]),
        (0, "red", None, []),
    ],
)
def test_attention(
    strength: int, health: str | None, investment: dict[str, str] | None, reasons: list[str]
) -> None:
    assert attention(strength, {"health": health, "investment": investment}) == reasons


def test_previous_month() -> None:
    assert previous_month(dt.date(2026, 1, 15)) == "2025-12"
    assert previous_month(dt.date(2026, 3, 1)) == "2026-02"


quarters = st.builds(lambda y, q: f"{y}Q{q}", st.integers(2000, 2100), st.integers(1, 4))


@given(quarters, st.integers(0, 40))
def test_quarter_span_property(start: str, n: int) -> None:
    end = shift_quarter(start, n)
    span = quarter_span(start, end)
    assert len(span) == n + 1 and span[0] == start and span[-1] == end
    assert span == sorted(span) and shift_quarter(end, -n) == start


def test_plan_counts_roadmap_initiatives_as_the_roadmap(app: App, tmp_path: Path) -> None:
    from leadline.strategy import plan

    land_all(app, tmp_path)  # the strategy has no bets; the roadmap has five initiatives
    plan.start(app, on=dt.date(2026, 3, 1), actor="a")
    item = next(i for i in plan.plan_report(app)["items"] if i["key"] == "draft-okrs-roadmap")
    assert item["automatic_evidence"]["met"] is True
    assert item["automatic_evidence"]["detail"] == (
        "1 objectives; 0 strategic bets and 5 roadmap initiatives"
    )


@given(quarters, st.integers(0, 12), st.integers(-16, 16))
def test_horizon_only_moves_towards_done(start: str, length: int, offset: int) -> None:
    """As the current quarter advances, a dated initiative goes later -> next -> now -> done,
    never back; it is 'now' exactly in its own quarters."""
    row = RoadmapInitiative(name="x", start_quarter=start, end_quarter=shift_quarter(start, length))
    order = ("done", "now", "next", "later")
    current = shift_quarter(start, offset)
    seen = [horizon(row, shift_quarter(current, k)) for k in range(length + 8)]
    ranks = [order.index(h) for h in seen]
    assert ranks == sorted(ranks, reverse=True)
    assert (horizon(row, current) == "now") == (0 <= offset <= length)
