"""PagerDuty conformance: the reference Go client's (PagerDuty/go-pagerduty) webhook and REST
test fixtures, extracted verbatim from its Go test sources into
tests/data/conformance/pagerduty (see SOURCES.md). PagerDuty's own documentation samples
(PagerDuty/developer-docs) carry no licence and are not copied; the V3 sample the issue quotes,
derived from them, is tests/conformance/test_repros.py's triggered event."""

from __future__ import annotations

from pathlib import Path

from leadline.context import App
from tests.conformance.support import DATA, errors, ingest
from tests.delivery.support_events import facts, raw_events

GO = DATA / "pagerduty" / "go-pagerduty"


def test_a_2021_v3_priority_update_without_created_at_is_refused_naming_the_rule(
    app: App,
) -> None:
    """webhookv3_test.go's delivery: incident.priority_updated of PGR0VU2 (P1, high) at
    2021-04-26T17:36:27.458Z, with no data.created_at; only a triggered event's occurred_at
    says when an incident started, so this observation cannot be stored."""
    report = ingest(app, "pagerduty", GO / "webhookv3" / "webhookv3_test.defaultBody.json")
    [error] = errors(report)
    assert (error.item, error.field) == ("01BWDWL3NYY7LUFPZCC28QUCMK", "event.data.created_at")
    assert "(incident.priority_updated): event.data.created_at is missing" in error.reason
    assert "only an incident.triggered event" in error.reason
    [raw] = raw_events(app, "pagerduty")  # kept verbatim for a re-read
    assert (raw.status, raw.event_type) == ("rejected", "incident.priority_updated")
    assert facts(app, "incidents") == []


def test_the_same_delivery_as_a_trigger_lands(app: App, tmp_path: Path) -> None:
    """The fixture with only its event_type changed to incident.triggered: every value it
    states lands (priority P1 as severity, service PF9KMXH by its summary "API Service" as no
    catalog annotation maps it, number 2, start = occurred_at)."""
    text = (GO / "webhookv3" / "webhookv3_test.defaultBody.json").read_text(encoding="utf-8")
    path = tmp_path / "triggered.json"
    path.write_text(text.replace("incident.priority_updated", "incident.triggered"), "utf-8")
    assert errors(ingest(app, "pagerduty", path)) == []
    [row] = facts(app, "incidents")
    assert row["incident_id"] == "pagerduty:PGR0VU2"
    assert (row["severity"], row["title"], row["service"]) == (
        "P1",
        "A little bump in the road",
        "API Service",
    )
    assert row["started_at"].isoformat() == "2021-04-26T17:36:27.458000+00:00"
    assert row["resolved_at"] is None
    assert '"number":2' in row["extra"]


def test_a_v2_webhook_is_stored_raw_as_an_unknown_event(app: App) -> None:
    """V2 webhooks ({"messages": [...]}, ended by PagerDuty in 2022) are not read: the
    delivery is kept raw as unknown, nothing is derived from it."""
    report = ingest(app, "pagerduty", GO / "webhook_test.webhookPayload.json")
    assert errors(report) == []
    [raw] = raw_events(app, "pagerduty")
    assert (raw.status, raw.event_type) == ("unknown", None)
    assert facts(app, "incidents") == []


def test_a_trimmed_rest_incident_is_refused_naming_the_missing_field(app: App) -> None:
    """incident_test.go's ManageIncidents response holds only title, id and status; a REST
    incident always has created_at and service, which an incident row needs."""
    [error] = errors(ingest(app, "pagerduty", GO / "incident_test.ManageIncidents_status.json"))
    assert (error.item, error.field) == ("api:incident:1@None", "incident.created_at")
    assert error.reason.endswith("incident.created_at is missing")
