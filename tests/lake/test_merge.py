"""Merge (upsert by key, last wins, across months) and drop_batch, against a dict model."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from leadline.config import Settings, load_settings
from leadline.lake.tables import BATCH_COLUMN, get_table
from leadline.store import Store
from tests.lake.tables import (
    EVENTS,
    LOGS,
    READINGS,
    EventRow,
    append,
    at,
    drop,
    events,
    land,
    listed,
    logs,
    merge,
    naive_utc,
    read,
    swept,
)


def _rows(settings: Settings, store: Store) -> dict[str, tuple[object, ...]]:
    """event_id -> (service, occurred_at, value, amount, batch) of the committed rows."""
    rows = read(settings, store)
    ids = [r["event_id"] for r in rows]
    assert len(ids) == len(set(ids)), f"duplicate keys in the lake: {ids}"
    return {
        r["event_id"]: (r["service"], r["occurred_at"], r["value"], r["amount"], r[BATCH_COLUMN])
        for r in rows
    }


def _check_layout(settings: Settings, store: Store) -> None:
    """Every listed file holds only its month, is non-empty, and nothing unlisted is left."""
    files = listed(store)
    for f in files:
        content = pq.read_table(settings.lake_path / f.path)
        assert content.num_rows == f.rows > 0
        times = content.column(get_table(f.table_name).time_column).to_pylist()
        assert {t.strftime("%Y-%m") for t in times} == {f.partition}
    assert swept(settings, store) == {f.path for f in files}


def test_merge_upserts_moves_months_and_keeps_last_duplicate(
    settings: Settings, store: Store
) -> None:
    """An update replaces the stored row (even from another month), new keys are added,
    untouched rows stay, and of duplicates within one batch the last one wins."""
    first = land(
        settings,
        store,
        merge(
            EVENTS,
            events(
                [
                    ("a", "api", at("2024-01-10T00:00:00Z"), 1.0, "1"),
                    ("b", "api", at("2024-01-11T00:00:00Z"), 2.0, "2"),
                    ("c", "web", at("2024-02-01T00:00:00Z"), 3.0, "3"),
                ]
            ),
        ),
    )
    second = land(
        settings,
        store,
        merge(
            EVENTS,
            events(
                [
                    ("b", "api", at("2024-03-05T00:00:00Z"), 20.0, "20"),  # b moves Jan -> Mar
                    ("d", "db", at("2024-02-02T00:00:00Z"), 4.0, "4"),
                    ("d", "db", at("2024-01-02T00:00:00Z"), 44.0, "44"),  # last d wins (Jan)
                    ("e", "db", at("2024-02-03T00:00:00Z"), 5.0, "5"),
                ]
            ),
        ),
    )
    assert _rows(settings, store) == {
        "a": ("api", dt.datetime(2024, 1, 10), 1.0, Decimal("1"), first),
        "b": ("api", dt.datetime(2024, 3, 5), 20.0, Decimal("20"), second),
        "c": ("web", dt.datetime(2024, 2, 1), 3.0, Decimal("3"), first),
        "d": ("db", dt.datetime(2024, 1, 2), 44.0, Decimal("44"), second),
        "e": ("db", dt.datetime(2024, 2, 3), 5.0, Decimal("5"), second),
    }
    rows_per_month: dict[str, int] = {}
    for f in listed(store):
        rows_per_month[f.partition] = rows_per_month.get(f.partition, 0) + f.rows
    assert rows_per_month == {"2024-01": 2, "2024-02": 2, "2024-03": 1}
    # January held the moved key b: rewritten into one file. February had no clash: its first
    # file is kept as it was and d/e arrive as a new file (merge costs the new data's size).
    february = [(f.batch_id, f.rows) for f in listed(store) if f.partition == "2024-02"]
    assert sorted(february) == [(first, 1), (second, 1)]
    assert [(f.batch_id, f.rows) for f in listed(store) if f.partition == "2024-01"] == [
        (second, 2)
    ]
    _check_layout(settings, store)


def test_merge_that_empties_a_month_unlists_it(settings: Settings, store: Store) -> None:
    """When every row of a month moves away, the month has no file left."""
    land(settings, store, merge(EVENTS, events([("a", "x", at("2024-01-10T00:00:00Z"), 1, None)])))
    land(settings, store, merge(EVENTS, events([("a", "x", at("2024-05-10T00:00:00Z"), 2, None)])))
    assert [f.partition for f in listed(store)] == ["2024-05"]
    _check_layout(settings, store)


def test_merge_needs_a_key(settings: Settings, store: Store) -> None:
    """A keyless table cannot be merged, and nothing is written."""
    with pytest.raises(ValueError, match="no key"):
        land(settings, store, merge(LOGS, logs([("a", at("2024-01-01T00:00:00Z"), "m")])))
    assert listed(store) == []


KEYS = st.sampled_from(["k1", "k2", "k3", "k4", "k5"])
# Times around the Jan/Feb/Mar boundaries, so keys often move between months.
MOMENTS = st.sampled_from(
    [
        at("2024-01-31T23:59:59Z"),
        at("2024-02-01T00:00:00Z"),
        at("2024-02-15T12:00:00Z"),
        at("2024-02-29T23:59:59.999999Z"),
        at("2024-03-01T00:00:00Z"),
        at("2024-03-31T23:00:00-02:00"),  # April 1st in UTC
    ]
)
ROWS = st.tuples(KEYS, st.sampled_from(["api", "web"]), MOMENTS, st.integers(-5, 5))
BATCHES = st.lists(st.lists(ROWS, min_size=0, max_size=6), min_size=1, max_size=4)


@hypothesis_settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=BATCHES, dropped=st.none() | st.integers(0, 3))
def test_merges_match_a_dict_model(
    batches: list[list[tuple[str, str, dt.datetime, int]]], dropped: int | None
) -> None:
    """After any sequence of merges the lake holds, per key, the last row merged; dropping a
    batch afterwards removes exactly the rows whose last version that batch landed."""
    with tempfile.TemporaryDirectory() as home:
        lake_settings = load_settings(home=Path(home))
        store = Store(lake_settings.resolved_database_url)
        try:
            model: dict[str, tuple[object, ...]] = {}
            batch_ids = []
            for batch in batches:
                rows: list[EventRow] = [(k, s, t, float(v), str(v)) for k, s, t, v in batch]
                batch_id = land(lake_settings, store, merge(EVENTS, events(rows)))
                batch_ids.append(batch_id)
                for k, s, t, v in batch:
                    model[k] = (s, naive_utc(t), float(v), Decimal(v), batch_id)
                assert _rows(lake_settings, store) == model
            if dropped is not None and dropped < len(batch_ids):
                land(lake_settings, store, drop(batch_ids[dropped]))
                model = {k: v for k, v in model.items() if v[-1] != batch_ids[dropped]}
                assert _rows(lake_settings, store) == model
            _check_layout(lake_settings, store)
        finally:
            store.dispose()


def test_drop_batch_after_merges_rewrote_partitions(settings: Settings, store: Store) -> None:
    """drop_batch removes exactly the rows a batch landed, including rows that later merges
    carried into files listed under other batches, and keeps everything else."""
    first = land(
        settings,
        store,
        merge(
            EVENTS,
            events(
                [
                    ("a", "api", at("2024-01-10T00:00:00Z"), 1.0, "1"),
                    ("b", "api", at("2024-01-11T00:00:00Z"), 2.0, "2"),
                    ("c", "web", at("2024-02-01T00:00:00Z"), 3.0, "3"),
                ]
            ),
        ),
    )
    second = land(
        settings,
        store,
        merge(
            EVENTS,
            events(
                [
                    ("b", "api", at("2024-01-12T00:00:00Z"), 20.0, "20"),
                    ("d", "db", at("2024-03-02T00:00:00Z"), 4.0, "4"),
                ]
            ),
        ),
    )
    # January was rewritten under the second batch but still holds a row of the first.
    assert {f.batch_id for f in listed(store) if f.partition == "2024-01"} == {second}
    land(settings, store, append(LOGS, logs([("api", at("2024-01-01T00:00:00Z"), "first?")])))

    land(settings, store, drop(first))
    assert _rows(settings, store) == {
        "b": ("api", dt.datetime(2024, 1, 12), 20.0, Decimal("20"), second),
        "d": ("db", dt.datetime(2024, 3, 2), 4.0, Decimal("4"), second),
    }
    assert [r["message"] for r in read(settings, store, LOGS)] == ["first?"]  # other batch
    assert [f.partition for f in listed(store, EVENTS)] == ["2024-01", "2024-03"]
    _check_layout(settings, store)


def test_force_reingest_drop_then_merge_in_one_writer(settings: Settings, store: Store) -> None:
    """``ingest --force`` drops the earlier batch and lands again with the same writer: the
    merge must see the partition drop_batch rewrote (still staged, not yet published)."""
    first = land(
        settings, store, merge(EVENTS, events([("a", "api", at("2024-01-10T00:00:00Z"), 1, "1")]))
    )
    second = land(
        settings, store, merge(EVENTS, events([("b", "web", at("2024-01-20T00:00:00Z"), 2, "2")]))
    )
    third = land(
        settings,
        store,
        drop(first),
        merge(EVENTS, events([("a", "api", at("2024-01-15T00:00:00Z"), 10, "10")])),
    )
    assert _rows(settings, store) == {
        "a": ("api", dt.datetime(2024, 1, 15), 10.0, Decimal("10"), third),
        "b": ("web", dt.datetime(2024, 1, 20), 2.0, Decimal("2"), second),
    }
    # drop_batch rewrote January (b); a, clashing with nothing left, came as a second file.
    assert sorted((f.partition, f.rows, f.batch_id) for f in listed(store)) == [
        ("2024-01", 1, third),
        ("2024-01", 1, third),
    ]
    _check_layout(settings, store)


def test_two_merges_in_one_writer(settings: Settings, store: Store) -> None:
    """A second merge in the same batch sees the first one's rows; the later value wins."""
    batch = land(
        settings,
        store,
        merge(
            EVENTS,
            events(
                [
                    ("a", "api", at("2024-01-10T00:00:00Z"), 1, "1"),
                    ("b", "api", at("2024-01-11T00:00:00Z"), 2, "2"),
                ]
            ),
        ),
        merge(EVENTS, events([("a", "api", at("2024-02-10T00:00:00Z"), 3, "3")])),
    )
    assert _rows(settings, store) == {
        "a": ("api", dt.datetime(2024, 2, 10), 3.0, Decimal("3"), batch),
        "b": ("api", dt.datetime(2024, 1, 11), 2.0, Decimal("2"), batch),
    }
    _check_layout(settings, store)


