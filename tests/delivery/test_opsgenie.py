"""Opsgenie webhook-integration deliveries and REST alert/incident exports to incidents, by
hand: epoch units, close time from the report, service by tag prefix or mapping, rejects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from leadline.catalog.services import Subject
from leadline.context import App
from leadline.delivery.events import Delivery, FieldMissing, UnknownEvent
from leadline.delivery.opsgenie import OpsgenieParser
from leadline.delivery.tickets import epoch_time
from tests.delivery.support_events import (
    batch,
    facts,
    ingest,
    ingest_catalog,
    normalise,
    raw_events,
    utc,
    write_json,
    write_ndjson,
)

PARSER = OpsgenieParser()
DATA = Path(__file__).resolve().parent.parent / "data" / "trackers"
ALERT_ID = "5e1f8a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"


def hooks() -> list[Any]:
    text = (DATA / "opsgenie_webhooks.ndjson").read_text()
    return [json.loads(line) for line in text.splitlines() if line]


def export(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def test_epoch_times_in_any_unit() -> None:
    instant = utc(2026, 3, 5, 8)
    for value in (1772697600, 1772697600000, 1772697600000000, 1772697600000000000):
        assert epoch_time(value, "t") == instant
    for bad in ("1772697600", True, -5):
        with pytest.raises(FieldMissing):
            epoch_time(bad, "t")


def test_create_opens_and_close_resolves_at_updated_at() -> None:
    created = normalise(PARSER, "Create", hooks()[0])
    assert created is not None
    assert created.incidents == [
        {
            "incident_id": f"opsgenie:alert:{ALERT_ID}",
            "severity": "P2",
            "started_at": utc(2026, 3, 5, 8),
            "resolved_at": None,
            "deployment_id": None,
            "title": "Checkout p99 latency above 3s",
            "source": "opsgenie",
            "updated_at": utc(2026, 3, 5, 8, 0, 0, 123),  # ns, to the microsecond
            "extra": '{"alias":"checkout-latency","tiny_id":"218"}',
            "_subject": Subject("", "checkout", "checkout"),
        }
    ]
    closed = normalise(PARSER, "Close", hooks()[3])
    assert closed is not None
    assert closed.incidents[0]["resolved_at"] == utc(2026, 3, 5, 8, 41, 0, 123)


def test_other_actions_are_ignored_and_unknown_ones_unknown() -> None:
    assert normalise(PARSER, "AddNote", hooks()[2]) is None
    with pytest.raises(UnknownEvent):
        normalise(PARSER, "Teleport", hooks()[2])


def test_delivery_ids_and_types() -> None:
    delivery = Delivery("f", 1, {}, hooks()[3])
    assert PARSER.event_type(delivery) == "Close"
    assert PARSER.delivery_id(delivery) == f"{ALERT_ID}:Close@1772700060000123456"
    item = {"item": export("opsgenie_incidents.json")["data"][0]}
    assert PARSER.event_type(Delivery("f", 1, {}, item)) == "api.incident"
    assert PARSER.delivery_id(Delivery("f", 1, {}, item)) == (
        "api:incident:1a2b3c4d-0000-4000-8000-000000000071@2026-03-08T07:40:00.000Z"
    )


def test_incident_labels_limit_which_alerts_count() -> None:
    settings = {"incident_labels": ["sev1"], "service_field": "tags", "service_prefix": "service:"}
    assert normalise(PARSER, "Create", hooks()[0], opsgenie=settings) is None
    settings["incident_labels"] = ["CRITICAL"]
    assert normalise(PARSER, "Create", hooks()[0], opsgenie=settings) is not None


def test_an_alert_without_a_service_tag_is_rejected_naming_the_field() -> None:
    payload = hooks()[0]
    payload["alert"]["tags"] = ["critical"]
    with pytest.raises(FieldMissing) as error:
        normalise(PARSER, "Create", payload)  # default: tags prefixed "service:"
    assert error.value.field == "alert.tags"
    entity = {"service_field": "entity", "service_prefix": ""}
    found = normalise(PARSER, "Create", payload, opsgenie=entity)
    assert found is not None and found.incidents[0]["_subject"].name == "checkout-api"


def test_a_closed_rest_alert_resolves_at_created_plus_close_time() -> None:
    alert = {"item": export("opsgenie_alerts.json")["data"][0]}
    found = normalise(
        PARSER, "api.alert", alert, opsgenie={"service_field": "tags", "service_prefix": "service:"}
    )
    assert found is not None
    [row] = found.incidents
    assert (row["started_at"], row["resolved_at"]) == (utc(2026, 3, 6, 10), utc(2026, 3, 6, 10, 45))


def test_the_webhook_stream_lands_one_resolved_alert(app: App, tmp_path: Path) -> None:
    ingest_catalog(app, tmp_path)
    stream = write_ndjson(tmp_path / "og.ndjson", hooks())
    report = ingest(app, "opsgenie", stream)
    assert report.exit_code == 0, [p.describe() for p in report.results[0].problems]
    [incident] = facts(app, "incidents")
    assert (incident["service"], incident["resolved_at"]) == (
        "checkout",
        utc(2026, 3, 5, 8, 41, 0, 123),
    )
    message = batch(app, report.results[0].batch_id).message or ""
    assert message.startswith("4 deliveries: 2 normalised, 2 ignored")
    again = ingest(app, "opsgenie", write_ndjson(tmp_path / "again.ndjson", hooks()[::-1]))
    assert "4 already received" in (batch(app, again.results[0].batch_id).message or "")
    assert len(raw_events(app, "opsgenie")) == 4


def test_rest_exports_land_alerts_and_mapped_incidents(app: App, tmp_path: Path) -> None:
    ingest_catalog(app, tmp_path)
    app.settings.delivery.opsgenie.service_map = {"9f1c2d3e-0000-4000-8000-0000000000aa": "search"}
    pages = [export("opsgenie_alerts.json"), export("opsgenie_incidents.json")]
    pages[0]["data"][1]["tags"] = []  # the open alert names no service
    report = ingest(app, "opsgenie", write_json(tmp_path / "export.json", pages))
    [result] = report.results
    assert [(p.row, p.field) for p in result.problems] == [(2, "item.tags")]
    rows = {r["incident_id"]: r for r in facts(app, "incidents")}
    assert set(rows) == {
        "opsgenie:alert:70413a06-38d6-4c85-92b8-5ebc900d42e2",
        "opsgenie:incident:1a2b3c4d-0000-4000-8000-000000000071",
    }
    incident = rows["opsgenie:incident:1a2b3c4d-0000-4000-8000-000000000071"]
    assert (incident["service"], incident["started_at"], incident["resolved_at"]) == (
        "search",
        utc(2026, 3, 8, 6),
        utc(2026, 3, 8, 7, 30),
    )
