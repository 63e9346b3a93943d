"""The lake's commit log on both store back-ends (SQLite and a real PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import delete

from leadline.config import Settings
from leadline.ingest.models import Batch
from leadline.lake.writer import sweep_orphans
from leadline.store import Store
from tests.lake.tables import (
    EVENTS,
    append,
    at,
    drop,
    events,
    fail,
    files_on_disk,
    land,
    listed,
    make_old,
    merge,
    read,
    replace,
    swept,
    uncommitted,
)


def _ids(settings: Settings, store: Store) -> list[tuple[str, float | None]]:
    return [(r["event_id"], r["value"]) for r in read(settings, store)]


def test_commit_log_lifecycle(any_settings: Settings, any_store: Store) -> None:
    """Append, merge, replace, a failed write, a crashed write, drop_batch and the sweep give the
    same visible rows and listing on either back-end."""
    settings, store = any_settings, any_store
    first = land(
        settings,
        store,
        append(
            EVENTS,
            events(
                [
                    ("a", "api", at("2024-01-02T00:00:00Z"), 1.0, "1.000001"),
                    ("b", "api", at("2024-02-02T00:00:00Z"), 2.0, "2"),
                ]
            ),
        ),
    )
    second = land(
        settings, store, merge(EVENTS, events([("a", "api", at("2024-02-03T00:00:00Z"), 10, "3")]))
    )
    assert _ids(settings, store) == [("a", 10.0), ("b", 2.0)]
    # January (where a was) is rewritten empty, so unlisted; February had no clash: b's file
    # stays and a arrives as a new file.
    assert sorted((f.partition, f.rows, f.batch_id) for f in listed(store)) == [
        ("2024-02", 1, first),
        ("2024-02", 1, second),
    ]
    swept(settings, store)  # January's superseded file goes; only the crash below leaves one

    with pytest.raises(RuntimeError):
        land(
            settings,
            store,
            replace(EVENTS, events([("z", "x", at("2024-02-09T00:00:00Z"), 0, None)])),
            lambda w: w.publish(),
            fail(),
        )
    with uncommitted(settings, store) as writer:
        writer.append(EVENTS, events([("y", "x", at("2024-02-10T00:00:00Z"), 0, None)]))
        writer.publish()
        assert _ids(settings, store) == [("a", 10.0), ("b", 2.0)]
    assert _ids(settings, store) == [("a", 10.0), ("b", 2.0)]
    (orphan,) = files_on_disk(settings) - {f.path for f in listed(store)}
    make_old(settings.lake_path / orphan)
    with store.session() as session:
        assert sweep_orphans(settings.lake_path, session, 3600) == 1

    land(settings, store, drop(first))
    rows = read(settings, store)
    assert [(r["event_id"], r["occurred_at"], r["amount"]) for r in rows] == [
        ("a", dt.datetime(2024, 2, 3), Decimal("3"))
    ]
    assert swept(settings, store) == {f.path for f in listed(store)}
    (remaining,) = listed(store)
    assert remaining.created_at.tzinfo == dt.UTC


def test_deleting_a_batch_keeps_its_files_listed(any_settings: Settings, any_store: Store) -> None:
    """The lake_file -> ingest_batch key is ON DELETE SET NULL: facts outlive their batch row."""
    batch_id = land(
        any_settings,
        any_store,
        append(EVENTS, events([("a", "api", at("2024-01-02T00:00:00Z"), 1.0, None)])),
    )
    with any_store.session() as session:
        session.execute(delete(Batch).where(Batch.id == batch_id))
    (row,) = listed(any_store)
    assert row.batch_id is None
    assert [r["event_id"] for r in read(any_settings, any_store)] == ["a"]