def test_merge_on_a_composite_key_with_nulls(settings: Settings, store: Store) -> None:
    """A (sensor, read_at) key: same sensor at another time is a new row, a null sensor is a
    key value of its own, and an exact repeat replaces the stored row."""

    def readings(rows: list[tuple[str | None, str, float]]) -> pa.Table:
        return pa.table(
            {
                "sensor": pa.array([r[0] for r in rows], pa.string()),
                "read_at": pa.array([at(r[1]) for r in rows], pa.timestamp("us", tz="UTC")),
                "reading": pa.array([r[2] for r in rows], pa.float64()),
            }
        )

    land(
        settings,
        store,
        merge(
            READINGS,
            readings(
                [
                    ("s1", "2024-01-01T00:00:00Z", 1.0),
                    ("s1", "2024-01-01T00:00:01Z", 2.0),
                    (None, "2024-01-01T00:00:00Z", 3.0),
                ]
            ),
        ),
    )
    land(
        settings,
        store,
        merge(
            READINGS,
            readings(
                [
                    ("s1", "2024-01-01T00:00:01Z", 20.0),
                    (None, "2024-01-01T00:00:00Z", 30.0),
                    ("null", "2024-01-01T00:00:00Z", 4.0),
                ]
            ),
        ),
    )
    rows = read(settings, store, READINGS)
    assert sorted((r["sensor"] or "-", r["read_at"].second, r["reading"]) for r in rows) == [
        ("-", 0, 30.0),
        ("null", 0, 4.0),
        ("s1", 0, 1.0),
        ("s1", 1, 20.0),
    ]
