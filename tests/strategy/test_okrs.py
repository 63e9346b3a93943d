"""OKRs: import (good and bad documents), scores, bound key results from live DORA data,
check-ins with history and audit, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from leadline.audit.log import AuditEntry
from leadline.cli import app as cli
from leadline.context import App
from leadline.ingest.models import Reject
from leadline.strategy import okrs
from leadline.strategy.models import KeyResult, KeyResultCheckin, Objective
from tests.strategy.support import ingest, land_delivery, objective, write

LEAD_TIME = """
- id: lead-time
  title: Lead time p50 down to 12 h
  metric: dora.lead_time_p50
  scope: {service: api}
  baseline: 72
  target: 12
"""
ADOPTION = """
- id: adoption
  title: Teams on the paved road
  baseline: 2
  target: 10
  current: 4
  confidence: 0.5
  unit: teams
"""


def test_bound_key_result_reads_live_dora_and_scores(any_app: App, tmp_path: Path) -> None:
    """p50 lead time of 12, 24, 36 h is 24 h: (24 - 72) / (12 - 72) = 0.8; the manual key
    result scores (4 - 2) / (10 - 2) = 0.25; the objective is their mean, 0.525."""
    land_delivery(any_app, tmp_path)
    doc = objective("shop-flow", LEAD_TIME + ADOPTION)
    report = ingest(any_app, "okrs-yaml", write(tmp_path / "okrs.yaml", doc))
    assert report.exit_code == 0, report
    data = okrs.okr_report(any_app, quarter="2026Q1")
    (obj,) = data["objectives"]
    lead, adoption = obj["key_results"]
    assert lead["current"] == pytest.approx(24.0)
    assert lead["score"] == pytest.approx(0.8)
    assert lead["unit"] == "hours" and lead["direction"] == "decrease"
    assert lead["measurement"]["window"] == {
        "since": "2026-01-01T00:00:00Z",
        "until": "2026-04-01T00:00:00Z",
    }
    assert adoption["score"] == pytest.approx(0.25)
    assert adoption["confidence"] == 0.5
    assert obj["score"] == pytest.approx(0.525)
    assert obj["grade"] == "yellow"


def test_bound_key_result_of_a_team_and_a_value_stream(app: App, tmp_path: Path) -> None:
    """The objective's team scope is used when the key result has none; a scope with no
    deployments in the quarter has no value (and no score), not zero."""
    land_delivery(app, tmp_path)
    krs = """
    - id: team-lead-time
      title: Team lead time
      metric: dora.lead_time_p50
      baseline: 48
      target: 24
    - id: stream-frequency
      title: Deploy more often
      metric: dora.deployment_frequency_per_day
      scope: {value_stream: checkout}
      baseline: 0.01
      target: 1
    """
    ingest(app, "okrs-yaml", write(tmp_path / "a.yaml", objective("shop-q1", krs)))
    ingest(
        app, "okrs-yaml", write(tmp_path / "b.yaml", objective("shop-q2", krs, quarter="2026Q2"))
    )
    q1, q2 = okrs.okr_report(app)["objectives"]
    assert q1["key_results"][0]["current"] == pytest.approx(24.0)
    assert q1["key_results"][0]["score"] == 1.0
    assert q1["key_results"][1]["current"] == pytest.approx(2 / 90)  # 2 deployments, 90 days
    assert q2["key_results"][0]["current"] is None
    assert q2["key_results"][0]["score"] is None
    assert q2["key_results"][1]["current"] == 0.0
    assert q2["key_results"][1]["score"] == 0.0


BAD_DOCS = [
    (
        """
        - id: flat
          title: No movement possible
          baseline: 5
          target: 5
        """,
        "spec.key_results[0].target",
        "target equals the baseline",
    ),
    (
        """
        - id: typo
          title: Unknown metric
          metric: dora.lead_tiem_p50
          baseline: 72
          target: 24
        """,
        "spec.key_results[0].metric",
        "unknown metric",
    ),
    (
        """
        - id: wrong-way
          title: Lead time up?
          metric: dora.lead_time_p50
          baseline: 24
          target: 72
        """,
        "spec.key_results[0].target",
        "better when lower",
    ),
    (
        """
        - id: scope
          title: Per SLO only
          metric: dora.lead_time_p50
          scope: {slo: api-availability}
          baseline: 72
          target: 24
        """,
        "spec.key_results[0].scope",
        "not per slo",
    ),
    (
        """
        - id: c
          title: Confidence out of range
          baseline: 1
          target: 2
          confidence: 1.5
        """,
        "spec.key_results[0].confidence",
        "less than or equal to 1",
    ),
]


@pytest.mark.parametrize(("krs", "field", "reason"), BAD_DOCS)
def test_bad_key_results_are_rejected_naming_file_row_and_field(
    app: App, tmp_path: Path, krs: str, field: str, reason: str
) -> None:
    """The bad document (row 2 of the file) is rejected; the good one beside it lands."""
    good = objective("good", ADOPTION)
    path = write(tmp_path / "okrs.yaml", good + "---\n" + objective("bad", krs))
    report = ingest(app, "okrs-yaml", path)
    (result,) = report.results
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (2, 1, 1)
    (problem,) = [p for p in result.problems if p.severity == "error"]
    assert (problem.file, problem.row, problem.field) == (str(path), 2, field)
    assert reason in problem.reason
    with app.store.session() as session:
        assert list(session.scalars(select(Objective.name))) == ["good"]
        assert session.scalar(select(Reject.field).where(Reject.severity == "error")) == field


def test_objective_needs_exactly_one_scope_and_a_valid_quarter(app: App, tmp_path: Path) -> None:
    docs = [
        objective("two", ADOPTION, scope="team: shop\n  business_unit: retail"),
        objective("q", ADOPTION, quarter="2026Q5"),
    ]
    report = ingest(app, "okrs-yaml", write(tmp_path / "o.yaml", "---\n".join(docs)))
    fields = sorted(p.field for p in report.results[0].problems if p.severity == "error")
    assert fields == ["spec.quarter", "spec.team"]


def test_reimport_corrects_records_checkin_and_removes_dropped_key_results(
    any_app: App, tmp_path: Path
) -> None:
    """Same name: corrected in place; a changed ``current`` is a check-in (source import); a key
    result left out is removed with a warning; every import is audited."""
    first = objective("obj", ADOPTION + LEAD_TIME)
    ingest(any_app, "okrs-yaml", write(tmp_path / "1.yaml", first))
    second = objective("obj", ADOPTION.replace("current: 4", "current: 6"))
    report = ingest(any_app, "okrs-yaml", write(tmp_path / "2.yaml", second))
    warnings = [p for p in report.results[0].problems if p.severity == "warning"]
    assert any("obj/lead-time" in p.reason for p in warnings)
    with any_app.store.session() as session:
        assert list(session.scalars(select(KeyResult.name))) == ["obj/adoption"]
        values = list(session.scalars(select(KeyResultCheckin.value).order_by(KeyResultCheckin.id)))
        assert values == [4.0, 6.0]
        audits = list(
            session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "objective"))
        )
        assert [a.action for a in audits] == ["import", "import"]
        assert audits[0].before is None and audits[1].before is not None


def test_checkin_writes_history_and_audit(any_app: App, tmp_path: Path) -> None:
    ingest(any_app, "okrs-yaml", write(tmp_path / "o.yaml", objective("obj", ADOPTION)))
    row = okrs.checkin(any_app, "obj/adoption", value=8, confidence=0.8, actor="alice", note="n")
    assert row["score"] == pytest.approx(0.75)
    history = okrs.history(any_app, "obj/adoption")
    assert [(h["value"], h["source"], h["actor"]) for h in history] == [
        (4.0, "import", history[0]["actor"]),
        (8.0, "checkin", "alice"),
    ]
    (kr,) = okrs.okr_report(any_app)["objectives"][0]["key_results"]
    assert (kr["current"], kr["confidence"]) == (8.0, 0.8)
    with any_app.store.session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "key_result"))
        assert entry is not None
        assert (entry.actor, entry.action, entry.entity_id) == ("alice", "update", "obj/adoption")
        assert entry.before["current"] == 4.0 and entry.after["current"] == 8.0
        assert "current" in entry.changed


def test_checkin_errors(app: App, tmp_path: Path) -> None:
    ingest(app, "okrs-yaml", write(tmp_path / "o.yaml", objective("obj", ADOPTION + LEAD_TIME)))
    with pytest.raises(okrs.OkrError, match="no key result"):
        okrs.checkin(app, "obj/nope", value=1, confidence=None, actor="a")
    with pytest.raises(okrs.OkrError, match=r"bound to dora\.lead_time_p50"):
        okrs.checkin(app, "obj/lead-time", value=1, confidence=None, actor="a")
    with pytest.raises(okrs.OkrError, match="between 0 and 1"):
        okrs.checkin(app, "obj/adoption", value=1, confidence=2, actor="a")


def test_refresh_records_bound_values_as_checkins(app: App, tmp_path: Path) -> None:
    land_delivery(app, tmp_path)
    ingest(app, "okrs-yaml", write(tmp_path / "o.yaml", objective("obj", LEAD_TIME)))
    rows = okrs.refresh(app, actor="leadline")
    assert [(r["key_result"], r["value"], r["source"]) for r in rows] == [
        ("obj/lead-time", pytest.approx(24.0), "metric")
    ]
    assert len(okrs.history(app, "obj/lead-time")) == 1


def test_cli_okr_json_checkin_and_metrics(tmp_path: Path) -> None:
    home = str(tmp_path / "home")
    runner = CliRunner()
    path = write(tmp_path / "o.yaml", objective("obj", ADOPTION))
    landed = runner.invoke(cli, ["--home", home, "ingest", "okrs-yaml", str(path)])
    assert landed.exit_code == 0, landed.output  # warnings only: the objective landed
    assert "0 rejected" in landed.output and "warning" in landed.output
    result = runner.invoke(
        cli,
        [
            "--home",
            home,
            "okr",
            "checkin",
            "obj/adoption",
            "--value",
            "6",
            "--confidence",
            "0.9",
            "--as",
            "bob",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["checkins"][0]["actor"] == "bob"
    result = runner.invoke(cli, ["--home", home, "okr", "--format", "json"])
    doc = json.loads(result.stdout)
    assert doc["objectives"][0]["key_results"][0]["score"] == pytest.approx(0.5)
    result = runner.invoke(cli, ["--home", home, "okr", "checkin", "obj/x", "--value", "1"])
    assert result.exit_code == 2
    result = runner.invoke(cli, ["--home", home, "okr", "metrics", "--format", "json"])
    names = {m["metric"] for m in json.loads(result.stdout)["metrics"]}
    # The registry's metrics (the older slo.* names are aliases: they bind, unlisted).
    assert {
        "dora.lead_time_p50",
        "reliability.error_budget_remaining",
        "reliability.slos_within_objective",
    } <= names
