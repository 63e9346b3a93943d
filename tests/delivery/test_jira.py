"""Jira webhooks and REST search exports to tickets and incidents, by hand: ticket start from
the changelog, resolution, incident choice by type or label, service mapping, rejects, repeats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from leadline.catalog.services import Subject
from leadline.context import App
from leadline.delivery.events import Delivery, FieldMissing, UnknownEvent
from leadline.delivery.jira import JiraParser
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

PARSER = JiraParser()
DATA = Path(__file__).resolve().parent.parent / "data" / "trackers"


def lines(name: str) -> list[Any]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line]


def body(number: int) -> Any:
    return lines("jira_webhooks.ndjson")[number]["body"]


def search(name: str = "jira_search.json") -> Any:
    return json.loads((DATA / name).read_text())


def test_a_created_incident_is_an_open_ticket_and_incident() -> None:
    found = normalise(PARSER, "jira:issue_created", body(0))
    assert found is not None
    checkout = Subject("", "checkout", "checkout")
    [ticket] = found.tickets  # type: ignore[attr-defined]
    assert ticket == {
        "work_item_id": "OPS-12",
        "source": "jira",
        "title": "Checkout returns 500 for card payments",
        "issue_type": "Incident",
        "status": "To Do",
        "created_at": utc(2026, 3, 2, 9),  # 10:00+01:00
        "started_at": None,
        "resolved_at": None,
        "incident": True,
        "updated_at": utc(2026, 3, 2, 9),
        "extra": '{"project":"OPS","url":"https://acme.atlassian.net/rest/api/2/issue/10042"}',
        "_subject": checkout,
    }
    [incident] = found.incidents
    assert incident["incident_id"] == "jira:OPS-12"
    assert (incident["severity"], incident["started_at"], incident["resolved_at"]) == (
        "High",
        utc(2026, 3, 2, 9),
        None,
    )


def test_the_changelog_entry_into_in_progress_starts_the_ticket() -> None:
    found = normalise(PARSER, "jira:issue_updated", body(1))
    assert found is not None
    assert found.tickets[0]["started_at"] == utc(2026, 3, 2, 9, 10)  # type: ignore[attr-defined]


def test_done_resolves_at_the_resolution_date() -> None:
    found = normalise(PARSER, "jira:issue_updated", body(3))
    assert found is not None
    assert found.incidents[0]["resolved_at"] == utc(2026, 3, 2, 10, 30)
    assert found.incidents[0]["updated_at"] == utc(2026, 3, 2, 10, 30, 5)


def test_a_done_issue_without_resolution_date_resolves_at_the_category_change() -> None:
    payload = body(3)
    payload["issue"]["fields"]["resolutiondate"] = None
    payload["issue"]["fields"]["statuscategorychangedate"] = "2026-03-02T10:29:00.000+0000"
    found = normalise(PARSER, "jira:issue_updated", payload)
    assert found is not None and found.incidents[0]["resolved_at"] == utc(2026, 3, 2, 10, 29)


def test_a_story_is_a_ticket_only_and_a_label_makes_an_incident() -> None:
    story = normalise(PARSER, "api.issue", {"issue": search()["issues"][0]})
    assert story is not None and story.incidents == []
    # started at the first of its two entries into In Progress (08:00, not 11:00)
    assert story.tickets[0]["started_at"] == utc(2026, 3, 1, 8)  # type: ignore[attr-defined]
    bug = normalise(PARSER, "api.issue", {"issue": search()["issues"][1]})
    assert bug is not None and [i["incident_id"] for i in bug.incidents] == ["jira:SHOP-102"]


def test_settings_choose_incidents_and_services() -> None:
    payload = {"issue": search()["issues"][0]}
    payload["issue"]["fields"]["labels"] = ["sev-1", "svc-cart"]
    settings = {"incident_labels": ["SEV-1"], "service_field": "labels", "service_prefix": "svc-"}
    found = normalise(PARSER, "api.issue", payload, jira=settings)
    assert found is not None
    [incident] = found.incidents
    assert incident["_subject"] == Subject("", "cart", "cart")
    mapped = settings | {"service_map": {"svc-cart": "checkout"}}
    found = normalise(PARSER, "api.issue", payload, jira=mapped)
    assert found is not None and found.incidents[0]["_subject"].name == "checkout"


def test_a_custom_field_option_names_the_service() -> None:
    payload = body(0)
    payload["issue"]["fields"]["customfield_10050"] = {"id": "1", "value": "payments-api"}
    found = normalise(
        PARSER,
        "jira:issue_created",
        payload,
        jira={"incident_types": ["Incident"], "service_field": "customfield_10050"},
    )
    assert found is not None and found.incidents[0]["_subject"].name == "payments-api"


def test_an_incident_naming_no_service_is_rejected_naming_the_field() -> None:
    payload = body(0)
    payload["issue"]["fields"]["components"] = []
    with pytest.raises(FieldMissing) as error:
        normalise(PARSER, "jira:issue_created", payload, jira={"incident_types": ["Incident"]})
    assert error.value.field == "issue.fields.components"


@pytest.mark.parametrize(
    ("field", "expected"),
    [("created", "issue.fields.created"), ("updated", "issue.fields.updated")],
)
def test_a_missing_time_is_named(field: str, expected: str) -> None:
    payload = {"issue": search()["issues"][0]}
    del payload["issue"]["fields"][field]
    with pytest.raises(FieldMissing) as error:
        normalise(PARSER, "api.issue", payload)
    assert error.value.field == expected


def test_comments_are_ignored_and_unknown_events_unknown() -> None:
    assert normalise(PARSER, "comment_created", body(2)) is None
    with pytest.raises(UnknownEvent):
        normalise(PARSER, "sprint_started", {"webhookEvent": "sprint_started"})


def test_delivery_ids() -> None:
    headers = {"x-atlassian-webhook-identifier": "w-9"}
    assert PARSER.delivery_id(Delivery("f", 1, headers, body(0))) == "w-9"
    issue = {"issue": search()["issues"][0]}
    assert PARSER.delivery_id(Delivery("f", 1, {}, issue)) == (
        "api:issue:SHOP-101@2026-03-01T11:00:00.000+0000"
    )


def test_the_webhook_stream_lands_one_resolved_incident(app: App, tmp_path: Path) -> None:
    ingest_catalog(app, tmp_path)
    report = ingest(app, "jira", DATA / "jira_webhooks.ndjson")
    assert report.exit_code == 0, [p.describe() for p in report.results[0].problems]
    [incident] = facts(app, "incidents")
    assert (incident["service"], incident["started_at"], incident["resolved_at"]) == (
        "checkout",
        utc(2026, 3, 2, 9),
        utc(2026, 3, 2, 10, 30),
    )
    [ticket] = facts(app, "work_items")
    assert (ticket["started_at"], ticket["status"], ticket["service"]) == (
        utc(2026, 3, 2, 9, 10),
        "Done",
        "checkout",
    )
    message = batch(app, report.results[0].batch_id).message or ""
    assert message.startswith("4 deliveries: 3 normalised, 1 ignored")
    before = facts(app, "work_items"), facts(app, "incidents")
    reordered = write_ndjson(tmp_path / "again.ndjson", lines("jira_webhooks.ndjson")[::-1])
    again = ingest(app, "jira", reordered)
    assert "4 already received" in (batch(app, again.results[0].batch_id).message or "")
    assert len(raw_events(app, "jira")) == 4
    assert (facts(app, "work_items"), facts(app, "incidents")) == before


def test_search_exports_land_tickets_and_rejects_are_named(app: App, tmp_path: Path) -> None:
    ingest_catalog(app, tmp_path)
    pages = [search(), search("jira_search_jql.json")]
    pages[0]["issues"][1]["fields"]["components"] = []  # the incident names no service
    report = ingest(app, "jira", write_json(tmp_path / "export.json", pages))
    [result] = report.results
    assert report.exit_code == 1
    [problem] = result.problems
    assert (problem.row, problem.field) == (2, "issue.fields.components")
    assert "SHOP-102" in problem.describe()
    tickets = facts(app, "work_items")
    assert [(t["work_item_id"], t["started_at"]) for t in tickets] == [
        ("SHOP-101", utc(2026, 3, 1, 8)),
        ("SHOP-103", None),
    ]
    assert facts(app, "incidents") == []


def test_deliveries_in_reverse_order_give_the_same_ticket(app: App, tmp_path: Path) -> None:
    ingest_catalog(app, tmp_path)
    reversed_stream = write_ndjson(tmp_path / "r.ndjson", lines("jira_webhooks.ndjson")[::-1])
    assert ingest(app, "jira", reversed_stream).exit_code == 0
    [ticket] = facts(app, "work_items")
    assert (ticket["created_at"], ticket["started_at"], ticket["resolved_at"]) == (
        utc(2026, 3, 2, 9),
        utc(2026, 3, 2, 9, 10),
        utc(2026, 3, 2, 10, 30),
    )


def test_a_forced_reingest_keeps_tickets_and_incidents(app: App, tmp_path: Path) -> None:
    from leadline.ingest.runner import run_ingest

    ingest_catalog(app, tmp_path)
    path = DATA / "jira_webhooks.ndjson"
    ingest(app, "jira", path)
    before = facts(app, "work_items"), facts(app, "incidents")
    run_ingest("jira", [path], settings=app.settings, store=app.store, force=True)
    assert (facts(app, "work_items"), facts(app, "incidents")) == before
