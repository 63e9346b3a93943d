"""The metric registry on a hand-built organisation: declarations, values per scope kind,
series with partial buckets, the facts behind a value, and the CLI and API giving the same
document.

Catalog: team t1 (value stream vs-team, business unit a) owns s1, which declares its own
value stream vs-own (business unit b), and s2 (no stream of its own: vs-team). Team t2 owns
s3 in vs-team.

Facts (all successful production deployments, 2026-03):
  s1: d1 03-02, d2 03-05 (incident i1 linked to d2 by id, 03-05 10:00 -> 14:00, 4 h)
  s2: d3 03-10
  s3: d4 03-20, d5 03-21
Changes: c1 (s1, committed 03-01 00:00, shipped by d1 at 03-02 00:00: 24 h),
         c2 (s2, committed 03-09 12:00, shipped by d3 at 03-10 00:00: 12 h).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from leadline.catalog.grouping import Scope
from leadline.cli import app as cli
from leadline.context import App
from leadline.periods import Window
from leadline.semantic import registry
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.query import explain, show
from leadline.semantic.registry import MetricError
from tests.strategy.support import ingest, write
from tests.web.support import add_user, token_for

CATALOG = """
apiVersion: leadline.io/v1
kind: Catalog
organisations:
  - name: org
business_units:
  - name: a
  - name: b
value_streams:
  - name: vs-team
    business_unit: a
  - name: vs-own
    business_unit: b
teams:
  - name: t1
    value_stream: vs-team
  - name: t2
    value_stream: vs-team
services:
  - name: s1
    owner: t1
    value_stream: vs-own
  - name: s2
    owner: t1
  - name: s3
    owner: t2
