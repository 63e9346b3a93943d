"""The AI/ML systems register: import, AI RMF functions, overdue evaluations, audit."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from leadline.audit import history
from leadline.cli import app as cli
from leadline.context import App
from leadline.ingest.runner import run_ingest
from leadline.risk.ai import ai_report

runner = CliRunner()
SYSTEMS = """\
system_id,name,kind,owner,business_use,risk_tier,data_sources,services,approval_state,last_evaluated_on,evaluation_every_days,monitoring_status,govern,map,measure,manage
AI-001,Fraud-model,model,risk-analytics,Score-card-payments,high,payments;device-signals,payments-api,approved,2026-01-15,90,monitored,done,done,in_progress,not_started
AI-002,Support-assistant,service,service-desk,Draft-replies,medium,tickets,,approved,2026-05-01,,partial,done,done,done,done
AI-003,CV-screening,model,hr,Shortlist-candidates,critical,cvs,,in_review,,,unmonitored,in_progress,not_started,,
AI-004,Old-recommender,model,shop,Recommend-products,low,orders,,retired,2024-01-01,,unmonitored,done,done,done,done
AI-005,Bad-tier,model,x,y,extreme,,,approved,,,monitored,,,,
AI-006,Bad-cadence,model,x,y,low,,,approved,2026-01-01,0,monitored,,,,
"""


def test_register_functions_and_overdue(any_app: App, tmp_path: Path) -> None:
    path = tmp_path / "ai.csv"
    path.write_text(SYSTEMS)
    report = run_ingest("ai-systems-csv", [path], settings=any_app.settings, store=any_app.store)
    (result,) = report.results
    problems = {(p.row, p.field, p.severity) for p in result.problems}
    assert (6, "risk_tier", "error") in problems and (
        7,
        "evaluation_every_days",
        "error",
    ) in problems
    assert (2, "services", "warning") in problems  # payments-api: not in the catalog
    assert result.rows_accepted == 4
    with any_app.store.session() as session:
        data = ai_report(session, any_app.settings, dt.date(2026, 6, 1))
        assert len(history(session, entity_type="ai_system")) == 4
    systems = {s["system_id"]: s for s in data["systems"]}
    # AI-001: 2026-01-15 + 90 days = 2026-04-15 < 2026-06-01: overdue
    assert systems["AI-001"]["next_evaluation_on"] == dt.date(2026, 4, 15)
    # AI-002: default 180 days -> 2026-10-28; AI-003 in review, never evaluated: overdue
    assert systems["AI-002"]["next_evaluation_on"] == dt.date(2026, 10, 28)
    assert data["overdue_evaluations"] == ["AI-001", "AI-003"]  # retired AI-004 is not
    functions = {f["function"]: f for f in data["functions"]}
    assert (functions["govern"]["done"], functions["govern"]["in_progress"]) == (2, 1)
    assert functions["manage"]["open"] == ["AI-001", "AI-003"]
    assert functions["measure"]["not_started"] == 1  # AI-003's empty cell
    assert data["by_tier"] == {"low": 0, "medium": 1, "high": 1, "critical": 1}
    assert data["unmonitored"] == ["AI-003"]
    assert systems["AI-001"]["data_sources"] == ["payments", "device-signals"]


def test_ai_cli_json(app: App, tmp_path: Path) -> None:
    path = tmp_path / "ai.csv"
    path.write_text(SYSTEMS)
    run_ingest("ai-systems-csv", [path], settings=app.settings, store=app.store)
    out = runner.invoke(
        cli,
        ["--home", str(app.settings.home), "risk", "ai", "--at", "2026-06-01", "--format", "json"],
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["overdue_evaluations"] == ["AI-001", "AI-003"]
