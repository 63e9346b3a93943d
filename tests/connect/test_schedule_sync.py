"""The scheduler with the real sync (``schedule.sync_runner``): a connection that cannot run
(its token's variable is unset) is recorded failed with its error and backs off, while another
(a FOCUS drop directory) syncs in the same tick."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from leadline.connect.models import Connection, ConnectionRun
from leadline.connect.schedule import Scheduler, sync_runner
from leadline.context import App
from leadline.store.base import utcnow

UNSET = "LEADLINE_TEST_TOKEN_NEVER_SET"


def test_a_failing_connection_backs_off_while_another_syncs(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(UNSET, raising=False)
    drops = tmp_path / "drops"
    drops.mkdir()
    added = utcnow() - dt.timedelta(minutes=10)  # a slot has passed: both are due
    with app.store.session() as session:
        session.add_all(
            [
                Connection(
                    name="acme",
                    kind="github",
                    options={"org": "acme", "base-url": "http://127.0.0.1:9"},
                    token_env=UNSET,
                    schedule="*/5 * * * *",
                    created_at=added,
                ),
                Connection(
                    name="costs",
                    kind="focus",
                    options={"path": str(drops)},
                    schedule="*/5 * * * *",
                    created_at=added,
                ),
            ]
        )
    scheduler = Scheduler(app.store, sync_runner(app.settings, app.store))
    try:
        threads = scheduler.tick()
        assert sorted(t.name for t in threads) == ["leadline-sync-acme", "leadline-sync-costs"]
        for thread in threads:
            thread.join(60)
    finally:
        assert scheduler.stop(timeout=10) == []
    with app.store.session() as session:
        runs = {
            name: run
            for run, name in session.execute(
                select(ConnectionRun, Connection.name).join(Connection)
            ).tuples()
        }
    acme, costs = runs["acme"], runs["costs"]
    assert (acme.status, acme.trigger, acme.requests) == ("failed", "schedule", 0)
    assert acme.error is not None and f"environment variable {UNSET} is not set" in acme.error
    assert acme.finished_at is not None and acme.next_run is not None
    # one failure: 5 minutes after it ended (every 5 minutes, so never before the next slot)
    assert acme.next_run == acme.finished_at + dt.timedelta(minutes=5)
    assert (costs.status, costs.error, costs.facts_landed) == ("ok", None, 0)
    assert costs.finished_at is not None and costs.next_run is not None
    # on schedule: the first 5-minute slot after it ended
    assert costs.finished_at < costs.next_run <= costs.finished_at + dt.timedelta(minutes=5)
    assert costs.next_run.minute % 5 == 0 and costs.next_run.second == 0
