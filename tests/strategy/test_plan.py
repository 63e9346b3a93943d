"""The 90-day plan: seeding from the template, relative due dates, overdue flags, automatic
evidence from the store and lake, audited updates, the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from leadline.audit.log import AuditEntry
from leadline.cli import app as cli
from leadline.context import App
from leadline.lake.models import LakeFile
from leadline.reliability.models import Slo
from leadline.strategy import plan, plan_rules
from tests.strategy.support import ingest, land_delivery, write

START = dt.date(2026, 10, 1)
DAY_45 = START + dt.timedelta(days=45)
STRATEGY = """
apiVersion: leadline.io/v1
kind: Strategy
metadata: {name: s}
spec:
  vision: v
  outcomes: [{id: a, title: A}, {id: b, title: B}, {id: c, title: C}]
  bets: [{id: x, title: X, outcomes: [a]}]
  lighthouse_value_streams: [checkout, fulfilment]
"""


def items(app: App, today: dt.date = DAY_45) -> dict[str, dict[str, object]]:
    return {i["key"]: i for i in plan.plan_report(app, today=today)["items"]}


def test_template_seeds_fourteen_items_over_three_phases(any_app: App) -> None:
    report = plan.start(any_app, on=START, owner="cio", actor="alice")
    assert len(report["items"]) == 14
    assert [i["phase"] for i in report["items"]].count("days-0-30") == 5
    first = report["items"][0]
    assert (first["key"], first["due"], first["owner"]) == (
        "map-value-streams",
        dt.date(2026, 10, 22),
        "cio",
    )
    assert report["items"][-1]["due"] == START + dt.timedelta(days=90)
    with pytest.raises(plan.PlanError, match="exists already"):
        plan.start(any_app, on=START, actor="alice")
    with any_app.store.session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "plan"))
        assert entry is not None and entry.actor == "alice" and entry.action == "create"


def test_due_dates_and_overdue_on_day_45(app: App) -> None:
    """Day 45: the first phase's open items (due days 7-30) are overdue; day-45 items are due
    today (not overdue); later ones are not due yet."""
    plan.start(app, on=START, actor="a")
    report = plan.plan_report(app, today=DAY_45)
    assert report["day"] == 45
    got = {i["key"]: i["overdue"] for i in report["items"]}
    assert got["leadership-cadence"] and got["joint-risk-register"]
    assert not got["product-operating-model"]  # due on day 45 itself
    assert not got["approve-roadmap-funding"]
    assert report["overdue"] == 5


def test_automatic_evidence_from_catalog_strategy_and_okrs(app: App, tmp_path: Path) -> None:
    plan.start(app, on=START, actor="a")
    before = items(app)
    assert before["map-value-streams"]["automatic_evidence"]["met"] is False
    assert before["pick-lighthouses"]["automatic_evidence"]["detail"].endswith("none")
    land_delivery(app, tmp_path)
    ingest(app, "strategy-yaml", write(tmp_path / "s.yaml", STRATEGY))
    after = items(app)
    mapped = after["map-value-streams"]["automatic_evidence"]
    assert mapped == {
        "rule": "value-streams-mapped",
        "met": False,
        "detail": "value streams without services: fulfilment",
    }
    assert after["pick-lighthouses"]["met"] is True
    assert after["pick-lighthouses"]["overdue"] is False
    assert after["expand-streams"]["met"] is False  # two lighthouses, four wanted
    assert after["draft-okrs-roadmap"]["met"] is False  # a bet, but no objective yet
    assert after["product-operating-model"]["automatic_evidence"]["detail"] == (
        "no platform team in the catalog"
    )


def test_lighthouse_slo_and_stability_rules(app: App, tmp_path: Path) -> None:
    """Every lighthouse stream needs a service with an SLO, and deployments and incidents."""
    land_delivery(app, tmp_path)
    ingest(app, "strategy-yaml", write(tmp_path / "s.yaml", STRATEGY.replace(", fulfilment", "")))
    plan.start(app, on=START, actor="a")
    assert items(app)["slos-error-budgets"]["met"] is False
    assert items(app)["stability-tracking"]["met"] is False  # deployments, no incidents
    with app.store.session() as session:
        session.add(
            Slo(
                name="api-availability",
                service="api",
                objective=0.999,
                window_kind="rolling",
                window_days=28,
                budgeting="occurrences",
                sli_kind="ratio",
            )
        )
        session.commit()
    incidents = (
        "incident_id,service,severity,started_at,resolved_at\n"
        "i1,api,sev2,2026-03-06T00:00:00Z,2026-03-06T02:00:00Z\n"
    )
    ingest(app, "incidents-csv", write(tmp_path / "i.csv", incidents))
    now = items(app)
    assert now["slos-error-budgets"]["met"] is True
    assert now["stability-tracking"]["automatic_evidence"]["detail"] == (
        "every lighthouse stream (checkout) has deployments and incidents recorded"
    )


def test_other_pillars_tables_are_read_defensively(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan.start(app, on=START, actor="a")
    assert items(app)["joint-risk-register"]["automatic_evidence"]["detail"] in {
        "0 risks in the register",
        "no risk register in this installation",
    }
    monkeypatch.setattr(plan_rules, "RISK_TABLE", "no_such_table")
    assert items(app)["joint-risk-register"]["automatic_evidence"]["detail"] == (
        "no risk register in this installation"
    )
    monkeypatch.setattr(plan_rules, "RISK_TABLE", "plan_item")  # any table with rows
    assert items(app)["joint-risk-register"]["automatic_evidence"]["detail"] == (
        "14 risks in the register"
    )
    assert items(app)["finops-showback"]["met"] is False
    with app.store.session() as session:
        session.add(
            LakeFile(
                table_name="cost_lines",
                partition="2026-10",
                path="cost_lines/x.parquet",
                rows=12,
                bytes=100,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
        session.commit()
    assert items(app)["finops-showback"]["automatic_evidence"]["detail"] == "12 cost lines ingested"


def test_update_status_evidence_owner_is_audited(any_app: App) -> None:
    plan.start(any_app, on=START, actor="a")
    row = plan.update(
        any_app,
        "leadership-cadence",
        actor="bob",
        status="done",
        evidence="calendar invite",
        owner="cio",
    )
    assert (row["status"], row["met"], row["evidence"], row["owner"]) == (
        "done",
        True,
        "calendar invite",
        "cio",
    )
    assert items(any_app)["leadership-cadence"]["overdue"] is False
    with pytest.raises(plan.PlanError, match="status must be one of"):
        plan.update(any_app, "leadership-cadence", actor="bob", status="finished")
    with pytest.raises(plan.PlanError, match="no item 'nope'"):
        plan.update(any_app, "nope", actor="bob", status="done")
    with any_app.store.session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "plan_item"))
        assert entry is not None
        assert entry.entity_id == "90-day/leadership-cadence"
        assert set(entry.changed) >= {"status", "evidence", "owner"}


def test_dropped_items_are_never_overdue(app: App) -> None:
    plan.start(app, on=START, actor="a")
    plan.update(app, "leadership-cadence", actor="a", status="dropped")
    row = items(app)["leadership-cadence"]
    assert (row["met"], row["overdue"]) == (False, False)


def test_cli_plan(tmp_path: Path) -> None:
    home = ["--home", str(tmp_path / "home")]
    runner = CliRunner()
    assert runner.invoke(cli, [*home, "plan"]).exit_code == 2  # no plan yet
    result = runner.invoke(cli, [*home, "plan", "start", "--date", "2026-10-01", "--as", "a"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        cli, [*home, "plan", "update", "leadership-cadence", "--status", "done", "--as", "b"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, [*home, "plan", "--today", "2026-11-15", "--format", "json"])
    doc = json.loads(result.stdout)
    assert doc["day"] == 45 and doc["started_on"] == "2026-10-01"
    assert doc["items"][1]["key"] == "leadership-cadence" and doc["items"][1]["met"] is True
    bad = runner.invoke(cli, [*home, "plan", "start", "--date", "01/10/2026"])
    assert bad.exit_code == 2
