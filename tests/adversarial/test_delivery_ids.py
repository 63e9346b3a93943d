"""Issue 16 item 8: delivery ids were cut to 128 characters, so two deliveries whose ids share
their first 128 were one duplicate and the second was dropped. Long ids are now kept as a digest
of the whole id, by the webhook receiver and by file ingest alike."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from leadline.context import App
from leadline.ingest.models import RawEvent
from tests.delivery.support_events import envelope, ingest, write_ndjson
from tests.web.support import github_delivery

PREFIX = "x" * 128


def _ids(app: App) -> list[str]:
    with app.store.session() as session:
        return list(session.scalars(select(RawEvent.delivery_id).order_by(RawEvent.id)))


def test_webhook_ids_sharing_128_characters_are_two_deliveries(
    client: TestClient, web_app: App
) -> None:
    for suffix in ("a", "b"):
        body, headers = github_delivery(PREFIX + suffix, {"zen": suffix})
        answer = client.post("/webhooks/github", content=body, headers=headers)
        assert answer.status_code == 202, answer.text
        assert answer.json()["status"] == "stored"
    first, second = _ids(web_app)
    assert first != second
    assert all(len(i) <= 128 for i in (first, second))
    body, headers = github_delivery(PREFIX + "a", {"zen": "a"})
    assert client.post("/webhooks/github", content=body, headers=headers).json()["status"] == (
        "duplicate"
    )


def test_file_ids_sharing_128_characters_are_two_deliveries(app: App, tmp_path: Path) -> None:
    path = write_ndjson(
        tmp_path / "export.ndjson",
        [
            envelope({"zen": s}, **{"X-GitHub-Event": "ping", "X-GitHub-Delivery": PREFIX + s})
            for s in ("a", "b")
        ],
    )
    assert ingest(app, "github", path).exit_code == 0
    assert len(set(_ids(app))) == 2
    assert all(len(i) <= 128 for i in _ids(app))
