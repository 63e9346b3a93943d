"""Issue 21's three repros: inputs as their authors write them, refused before the fix."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.ingest.runner import run_ingest
from leadline.reliability.models import Slo, SloDocument
from tests.delivery.support_events import facts, utc

SERVICE_LIST = """\
- apiVersion: openslo/v1
  kind: Service
  metadata: {name: web}
  spec: {description: x}
"""

NULL_POLICIES = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: web-availability
spec:
  service: web
  budgetingMethod: Occurrences
  timeWindow:
    - duration: 28d
      isRolling: true
  indicatorRef: web-good
  objectives:
    - target: 0.99
  alertPolicies:
---
apiVersion: openslo/v1
kind: SLI
metadata:
  name: web-good
spec:
  ratioMetric:
    counter: true
    good:
      metricSource: {type: Prometheus, spec: {query: good}}
    total:
      metricSource: {type: Prometheus, spec: {query: total}}
"""

WEB = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: web
  annotations: {pagerduty.com/service-id: PA2P440}
spec: {type: service, lifecycle: production, owner: team-a}
"""

TRIGGERED = {
    "event": {
        "id": "E1",
        "event_type": "incident.triggered",
        "resource_type": "incident",
        "occurred_at": "2021-06-04T13:35:29.781Z",
        "data": {
            "id": "P1",
            "type": "incident",
            "status": "triggered",
            "title": "t",
            "service": {"id": "PA2P440", "type": "service_reference"},
            "urgency": "high",
        },
    }
}


def _cli(tmp_path: Path, source: str, path: Path) -> tuple[int, str]:
    args = ["--home", str(tmp_path / "home"), "ingest", source, str(path)]
    result = CliRunner().invoke(cli, args)
    return result.exit_code, result.output


def test_an_openslo_file_written_as_a_yaml_list_lands(tmp_path: Path, app: App) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SERVICE_LIST, encoding="utf-8")
    code, output = _cli(tmp_path, "openslo", path)
    assert code == 0, output
    report = run_ingest("openslo", [path], settings=app.settings, store=app.store)
    assert report.exit_code == 0
    with app.store.session() as session:
        stored = session.query(SloDocument).one()
    assert (stored.kind, stored.name) == ("Service", "web")
    assert stored.document["spec"] == {"description": "x"}


def test_a_list_item_that_is_not_an_object_is_named_by_its_index(app: App, tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SERVICE_LIST + "- just text\n", encoding="utf-8")
    report = run_ingest("openslo", [path], settings=app.settings, store=app.store)
    problems = [p for r in report.results for p in r.problems]
    assert [(p.row, p.field, p.severity) for p in problems] == [(1, "[1]", "error")]
    assert "must be a mapping" in problems[0].reason
    with app.store.session() as session:  # the good item of the list still landed
        assert session.query(SloDocument).count() == 1


def test_an_empty_optional_list_counts_as_absent(app: App, tmp_path: Path) -> None:
    path = tmp_path / "slo.yaml"
    path.write_text(NULL_POLICIES, encoding="utf-8")
    report = run_ingest("openslo", [path], settings=app.settings, store=app.store)
    errors = [p for r in report.results for p in r.problems if p.severity == "error"]
    assert errors == []
    with app.store.session() as session:
        slo = session.query(Slo).one()
        assert (slo.name, slo.objective, slo.alerting) == ("web-availability", 0.99, [])


def test_a_null_required_field_says_it_was_null(app: App, tmp_path: Path) -> None:
    path = tmp_path / "slo.yaml"
    path.write_text(NULL_POLICIES.replace("  service: web\n", "  service:\n"), encoding="utf-8")
    report = run_ingest("openslo", [path], settings=app.settings, store=app.store)
    errors = [p for r in report.results for p in r.problems if p.severity == "error"]
    assert [(e.field, e.value) for e in errors] == [("spec.service", None)]
    assert errors[0].reason.startswith("is null (the key has no value); ")


def test_a_triggered_event_without_created_at_starts_when_it_occurred(
    app: App, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog-info.yaml"
    catalog.write_text(WEB, encoding="utf-8")
    path = tmp_path / "e.json"
    path.write_text(json.dumps(TRIGGERED), encoding="utf-8")
    assert _cli(tmp_path, "backstage", catalog)[0] == 0
    code, output = _cli(tmp_path, "pagerduty", path)
    assert code == 0, output
    assert run_ingest("backstage", [catalog], settings=app.settings, store=app.store).exit_code == 0
    assert run_ingest("pagerduty", [path], settings=app.settings, store=app.store).exit_code == 0
    [row] = facts(app, "incidents")
    assert row["incident_id"] == "pagerduty:P1"
    assert row["started_at"] == utc(2021, 6, 4, 13, 35, 29, 781000)
    assert row["resolved_at"] is None
    assert (row["severity"], row["service"]) == ("high", "web")


def test_other_events_without_created_at_are_still_refused(app: App, tmp_path: Path) -> None:
    event = json.loads(json.dumps(TRIGGERED))
    event["event"]["event_type"] = "incident.acknowledged"
    event["event"]["data"]["status"] = "acknowledged"
    path = tmp_path / "e.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    report = run_ingest("pagerduty", [path], settings=app.settings, store=app.store)
    problems = [p for r in report.results for p in r.problems]
    assert [p.field for p in problems] == ["event.data.created_at"]
