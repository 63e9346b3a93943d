"""Linear webhooks and GraphQL exports to tickets and incidents, by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from leadline.catalog.services import Subject
from leadline.context import App
from leadline.delivery.events import Delivery, FieldMissing, UnknownEvent
from leadline.delivery.linear import LinearParser
from tests.delivery.support_events import (
    batch,
    facts,
    ingest,
    ingest_catalog,
    normalise,
    utc,
    write_json,
)

PARSER = LinearParser()
DATA = Path(__file__).resolve().parent.parent / "data" / "trackers"


def deliveries() -> list[Any]:
    text = (DATA / "linear_webhooks.ndjson").read_text()
    return [json.loads(line) for line in text.splitlines() if line]


def body(number: int) -> Any:
    return deliveries()[number]["body"]


def nodes() -> list[Any]:
    return list(json.loads((DATA / "linear_issues.json").read_text())["data"]["issues"]["nodes"])


def test_event_types_join_type_and_action() -> None:
    delivery = Delivery("f", 1, {"linear-event": "Issue"}, body(1))
    assert PARSER.event_type(delivery) == "Issue.update"
    assert PARSER.delivery_id(Delivery("f", 1, {"linear-delivery": "d-9"}, body(1))) == "d-9"
    node = {"issue": nodes()[0]}
    assert PARSER.event_type(Delivery("f", 1, {}, node)) == "api.issue"
    assert PARSER.delivery_id(Delivery("f", 1, {}, node)) == (
        "api:issue:1d2c3b4a-0000-4000-8000-000000000008@2026-03-02T16:00:00.000Z"
    )


def test_a_labelled_issue_is_an_incident_of_its_team() -> None:
    found = normalise(PARSER, "Issue.create", body(0))
    assert found is not None
    [incident] = found.incidents
    assert incident == {
        "incident_id": "linear:CHK-7",
        "severity": "Urgent",
        "started_at": utc(2026, 3, 3, 14),
        "resolved_at": None,
        "deployment_id": None,
        "title": "Card payments fail at checkout",
        "source": "linear",
        "updated_at": utc(2026, 3, 3, 14),
        "extra": '{"team":"CHK","url":"https://linear.app/acme/issue/CHK-7/'
        'card-payments-fail-at-checkout"}',
        "_subject": Subject("", "CHK", "CHK"),
    }


def test_started_and_completed_times_start_and_resolve() -> None:
    started = normalise(PARSER, "Issue.update", body(1))
    assert started is not None
    assert started.tickets[0]["started_at"] == utc(2026, 3, 3, 14, 6)  # type: ignore[attr-defined]
    done = normalise(PARSER, "Issue.update", body(3))
    assert done is not None and done.incidents[0]["resolved_at"] == utc(2026, 3, 3, 15, 45)


def test_a_graphql_node_without_the_label_is_a_ticket_only() -> None:
    found = normalise(PARSER, "api.issue", {"issue": nodes()[0]})
    assert found is not None and found.incidents == []
    [ticket] = found.tickets  # type: ignore[attr-defined]
    assert (ticket["work_item_id"], ticket["started_at"], ticket["status"]) == (
        "CHK-8",
        utc(2026, 2, 27, 9, 30),
        "In Review",
    )


def test_a_team_makes_incidents_and_the_project_or_map_names_the_service() -> None:
    settings = {"incident_teams": ["chk"], "service_field": "project"}
    found = normalise(PARSER, "api.issue", {"issue": nodes()[0]}, linear=settings)
    assert found is not None and found.incidents[0]["_subject"] == Subject(
        "", "Reorders", "Reorders"
    )
    mapped = {
        "incident_labels": ["incident"],
        "service_field": "team",
        "service_map": {"eng": "search"},
    }
    found = normalise(PARSER, "api.issue", {"issue": nodes()[1]}, linear=mapped)
    assert found is not None and found.incidents[0]["_subject"].name == "search"


def test_the_key_falls_back_to_team_and_number_and_is_named_when_absent() -> None:
    data = body(0)["data"]
    del data["identifier"]
    found = normalise(PARSER, "Issue.create", {"data": data})
    assert found is not None and found.tickets[0]["work_item_id"] == "CHK-7"  # type: ignore[attr-defined]
    del data["number"]
    with pytest.raises(FieldMissing) as error:
        normalise(PARSER, "Issue.create", {"data": data})
    assert error.value.field == "data.identifier"


def test_comments_and_removals_are_ignored_other_types_unknown() -> None:
    assert normalise(PARSER, "Comment.create", body(2)) is None
    assert normalise(PARSER, "Issue.remove", body(0)) is None
    with pytest.raises(UnknownEvent):
        normalise(PARSER, "AuditEntry.create", {})


def test_webhooks_land_one_resolved_incident_and_its_ticket(app: App, tmp_path: Path) -> None:
    ingest_catalog(app, tmp_path)
    app.settings.delivery.linear.service_map = {"CHK": "checkout"}
    report = ingest(app, "linear", DATA / "linear_webhooks.ndjson")
    assert report.exit_code == 0, [p.describe() for p in report.results[0].problems]
    [incident] = facts(app, "incidents")
    assert (incident["service"], incident["resolved_at"]) == ("checkout", utc(2026, 3, 3, 15, 45))
    [ticket] = facts(app, "work_items")
    assert (ticket["started_at"], ticket["resolved_at"], ticket["incident"]) == (
        utc(2026, 3, 3, 14, 6),
        utc(2026, 3, 3, 15, 45),
        True,
    )
    message = batch(app, report.results[0].batch_id).message or ""
    assert message.startswith("4 deliveries: 3 normalised, 1 ignored")


def test_an_export_lands_every_node_and_names_a_bad_one(app: App, tmp_path: Path) -> None:
    ingest_catalog(app, tmp_path)
    page = json.loads((DATA / "linear_issues.json").read_text())
    page["data"]["issues"]["nodes"][0]["createdAt"] = "yesterday"
    report = ingest(app, "linear", write_json(tmp_path / "export.json", [page]))
    [result] = report.results
    rejects = [(p.row, p.field) for p in result.problems if p.severity == "error"]
    assert rejects == [(1, "issue.createdAt")]
    # ENG is no catalog service: the incident is kept, with a warning naming it
    warnings = [p.value for p in result.problems if p.severity == "warning"]
    assert warnings == ["ENG"]
    assert [t["work_item_id"] for t in facts(app, "work_items")] == ["ENG-9"]
    assert [i["incident_id"] for i in facts(app, "incidents")] == ["linear:ENG-9"]


def test_a_partial_settings_section_keeps_the_trackers_own_defaults() -> None:
    from leadline.config import DeliverySettings

    settings = DeliverySettings.model_validate(
        {"linear": {"incident_teams": ["OPS"]}, "jira": {"incident_types": ["Outage"]}}
    )
    assert (settings.linear.service_field, settings.linear.incident_labels) == (
        "team",
        ["incident"],
    )
    assert (settings.jira.service_field, settings.jira.incident_labels) == (
        "components",
        ["incident"],
    )
    assert settings.opsgenie.service_prefix == "service:"
