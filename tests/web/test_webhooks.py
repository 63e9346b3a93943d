"""Webhook intake: signatures (valid, invalid, missing), replays, storage before the answer,
secrets never stored, and normalisation of pending deliveries into the lake."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.delivery.pending import normalise_pending
from leadline.ingest.models import RawEvent
from leadline.web.signatures import pagerduty_signature
from tests.delivery.support_events import facts, fixture
from tests.web.support import (
    GITLAB_TOKEN,
    PAGERDUTY_SECRET,
    github_delivery,
    pagerduty_delivery,
)


def _events(app: App) -> list[RawEvent]:
    with app.store.session() as session:
        return list(session.scalars(select(RawEvent).order_by(RawEvent.id)))


def test_valid_github_delivery_is_stored_pending_before_the_answer(
    client: TestClient, web_app: App
) -> None:
    body, headers = github_delivery("d-1", {"zen": "Keep it simple.", "hook_id": 1})
    answer = client.post("/webhooks/github", content=body, headers=headers)
    assert answer.status_code == 202
    assert answer.json() == {"status": "stored", "delivery_id": "d-1", "event": "ping"}
    [event] = _events(web_app)
    assert (event.source, event.delivery_id, event.status) == ("github", "d-1", "pending")
    assert event.payload == {"zen": "Keep it simple.", "hook_id": 1}
    assert "x-hub-signature-256" not in event.headers
    assert event.headers["x-github-event"] == "ping"


def test_replayed_delivery_is_acknowledged_and_ignored(client: TestClient, web_app: App) -> None:
    body, headers = github_delivery("d-2", {"zen": "x"})
    assert client.post("/webhooks/github", content=body, headers=headers).status_code == 202
    again = client.post("/webhooks/github", content=body, headers=headers)
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert len(_events(web_app)) == 1


def test_invalid_and_missing_signatures_are_refused_and_nothing_stored(
    client: TestClient, web_app: App
) -> None:
    body, headers = github_delivery("d-3", {"zen": "x"})
    tampered = body.replace(b"x", b"y")
    assert client.post("/webhooks/github", content=tampered, headers=headers).status_code == 401
    no_signature = {k: v for k, v in headers.items() if k != "X-Hub-Signature-256"}
    assert client.post("/webhooks/github", content=body, headers=no_signature).status_code == 401
    wrong_scheme = {**headers, "X-Hub-Signature-256": "sha1=" + "0" * 40}
    assert client.post("/webhooks/github", content=body, headers=wrong_scheme).status_code == 401
    bad_token = {"X-Gitlab-Token": "nope", "X-Gitlab-Event": "Push Hook"}
    assert client.post("/webhooks/gitlab", content=b"{}", headers=bad_token).status_code == 401
    pd_body, pd_headers = pagerduty_delivery("p-1", {"event": {}})
    forged = {**pd_headers, "X-PagerDuty-Signature": "v1=" + "ab" * 32}
    assert client.post("/webhooks/pagerduty", content=pd_body, headers=forged).status_code == 401
    assert _events(web_app) == []


def test_gitlab_token_and_pagerduty_rotated_signatures(client: TestClient, web_app: App) -> None:
    push = fixture("gitlab", "push.json")
    answer = client.post(
        "/webhooks/gitlab",
        content=json.dumps(push).encode(),
        headers={
            "X-Gitlab-Token": GITLAB_TOKEN,
            "X-Gitlab-Event": "Push Hook",
            "X-Gitlab-Event-UUID": "g-1",
        },
    )
    assert answer.status_code == 202, answer.text
    body = json.dumps(fixture("pagerduty", "triggered.json")).encode()
    two = f"v1={'cd' * 32},{pagerduty_signature(PAGERDUTY_SECRET, body)}"
    answer = client.post(
        "/webhooks/pagerduty",
        content=body,
        headers={"X-PagerDuty-Signature": two, "X-Webhook-Id": "p-2"},
    )
    assert answer.status_code == 202, answer.text
    stored = _events(web_app)
    assert [(e.source, e.delivery_id) for e in stored] == [("gitlab", "g-1"), ("pagerduty", "p-2")]
    assert all("x-gitlab-token" not in e.headers for e in stored)


def test_body_that_is_not_json_is_refused(client: TestClient, web_app: App) -> None:
    from leadline.web.signatures import github_signature
    from tests.web.support import GITHUB_SECRET

    raw = b"not json"
    headers = {"X-Hub-Signature-256": github_signature(GITHUB_SECRET, raw)}
    assert client.post("/webhooks/github", content=raw, headers=headers).status_code == 400
    assert _events(web_app) == []


def test_webhook_without_a_configured_secret_is_unavailable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from leadline.web.app import create_app
    from tests.conftest import make_settings

    with TestClient(create_app(make_settings(tmp_path / "h"), background=False)) as bare:
        body, headers = github_delivery("d-9", {"zen": "x"})
        assert bare.post("/webhooks/github", content=body, headers=headers).status_code == 503


def test_pending_deliveries_are_normalised_into_the_lake_once(
    client: TestClient, web_app: App
) -> None:
    for name, delivery_id in (("triggered.json", "p-10"), ("resolved.json", "p-11")):
        body, headers = pagerduty_delivery(delivery_id, fixture("pagerduty", name))
        assert client.post("/webhooks/pagerduty", content=body, headers=headers).status_code == 202
    body, headers = github_delivery("d-20", {"zen": "x", "hook_id": 2})
    client.post("/webhooks/github", content=body, headers=headers)
    result = normalise_pending(web_app.settings, web_app.store)
    assert result["deliveries"] == 3
    assert result["statuses"] == {"ignored": 1, "normalised": 2}
    assert result["remaining"] == 0
    statuses = {e.delivery_id: e.status for e in _events(web_app)}
    assert statuses == {"p-10": "normalised", "p-11": "normalised", "d-20": "ignored"}
    incidents = facts(web_app, "incidents")
    assert len(incidents) == 1  # triggered then resolved: one incident, resolved
    assert incidents[0]["resolved_at"] is not None
    assert normalise_pending(web_app.settings, web_app.store)["deliveries"] == 0


def test_ingest_pending_command(client: TestClient, web_app: App) -> None:
    body, headers = pagerduty_delivery("p-30", fixture("pagerduty", "triggered.json"))
    client.post("/webhooks/pagerduty", content=body, headers=headers)
    home = str(web_app.settings.home)
    result = CliRunner().invoke(cli, ["--home", home, "ingest", "--pending"])
    assert result.exit_code == 0, result.output
    assert "1 normalised" in result.output
    assert [e.status for e in _events(web_app)] == ["normalised"]


def test_group_commit_stores_each_delivery_once(web_app: App) -> None:
    from leadline.web.intake import IntakeWriter, prepare, store_batch

    def item(n: int) -> Any:
        body = json.dumps({"zen": n}).encode()
        return prepare("github", {"X-GitHub-Delivery": f"g-{n}", "X-GitHub-Event": "ping"}, body)

    first = store_batch(web_app.store, [item(1), item(2), item(1)])
    assert [r.status for r in first] == ["stored", "stored", "duplicate"]
    writer = IntakeWriter(web_app.store)
    writer.start()
    try:
        futures = [writer.submit(item(n % 50)) for n in range(200)]
        statuses = [f.result(timeout=30).status for f in futures]
    finally:
        writer.stop()
    assert statuses.count("stored") == 48  # 0..49 less 1 and 2, stored before
    assert len(_events(web_app)) == 50