"""
DEPLOYMENTS = """deployment_id,service,environment,status,finished_at
d1,s1,production,success,2026-03-02T00:00:00Z
d2,s1,production,success,2026-03-05T00:00:00Z
d3,s2,production,success,2026-03-10T00:00:00Z
d4,s3,production,success,2026-03-20T00:00:00Z
d5,s3,production,success,2026-03-21T00:00:00Z
"""
CHANGES = """change_id,service,committed_at,deployment_id
c1,s1,2026-03-01T00:00:00Z,
c2,s2,2026-03-09T12:00:00Z,
"""
INCIDENTS = """incident_id,service,severity,started_at,resolved_at,deployment_id
i1,s1,sev2,2026-03-05T10:00:00Z,2026-03-05T14:00:00Z,d2
"""
MARCH = Window(dt.datetime(2026, 3, 1), dt.datetime(2026, 4, 1))
NOW = dt.datetime(2026, 4, 2, 12)


@pytest.fixture
def org(app: App, tmp_path: Path) -> App:
    for source, name, text in (
        ("catalog-yaml", "catalog.yaml", CATALOG),
        ("deployments-csv", "deployments.csv", DEPLOYMENTS),
        ("changes-csv", "changes.csv", CHANGES),
        ("incidents-csv", "incidents.csv", INCIDENTS),
    ):
        report = ingest(app, source, write(tmp_path / name, text))
        assert all(r.status == "landed" for r in report.results), report
    return app


def test_every_metric_is_declared_once_with_a_documented_definition() -> None:
    metrics = registry.metrics()
    docs = (Path(__file__).parents[2] / "docs" / "metrics.md").read_text(encoding="utf-8")
    anchors = {_anchor(line) for line in docs.splitlines() if line.startswith("#")}
    for key, metric in metrics.items():
        assert key == metric.key and metric.title and metric.scopes
        assert metric.anchor in anchors, f"{key}: no heading #{metric.anchor} in docs/metrics.md"
        for alias in metric.aliases:
            assert registry.get(alias) is metric and alias not in metrics
    assert {"dora.deployment_frequency", "reliability.slos_met", "finops.cost"} <= set(metrics)


def _anchor(heading: str) -> str:
    text = heading.lstrip("#").strip().lower()
    kept = "".join(c for c in text if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


def test_unknown_metric_scope_and_parameters_are_refused(org: App) -> None:
    ev = Evaluation(org, now=NOW)
    with pytest.raises(MetricError, match="unknown metric"):
        registry.get("dora.nope")
    with pytest.raises(MetricError, match="not computed by slo"):
        ev.values("dora.deployments", "slo", [MARCH])
    with pytest.raises(MetricError, match="needs the parameter"):
        ev.values("finops.unit_cost", "organisation", [MARCH])


def test_dora_values_follow_the_one_grouping(org: App) -> None:
    ev = Evaluation(org, now=NOW)
    assert ev.values("dora.deployments", "value-stream", [MARCH])[0] == {
        "vs-own": 2.0,  # s1's own value stream wins over its team's
        "vs-team": 3.0,
    }
    assert ev.values("dora.deployments", "business-unit", [MARCH])[0] == {"a": 3.0, "b": 2.0}
    assert ev.values("dora.deployments", "team", [MARCH])[0] == {"t1": 3.0, "t2": 2.0}
    org_scope = Scope("organisation", "organisation")
    assert ev.value("dora.deployment_frequency", org_scope, MARCH) == pytest.approx(5 / 31)
    assert ev.value("dora.change_failure_rate", org_scope, MARCH) == pytest.approx(20.0)
    assert ev.value("dora.change_failure_rate", Scope("value-stream", "vs-own"), MARCH) == 50.0
    assert ev.value("dora.lead_time_p50", org_scope, MARCH) == pytest.approx(18.0)
    assert ev.value("dora.time_to_restore_p50", Scope("team", "t1"), MARCH) == 4.0


def test_show_gives_a_series_with_partial_buckets(org: App) -> None:
    ev = Evaluation(org, now=dt.datetime(2026, 3, 15, 12))
    window = Window(dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 16))
    data = show(ev, "dora.deployments", by="team", window=window, grain="week")
    t1 = next(g for g in data["groups"] if g["key"] == "t1")
    assert t1["value"] == 3.0 and t1["title"] == "t1"
    weeks = [(b["label"], b["partial"], b["value"]) for b in t1["series"]]
    assert weeks == [
        ("2026-W09", True, 0.0),  # Monday 02-23: the window starts on Sunday 03-01
        ("2026-W10", False, 2.0),  # d1 (Monday 03-02 00:00) and d2
        ("2026-W11", True, 1.0),  # d3; the window ends and the as-of instant falls inside it
    ]
    assert data["as_of"] == "2026-03-15T12:00:00Z"


def test_explain_lists_the_facts_behind_a_value(org: App) -> None:
    ev = Evaluation(org, now=NOW)
    report = explain(ev, "dora.change_failure_rate", Scope("value-stream", "vs-own"), MARCH)
    facts = {(r["fact"], r["id"]): r for r in report.rows}
    assert set(facts) == {
        ("deployment", "d1"),
        ("deployment", "d2"),
        ("change", "c1"),
        ("incident", "i1"),
    }
    assert facts[("deployment", "d2")]["failed"] is True
    assert "incident i1" in facts[("deployment", "d2")]["how"]
    assert facts[("deployment", "d1")]["failed"] is False
    assert facts[("change", "c1")]["deployment"] == "d1"
    assert facts[("change", "c1")]["hours"] == 24.0
    assert facts[("incident", "i1")]["hours"] == 4.0
    assert report.meta["value"] == 50.0 and report.meta["display"] == "50.0 %"


def test_cli_and_api_give_the_same_document(org: App) -> None:
    args = ["--since", "2026-03-01", "--until", "2026-04-01", "--at", "2026-04-02T12:00:00Z"]
    home = str(org.settings.home)
    result = CliRunner().invoke(
        cli,
        [
            "--home",
            home,
            "metrics",
            "show",
            "dora.deployments",
            "--by",
            "value-stream",
            *args,
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    from_cli = json.loads(result.stdout)
    add_user(org, "vic", "viewer")
    token = token_for(org, "vic", ["read"])
    from leadline.web.app import create_app

    with TestClient(create_app(org.settings, background=False)) as client:
        answer = client.get(
            "/api/v1/metrics/dora.deployments",
            params={
                "by": "value-stream",
                "since": "2026-03-01",
                "until": "2026-04-01",
                "at": "2026-04-02T12:00:00Z",
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json() == from_cli
        listed = client.get("/api/v1/metrics", headers={"Authorization": f"Bearer {token}"})
        assert {m["key"] for m in listed.json()["metrics"]} == set(registry.metrics())
        facts = client.get(
            "/api/v1/metrics/dora.change_failure_rate/explain",
            params={
                "scope": "value-stream:vs-own",
                "since": "2026-03-01",
                "until": "2026-04-01",
                "at": "2026-04-02T12:00:00Z",
                "format": "csv",
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        assert facts.status_code == 200 and facts.text.startswith("fact,id,service,at")
        assert (
            client.get(
                "/api/v1/metrics/dora.nope", headers={"Authorization": f"Bearer {token}"}
            ).status_code
            == 404
        )
    cli_csv = CliRunner().invoke(
        cli,
        [
            "--home",
            home,
            "metrics",
            "explain",
            "dora.change_failure_rate",
            "--scope",
            "value-stream:vs-own",
            *args,
            "--format",
            "csv",
        ],
    )
    assert cli_csv.stdout == facts.text


def test_windows_that_are_calendar_periods_read_as_one_series(org: App) -> None:
    """dora_windows reads a scorecard's quarters or a QBR's months from one series; each
    window's groups equal the window asked alone, judged at the same instant."""
    from leadline.delivery.report import _as_buckets, dora, dora_windows

    windows = [
        Window(dt.datetime(2026, 2, 1), dt.datetime(2026, 3, 1)),
        Window(dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 20, 6)),  # March, to an instant
    ]
    assert _as_buckets(windows) is not None
    assert _as_buckets([MARCH, Window(dt.datetime(2026, 3, 5), dt.datetime(2026, 3, 9))]) is None
    at = dt.datetime(2026, 4, 2, 12)
    together = dora_windows(org, by="team", windows=windows, as_of=at)
    for window, groups in zip(windows, together, strict=True):
        alone = dora(org, by="team", window=window, as_of=at)["groups"]
        assert groups == {g["key"]: g for g in alone}
