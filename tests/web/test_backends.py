"""The web app's store work on SQLite and PostgreSQL: users and tokens, webhook group commits
and pending normalisation (JSON columns, UTC timestamps, unique constraints)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from leadline.context import App
from leadline.delivery.pending import normalise_pending
from leadline.ingest.models import RawEvent
from leadline.web.intake import Prepared, prepare, store_batch
from leadline.webkit.users import authenticate, create_token, principal_of_token, save_user
from tests.delivery.support_events import fixture


def test_users_and_tokens(any_app: App) -> None:
    with any_app.store.session() as session:
        save_user(
            session, "eve", role="editor", password="long enough", pillars=["risk"], actor="t"
        )
        plain, token = create_token(
            session, "eve", name="ci", scopes=["read", "write"], days=2, actor="t"
        )
    with any_app.store.session() as session:
        assert authenticate(session, "eve", "long enough") is not None
        now = dt.datetime.now(dt.UTC)
        who = principal_of_token(session, plain, now)
        assert who is not None and who.pillars == ("risk",) and who.can_edit("risk")
        assert principal_of_token(session, plain, now + dt.timedelta(days=3)) is None
        assert token.expires_at.tzinfo is not None


def test_group_commit_and_normalisation(any_app: App) -> None:
    def pagerduty(delivery_id: str, name: str) -> Prepared:
        body = json.dumps(fixture("pagerduty", name)).encode()
        return prepare("pagerduty", {"X-Webhook-Id": delivery_id}, body)

    receipts = store_batch(
        any_app.store,
        [
            pagerduty("p-1", "triggered.json"),
            pagerduty("p-2", "resolved.json"),
            pagerduty("p-1", "triggered.json"),
        ],
    )
    assert [r.status for r in receipts] == ["stored", "stored", "duplicate"]
    again = store_batch(any_app.store, [pagerduty("p-2", "resolved.json")])
    assert again[0].status == "duplicate"
    result = normalise_pending(any_app.settings, any_app.store)
    assert result["statuses"] == {"normalised": 2} and result["remaining"] == 0
    with any_app.store.session() as session:
        stored = list(session.scalars(select(RawEvent).order_by(RawEvent.delivery_id)))
    assert [(e.delivery_id, e.status) for e in stored] == [
        ("p-1", "normalised"),
        ("p-2", "normalised"),
    ]
    assert stored[0].payload == fixture("pagerduty", "triggered.json")
