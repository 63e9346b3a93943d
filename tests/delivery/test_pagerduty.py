"""PagerDuty V3 webhooks and REST incident exports to incident rows, by hand; out-of-order
and repeated deliveries, reopen, service resolution and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from leadline.catalog.services import Subject
from leadline.context import App
from leadline.delivery.events import Delivery, FieldMissing, UnknownEvent
from leadline.delivery.pagerduty import PagerDutyParser
from leadline.ingest.runner import run_ingest
from tests.delivery.support_events import (
    batch,
    envelope,
    facts,
    fixture,
    fixture_path,
    ingest,
    ingest_catalog,
    normalise,
    raw_events,
    utc,
    write_json,
    write_ndjson,
)

PARSER = PagerDutyParser()
CHECKOUT = Subject("pagerduty.com/service-id", "PSV7K2Q", "Checkout API")
EXTRA = '{"number":4312,"url":"https://acme.pagerduty.com/incidents/Q2M6T1W0XYZAB"}'


def incident(name: str) -> list[dict[str, Any]]:
    payload = fixture("pagerduty", name)
    found = normalise(PARSER, PARSER.infer(payload) or "", payload)
    return [] if found is None else found.incidents


def row(**changes: Any) -> dict[str, Any]:
    base = {
        "incident_id": "pagerduty:Q2M6T1W0XYZAB",
        "severity": "high",
        "started_at": utc(2026, 3, 2, 12, 5),
        "resolved_at": None,
        "deployment_id": None,
        "title": "Checkout error rate above 5%",
        "source": "pagerduty",
        "updated_at": utc(2026, 3, 2, 12, 5, 0, 412000),
        "extra": EXTRA,
        "_subject": CHECKOUT,
    }
    return base | changes


def test_a_triggered_incident_is_open_and_versioned_by_occurred_at() -> None:
    assert incident("triggered.json") == [row()]


def test_a_resolved_incident_is_resolved_when_the_event_occurred() -> None:
    resolved = utc(2026, 3, 2, 12, 47, 15, 250000)
    assert incident("resolved.json") == [
        row(severity="P1", resolved_at=resolved, updated_at=resolved)
    ]


def test_a_reopened_incident_is_open_again() -> None:
    assert incident("reopened.json") == [row(severity="P1", updated_at=utc(2026, 3, 2, 13, 30))]


def test_a_priority_update_sets_the_severity_to_the_priority() -> None:
    assert incident("priority_updated.json") == [
        row(severity="P1", updated_at=utc(2026, 3, 2, 12, 11))
    ]


def test_an_event_about_a_resolved_incident_other_than_the_resolution_is_ignored() -> None:
    payload = fixture("pagerduty", "priority_updated.json")
    payload["event"]["data"]["status"] = "resolved"
    assert normalise(PARSER, "incident.priority_updated", payload) is None


@pytest.mark.parametrize("event_type", ["service.updated", "incident.annotated", "pagey.ping"])
def test_events_without_incident_facts_are_ignored(event_type: str) -> None:
    payload = fixture("pagerduty", "service_updated.json")
    assert normalise(PARSER, event_type, payload) is None


def test_an_unknown_event_type_is_unknown() -> None:
    with pytest.raises(UnknownEvent):
        normalise(PARSER, "schedule.updated", {"event": {}})


@pytest.mark.parametrize(
    ("name", "path", "field"),
    [
        ("triggered", ["event", "occurred_at"], "event.occurred_at"),
        # a triggered event starts at occurred_at when it has no created_at (issue 21)
        ("acknowledged", ["event", "data", "created_at"], "event.data.created_at"),
        ("triggered", ["event", "data", "service"], "event.data.service.id"),
        ("triggered", ["event", "data"], "event.data"),
    ],
)
def test_a_missing_field_is_named_by_its_path(name: str, path: list[str], field: str) -> None:
    payload = fixture("pagerduty", f"{name}.json")
    target = payload
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    with pytest.raises(FieldMissing) as error:
        normalise(PARSER, f"incident.{name}", payload)
    assert error.value.field == field


def test_delivery_ids_are_the_webhook_id_else_the_event_id() -> None:
    payload = fixture("pagerduty", "triggered.json")
    assert PARSER.delivery_id(Delivery("f", 1, {"x-webhook-id": "w-1"}, payload)) == "w-1"
    assert PARSER.delivery_id(Delivery("f", 1, {}, payload)) == "01FA7QK4S5P1Y6ZQ3H0WJ8N2BC"
    assert PARSER.event_type(Delivery("f", 1, {}, payload)) == "incident.triggered"


def test_the_webhook_stream_lands_one_resolved_incident(app: App, tmp_path: Path) -> None:
    ingest_catalog(app, tmp_path)
    report = ingest(app, "pagerduty", fixture_path("pagerduty", "webhooks.ndjson"))
    assert report.exit_code == 0, [p.describe() for p in report.results[0].problems]
    resolved = utc(2026, 3, 2, 12, 47, 15, 250000)
    expected = row(resolved_at=resolved, updated_at=resolved, service="checkout", severity="P1")
    del expected["_subject"]
    # severity follows the newest observation: the priority set after triggering.
    assert facts(app, "incidents") == [expected]
    ids = [r.delivery_id for r in raw_events(app, "pagerduty")]
    assert ids == [f"8a1f6b2e-6bd4-4a63-9e5c-4f1a2b3c4d0{n}" for n in range(1, 5)]


def test_out_of_order_deliveries_resolve_and_a_later_reopen_opens(app: App, tmp_path: Path) -> None:
    ingest_catalog(app, tmp_path)
    resolved, triggered = (
        fixture("pagerduty", "resolved.json"),
        fixture("pagerduty", "triggered.json"),
    )
    first = write_json(tmp_path / "a.json", [resolved, triggered])  # bare, resolution first
    assert ingest(app, "pagerduty", first).exit_code == 0
    [state] = facts(app, "incidents")
    assert (state["started_at"], state["resolved_at"]) == (
        utc(2026, 3, 2, 12, 5),
        utc(2026, 3, 2, 12, 47, 15, 250000),
    )
    ingest(app, "pagerduty", write_json(tmp_path / "b.json", fixture("pagerduty", "reopened.json")))
    [state] = facts(app, "incidents")
    assert (state["resolved_at"], state["updated_at"]) == (None, utc(2026, 3, 2, 13, 30))


def test_a_repeated_webhook_id_is_stored_once(app: App, tmp_path: Path) -> None:
    ingest_catalog(app, tmp_path)
    body = fixture("pagerduty", "triggered.json")
    again = envelope(body, X_Webhook_Id="same-id")
    path = write_ndjson(tmp_path / "twice.ndjson", [again, again])
    ingest(app, "pagerduty", path)
    before = facts(app, "incidents")
    other = write_ndjson(tmp_path / "again.ndjson", [again, envelope(body, raw_body=True)])
    report = ingest(app, "pagerduty", other)
    assert "1 already received" in (batch(app, report.results[0].batch_id).message or "")
    assert len(raw_events(app, "pagerduty")) == 2  # "same-id", and the event id (no header)
    assert facts(app, "incidents") == before


REST_EXPECTED = [
    {
        "incident_id": "pagerduty:Q0SRCH9LATENCY",
        "service": "search",
        "severity": "low",
        "started_at": utc(2026, 3, 4, 7),
        "resolved_at": utc(2026, 3, 4, 8, 30),  # no resolved_at: the last status change
        "deployment_id": None,
        "title": "Search p99 latency above 2s",
        "source": "pagerduty",
        "updated_at": utc(2026, 3, 4, 8, 30),
        "extra": '{"number":4315,"url":"https://acme.pagerduty.com/incidents/Q0SRCH9LATENCY"}',
    },
    {
        "incident_id": "pagerduty:Q2M6T1W0XYZAB",
        "service": "checkout",
        "severity": "P1",
        "started_at": utc(2026, 3, 2, 12, 5),
        "resolved_at": utc(2026, 3, 2, 12, 47, 15),
        "deployment_id": None,
        "title": "Checkout error rate above 5%",
        "source": "pagerduty",
        "updated_at": utc(2026, 3, 2, 12, 47, 15),
        "extra": EXTRA,
    },
    {
        "incident_id": "pagerduty:Q7OPEN1STILL",
        "service": "checkout",
        "severity": "high",
        "started_at": utc(2026, 3, 5, 22, 10),
        "resolved_at": None,
        "deployment_id": None,
        "title": "Cart service memory leak",
        "source": "pagerduty",
        "updated_at": utc(2026, 3, 5, 22, 14),
        "extra": '{"number":4321,"url":"https://acme.pagerduty.com/incidents/Q7OPEN1STILL"}',
    },
]


def test_a_rest_incident_list_lands_one_delivery_per_incident(app: App, tmp_path: Path) -> None:
    ingest_catalog(app, tmp_path)
    # "Search Service" is neither annotated nor a catalog name: kept, with a warning.
    report = ingest(app, "pagerduty", fixture_path("pagerduty", "incidents_list.json"))
    [result] = report.results
    assert [(p.severity, p.value) for p in result.problems] == [("warning", "Search Service")]
    assert result.rows_read == 3
    assert [r.delivery_id for r in raw_events(app, "pagerduty")] == [
        "api:incident:Q2M6T1W0XYZAB@2026-03-02T12:47:15Z",
        "api:incident:Q0SRCH9LATENCY@2026-03-04T09:30:00+01:00",
        "api:incident:Q7OPEN1STILL@2026-03-05T22:14:00Z",
    ]
    rows = facts(app, "incidents")
    assert rows == [REST_EXPECTED[0] | {"service": "Search Service"}, *REST_EXPECTED[1:]]


def test_a_later_export_updates_changed_incidents_and_skips_the_rest(
    app: App, tmp_path: Path
) -> None:
    ingest_catalog(app, tmp_path)
    listing = fixture("pagerduty", "incidents_list.json")
    for item in listing["incidents"]:
        item["service"]["summary"] = item["service"]["summary"].replace(" Service", "")
    ingest(app, "pagerduty", write_json(tmp_path / "a.json", listing))
    assert facts(app, "incidents") == REST_EXPECTED
    still_open = listing["incidents"][2]
    still_open.update(
        status="resolved",
        updated_at="2026-03-06T01:00:00Z",
        last_status_change_at="2026-03-06T01:00:00Z",
        resolved_at="2026-03-06T01:00:00Z",
    )
    report = ingest(app, "pagerduty", write_json(tmp_path / "b.json", [listing, {"incidents": []}]))
    message = batch(app, report.results[0].batch_id).message or ""
    assert message.startswith("3 deliveries: 1 normalised") and "2 already received" in message
    resolved = utc(2026, 3, 6, 1)
    expected = [*REST_EXPECTED[:2], REST_EXPECTED[2] | {"resolved_at": resolved}]
    expected[2]["updated_at"] = resolved
    assert facts(app, "incidents") == expected


def test_the_cli_ingests_pagerduty_files(tmp_path: Path) -> None:
    from leadline.cli import app as cli

    home = tmp_path / "home"
    path = write_ndjson(tmp_path / "pd.ndjson", [json.loads(line) for line in _webhook_lines()])
    result = CliRunner().invoke(
        cli, ["--home", str(home), "ingest", "pagerduty", str(path), "--format", "json"]
    )
    # Checkout API is not in the empty catalog: a warning, the rows landed
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["results"][0]["rows_read"] == 4


def _webhook_lines() -> list[str]:
    return fixture_path("pagerduty", "webhooks.ndjson").read_text().splitlines()


def test_a_forced_reingest_keeps_the_facts(app: App, tmp_path: Path) -> None:
    ingest_catalog(app, tmp_path)
    path = fixture_path("pagerduty", "webhooks.ndjson")
    ingest(app, "pagerduty", path)
    before = facts(app, "incidents")
    run_ingest("pagerduty", [path], settings=app.settings, store=app.store, force=True)
    assert facts(app, "incidents") == before
