"""The lake writer: month partitions, the store-listed commit log, atomic publish and cleanup."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from leadline.config import Settings
from leadline.lake.engines import Lake
from leadline.lake.tables import BATCH_COLUMN
from leadline.lake.writer import LakeWriter, conform, sweep_orphans
from leadline.store import Store
from tests.lake.tables import (
    EVENTS,
    LOGS,
    append,
    at,
    events,
    fail,
    files_on_disk,
    land,
    listed,
    logs,
    make_old,
    read,
    replace,
    swept,
    uncommitted,
)

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")

# Rows near month boundaries, written in local time zones; the comment gives the UTC month.
BOUNDARY_ROWS = [
    ("e1", "api", dt.datetime(2024, 1, 31, 23, 30, tzinfo=NEW_YORK), 1.5, "10.250000"),  # 02
    ("e2", "web", dt.datetime(2024, 2, 1, 0, 30, tzinfo=BERLIN), 2.5, "0.000001"),  # 01
    ("e3", "api", at("2024-02-29T23:59:59.999999Z"), None, "-3.5"),  # 02
    ("e4", "db", at("2024-03-01T00:00:00Z"), 4.0, None),  # 03
    ("e5", "web", dt.datetime(2024, 1, 1, 8, 59, 59, tzinfo=TOKYO), -1.25, "123456789012.123456"),
]
# e5 is 2023-12-31T23:59:59Z: December, although its local date is 1 January.


def test_append_partitions_by_utc_month_and_lists_files(settings: Settings, store: Store) -> None:
    """Each row lands in the partition of its UTC month; each file is listed with its rows."""
    batch_id = land(settings, store, append(EVENTS, events(BOUNDARY_ROWS)))

    files = listed(store, EVENTS)
    assert [(f.partition, f.rows, f.batch_id) for f in files] == [
        ("2023-12", 1, batch_id),
        ("2024-01", 1, batch_id),
        ("2024-02", 2, batch_id),
        ("2024-03", 1, batch_id),
    ]
    assert files_on_disk(settings) == {f.path for f in files}
    assert files_on_disk(settings, staging=True) == {f.path for f in files}  # staging cleaned
    for f in files:
        path = settings.lake_path / f.path
        assert f.path.startswith(f"{EVENTS.name}/month={f.partition}/")
        assert f.bytes == path.stat().st_size
        content = pq.read_table(path)
        assert content.schema.equals(EVENTS.stored_schema)
        assert content.num_rows == f.rows
        months = {t.strftime("%Y-%m") for t in content.column("occurred_at").to_pylist()}
        assert months == {f.partition}

    by_file = {
        f.partition: sorted(pq.read_table(settings.lake_path / f.path)["event_id"].to_pylist())
        for f in files
    }
    assert by_file == {
        "2023-12": ["e5"],
        "2024-01": ["e2"],
        "2024-02": ["e1", "e3"],
        "2024-03": ["e4"],
    }


def test_appended_rows_read_back_exactly_on_duckdb(settings: Settings, store: Store) -> None:
    """DuckDB returns every value exactly, timestamps as naive UTC, decimals as decimals."""
    batch_id = land(settings, store, append(EVENTS, events(BOUNDARY_ROWS)))
    rows = read(settings, store)
    assert rows == [
        {
            "event_id": "e1",
            "service": "api",
            "occurred_at": dt.datetime(2024, 2, 1, 4, 30),
            "value": 1.5,
            "amount": Decimal("10.250000"),
            BATCH_COLUMN: batch_id,
        },
        {
            "event_id": "e2",
            "service": "web",
            "occurred_at": dt.datetime(2024, 1, 31, 23, 30),
            "value": 2.5,
            "amount": Decimal("0.000001"),
            BATCH_COLUMN: batch_id,
        },
        {
            "event_id": "e3",
            "service": "api",
            "occurred_at": dt.datetime(2024, 2, 29, 23, 59, 59, 999999),
            "value": None,
            "amount": Decimal("-3.500000"),
            BATCH_COLUMN: batch_id,
        },
        {
            "event_id": "e4",
            "service": "db",
            "occurred_at": dt.datetime(2024, 3, 1),
            "value": 4.0,
            "amount": None,
            BATCH_COLUMN: batch_id,
        },
        {
            "event_id": "e5",
            "service": "web",
            "occurred_at": dt.datetime(2023, 12, 31, 23, 59, 59),
            "value": -1.25,
            "amount": Decimal("123456789012.123456"),
            BATCH_COLUMN: batch_id,
        },
    ]
    assert [r["event_id"] for r in read(settings, store, months=["2024-02", "2023-12"])] == [
        "e1",
        "e3",
        "e5",
    ]


def test_input_in_another_time_zone_type_is_converted(settings: Settings, store: Store) -> None:
    """A column typed timestamp[tz=America/New_York] is stored as UTC, partitioned by UTC."""
    data = logs([("api", dt.datetime(2024, 6, 30, 21, 0, tzinfo=NEW_YORK), "late")])
    data = data.set_column(
        1, "logged_at", data["logged_at"].cast(pa.timestamp("us", tz="America/New_York"))
    )
    land(settings, store, append(LOGS, data))
    assert [f.partition for f in listed(store, LOGS)] == ["2024-07"]
    assert read(settings, store, LOGS)[0]["logged_at"] == dt.datetime(2024, 7, 1, 1, 0)


def test_conform_fills_optional_columns_and_rejects_missing_required() -> None:
    """Absent nullable columns become nulls; absent or null required ones are refused."""
    data = pa.table({"service": ["a"], "logged_at": pa.array([at("2024-01-01T00:00:00Z")])})
    out = conform(LOGS, data, 7)
    assert out.schema.equals(LOGS.stored_schema)
    assert out.to_pylist()[0]["message"] is None
    assert out.to_pylist()[0][BATCH_COLUMN] == 7
    with pytest.raises(ValueError, match="required column 'logged_at'"):
        conform(LOGS, pa.table({"service": ["a"]}), 7)
    nulls = pa.table({"logged_at": pa.array([None], pa.timestamp("us", tz="UTC"))})
    with pytest.raises(ValueError, match="logged_at is null"):
        conform(LOGS, nulls, 7)


def test_failure_before_commit_leaves_nothing(settings: Settings, store: Store) -> None:
    """An exception after publish rolls back the listing and discard removes the files."""
    land(settings, store, append(LOGS, logs([("api", at("2024-01-05T00:00:00Z"), "kept")])))
    before = files_on_disk(settings, staging=True)
    with pytest.raises(RuntimeError, match="boom"):
        land(
            settings,
            store,
            append(EVENTS, events(BOUNDARY_ROWS)),
            append(LOGS, logs([("api", at("2024-01-06T00:00:00Z"), "lost")])),
            lambda w: w.publish(),
            fail(),
        )
    assert read(settings, store) == []
    assert [r["message"] for r in read(settings, store, LOGS)] == ["kept"]
    assert files_on_disk(settings, staging=True) == before
    assert listed(store, EVENTS) == []


def test_published_but_uncommitted_files_are_invisible_then_swept(
    settings: Settings, store: Store
) -> None:
    """Files a crashed writer renamed into place are not read, and are swept after the grace."""
    land(settings, store, append(LOGS, logs([("api", at("2024-01-05T00:00:00Z"), "old")])))
    committed = files_on_disk(settings)
    with uncommitted(settings, store) as writer:
        writer.append(LOGS, logs([("api", at("2024-01-07T00:00:00Z"), "new")]))
        writer.append(EVENTS, events(BOUNDARY_ROWS[:1]))
        writer.publish()
        # A reader in another connection, while the writer's transaction is open:
        assert [r["message"] for r in read(settings, store, LOGS)] == ["old"]
    orphans = files_on_disk(settings) - committed
    assert len(orphans) == 2  # one logs file, one events file, in their partitions
    assert [r["message"] for r in read(settings, store, LOGS)] == ["old"]
    assert read(settings, store) == []

    with store.session() as session:
        assert sweep_orphans(settings.lake_path, session, older_than_seconds=3600) == 0
    assert files_on_disk(settings) == committed | orphans  # young: may be a write in flight
    for path in committed | orphans:
        make_old(settings.lake_path / path)
    with store.session() as session:
        assert sweep_orphans(settings.lake_path, session, older_than_seconds=3600) == 2
    assert files_on_disk(settings) == committed
    assert [r["message"] for r in read(settings, store, LOGS)] == ["old"]


def test_sweep_removes_old_staging_leftovers(settings: Settings, store: Store) -> None:
    """A crash before publish leaves files in the staging area; the sweep removes them."""
    with uncommitted(settings, store) as writer:
        writer.append(LOGS, logs([("api", at("2024-01-07T00:00:00Z"), "x")]))
    staged = files_on_disk(settings, staging=True)
    assert len(staged) == 1
    assert files_on_disk(settings) == set()
    with store.session() as session:
        assert sweep_orphans(settings.lake_path, session, 3600) == 0
    staged_path = settings.lake_path / next(iter(staged))
    make_old(staged_path)
    make_old(staged_path.parent)
    with store.session() as session:
        assert sweep_orphans(settings.lake_path, session, 3600) == 1
    assert files_on_disk(settings, staging=True) == set()
    assert not staged_path.parent.exists()


def test_replace_partitions_swaps_whole_months(settings: Settings, store: Store) -> None:
    """Replacing January leaves exactly the new rows there; February is untouched; March,
    named in ``partitions`` without rows, is emptied; superseded files are deleted."""
    land(settings, store, append(LOGS, logs([("a", at("2024-01-02T00:00:00Z"), "jan-1")])))
    land(
        settings,
        store,
        append(
            LOGS,
            logs(
                [
                    ("a", at("2024-01-20T00:00:00Z"), "jan-2"),
                    ("a", at("2024-02-03T00:00:00Z"), "feb"),
                    ("a", at("2024-03-03T00:00:00Z"), "mar"),
                ]
            ),
        ),
    )
    old_january = {f.path for f in listed(store, LOGS) if f.partition == "2024-01"}
    february = {f.path for f in listed(store, LOGS) if f.partition == "2024-02"}
    assert len(old_january) == 2

    batch_id = land(
        settings,
        store,
        replace(LOGS, logs([("b", at("2024-01-31T23:59:59Z"), "jan-new")]), ["2024-03"]),
    )
    files = listed(store, LOGS)
    assert [(f.partition, f.rows) for f in files] == [("2024-01", 1), ("2024-02", 1)]
    assert [f.batch_id for f in files if f.partition == "2024-01"] == [batch_id]
    assert {f.path for f in files if f.partition == "2024-02"} == february
    assert old_january <= files_on_disk(settings)  # unlisted, kept for in-flight readers
    assert swept(settings, store) == {f.path for f in files}
    assert [r["message"] for r in read(settings, store, LOGS)] == ["feb", "jan-new"]


def test_superseded_files_are_kept_for_the_grace_period(settings: Settings, store: Store) -> None:
    """After the commit, superseded files are unlisted yet still on disk (a reader that listed
    them may still be reading); cleanup stamps them with the time they were superseded, so
    a sweep keeps them for its grace period and deletes them after it."""
    land(settings, store, append(LOGS, logs([("a", at("2024-01-02T00:00:00Z"), "old")])))
    (old,) = files_on_disk(settings)
    with store.session() as session:
        writer = LakeWriter(settings.lake_path, session, None)
        writer.replace_partitions(LOGS, logs([("a", at("2024-01-09T00:00:00Z"), "new")]))
        writer.publish()
    assert old in files_on_disk(settings)
    assert [r["message"] for r in read(settings, store, LOGS)] == ["new"]
    make_old(settings.lake_path / old)  # written long ago ...
    writer.cleanup()  # ... but superseded just now
    assert old in files_on_disk(settings)
    assert time.time() - (settings.lake_path / old).stat().st_mtime < 60
    with store.session() as session:
        assert sweep_orphans(settings.lake_path, session, 3600) == 0
    assert old in files_on_disk(settings)
    with store.session() as session:
        assert sweep_orphans(settings.lake_path, session, 0) == 1
    assert files_on_disk(settings) == {f.path for f in listed(store, LOGS)}


def test_rolled_back_replace_keeps_old_data(settings: Settings, store: Store) -> None:
    """A replace whose commit fails leaves the old month listed, on disk and readable."""
    land(settings, store, append(LOGS, logs([("a", at("2024-01-02T00:00:00Z"), "old")])))
    before = files_on_disk(settings, staging=True)
    with pytest.raises(RuntimeError):
        land(
            settings,
            store,
            replace(LOGS, logs([("a", at("2024-01-09T00:00:00Z"), "new")])),
            lambda w: w.publish(),
            fail(),
        )
    assert files_on_disk(settings, staging=True) == before
    assert [r["message"] for r in read(settings, store, LOGS)] == ["old"]


def test_reader_snapshot_excludes_a_replace_in_flight(settings: Settings, store: Store) -> None:
    """While a replace is published but not committed, readers still see the old month whole."""
    land(
        settings,
        store,
        append(
            LOGS,
            logs(
                [
                    ("a", at("2024-01-02T00:00:00Z"), "old-1"),
                    ("a", at("2024-01-03T00:00:00Z"), "old-2"),
                ]
            ),
        ),
    )
    with uncommitted(settings, store) as writer:
        writer.replace_partitions(LOGS, logs([("a", at("2024-01-09T00:00:00Z"), "new")]))
        writer.publish()
        lake = Lake(settings, store)
        rows = lake.execute(lake.table(LOGS.name)).to_pylist()
        assert sorted(r["message"] for r in rows) == ["old-1", "old-2"]


def test_empty_append_writes_no_file(settings: Settings, store: Store) -> None:
    """Appending zero rows lists nothing and writes no file."""
    land(settings, store, append(EVENTS, events([])))
    assert listed(store) == []
    assert files_on_disk(settings, staging=True) == set()


def test_replace_partitions_accepts_one_month_as_a_string(settings: Settings, store: Store) -> None:
    """``partitions="2024-03"`` empties March (not the months named by its characters)."""
    land(settings, store, append(LOGS, logs([("a", at("2024-03-03T00:00:00Z"), "mar")])))
    land(settings, store, replace(LOGS, logs([]), "2024-03"))
    assert listed(store, LOGS) == []
    assert read(settings, store, LOGS) == []


def test_append_of_chunked_unordered_input(settings: Settings, store: Store) -> None:
    """Input in several chunks and out of month order still lands each row in its month."""
    rows = [
        ("m3", "a", at("2024-03-01T00:00:00Z"), 3.0, None),
        ("m1", "a", at("2024-01-31T23:59:59Z"), 1.0, None),
        ("m2", "a", at("2024-02-10T00:00:00Z"), 2.0, None),
        ("m1b", "a", at("2024-01-01T00:00:00Z"), 1.5, None),
    ]
    data = pa.concat_tables([events(rows[:2]), events(rows[2:3]), events(rows[3:])])
    assert data.column("occurred_at").num_chunks == 3
    land(settings, store, append(EVENTS, data))
    by_month = {
        f.partition: sorted(pq.read_table(settings.lake_path / f.path)["event_id"].to_pylist())
        for f in listed(store, EVENTS)
    }
    assert by_month == {"2024-01": ["m1", "m1b"], "2024-02": ["m2"], "2024-03": ["m3"]}
