"""Jira, Linear and Opsgenie webhooks: signatures or token checked in constant time, secrets
never stored, and pending deliveries normalised into incidents and work items."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from leadline.context import App
from leadline.delivery.pending import normalise_pending
from leadline.ingest.models import RawEvent
from leadline.web.signatures import github_signature, linear_signature
from tests.conftest import make_settings
from tests.delivery.support_events import facts, utc

DATA = Path(__file__).resolve().parent.parent / "data" / "trackers"
JIRA_SECRET, LINEAR_SECRET, OPSGENIE_TOKEN = "jira-s", "linear-s", "og-token"


@pytest.fixture
def tracker_app(tmp_path: Path) -> Iterator[tuple[App, TestClient]]:
    from leadline.web.app import create_app

    settings = make_settings(
        tmp_path / "home",
        jira_webhook_secret=JIRA_SECRET,
        linear_webhook_secret=LINEAR_SECRET,
        opsgenie_webhook_token=OPSGENIE_TOKEN,
    )
    app = App(settings)
    with TestClient(create_app(settings, background=False)) as client:
        yield app, client
    app.close()


def lines(name: str) -> list[Any]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line]


def events(app: App) -> list[RawEvent]:
    with app.store.session() as session:
        return list(session.scalars(select(RawEvent).order_by(RawEvent.id)))


def test_jira_deliveries_are_verified_and_become_a_ticket_and_incident(
    tracker_app: tuple[App, TestClient],
) -> None:
    app, client = tracker_app
    for item in lines("jira_webhooks.ndjson"):
        raw = json.dumps(item["body"]).encode()
        headers = {
            "X-Atlassian-Webhook-Identifier": item["headers"]["X-Atlassian-Webhook-Identifier"],
            "X-Hub-Signature": github_signature(JIRA_SECRET, raw),
        }
        answer = client.post("/webhooks/jira", content=raw, headers=headers)
        assert answer.status_code == 202, answer.text
    forged = {"X-Hub-Signature": "sha256=" + "0" * 64}
    assert client.post("/webhooks/jira", content=b"{}", headers=forged).status_code == 401
    stored = events(app)
    assert [e.delivery_id for e in stored] == ["OPS-12-a1", "OPS-12-a2", "OPS-12-a3", "OPS-12-a4"]
    assert all("x-hub-signature" not in e.headers for e in stored)
    result = normalise_pending(app.settings, app.store)
    assert result["statuses"] == {"ignored": 1, "normalised": 3}
    [incident] = facts(app, "incidents")
    assert (incident["incident_id"], incident["resolved_at"]) == (
        "jira:OPS-12",
        utc(2026, 3, 2, 10, 30),
    )
    [ticket] = facts(app, "work_items")
    assert ticket["started_at"] == utc(2026, 3, 2, 9, 10)


def test_linear_signature_and_opsgenie_token(tracker_app: tuple[App, TestClient]) -> None:
    app, client = tracker_app
    item = lines("linear_webhooks.ndjson")[0]
    raw = json.dumps(item["body"]).encode()
    signed = {"Linear-Delivery": "d-1", "Linear-Event": "Issue"}
    signed["Linear-Signature"] = linear_signature(LINEAR_SECRET, raw)
    assert client.post("/webhooks/linear", content=raw, headers=signed).status_code == 202
    tampered = raw.replace(b"Card", b"Cart")
    assert client.post("/webhooks/linear", content=tampered, headers=signed).status_code == 401
    alert = json.dumps(lines("opsgenie_webhooks.ndjson")[0]).encode()
    good = {"X-Leadline-Token": OPSGENIE_TOKEN}
    assert client.post("/webhooks/opsgenie", content=alert, headers=good).status_code == 202
    bad = {"X-Leadline-Token": "guess"}
    assert client.post("/webhooks/opsgenie", content=alert, headers=bad).status_code == 401
    stored = events(app)
    assert [(e.source, e.event_type) for e in stored] == [
        ("linear", "Issue.create"),
        ("opsgenie", "Create"),
    ]
    assert all(not ({"linear-signature", "x-leadline-token"} & set(e.headers)) for e in stored)
    result = normalise_pending(app.settings, app.store)
    assert result["statuses"] == {"normalised": 2}
    assert sorted(i["incident_id"] for i in facts(app, "incidents")) == [
        "linear:CHK-7",
        "opsgenie:alert:5e1f8a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
    ]
