"""Reading the lake through Ibis: DuckDB and Spark see the same committed rows, the same types."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest

from leadline.config import Settings
from leadline.lake.engines import Lake, connect
from leadline.lake.tables import BATCH_COLUMN
from leadline.store import Store
from tests.lake.tables import (
    AMOUNT,
    COSTS,
    EVENTS,
    LOGS,
    append,
    at,
    events,
    land,
    list_old_file,
    logs,
    merge,
    read,
)

EXPECTED_TYPES = {
    "event_id": "string",
    "service": "string",
    "occurred_at": "timestamp(6)",
    "value": "float64",
    "amount": "decimal(18, 6)",
    BATCH_COLUMN: "int64",
}
ARROW_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("service", pa.string()),
        ("occurred_at", pa.timestamp("us")),
        ("value", pa.float64()),
        ("amount", AMOUNT),
        (BATCH_COLUMN, pa.int64()),
    ]
)


def _types(table: ibis.Table) -> dict[str, str]:
    return {name: str(dtype.copy(nullable=True)) for name, dtype in table.schema().items()}


def _narrow_events() -> pa.Table:
    """Events as an older version wrote them: no ``amount`` column, no batch column."""
    return pa.table(
        {
            "event_id": ["old-1", "old-2"],
            "service": ["api", "legacy"],
            "occurred_at": pa.array(
                [at("2023-11-30T23:00:00-02:00"), at("2023-12-15T08:00:00Z")],
                pa.timestamp("us", tz="UTC"),
            ),
            "value": [7.5, None],
        }
    )


def build_lake(settings: Settings, store: Store) -> tuple[int, int]:
    """A lake with an old narrow file (December), two batches, a merge and a month boundary."""
    list_old_file(settings, store, EVENTS, _narrow_events())
    first = land(
        settings,
        store,
        append(
            EVENTS,
            events(
                [
                    ("e1", "api", at("2024-01-31T19:30:00-05:00"), 1.5, "10.250000"),  # Feb UTC
                    ("e2", "web", at("2024-02-01T00:30:00+01:00"), 0.1, "0.000001"),  # Jan UTC
                    ("e3", "api", at("2024-02-29T23:59:59.999999Z"), None, "-3.5"),
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
                    ("e3", "api", at("2024-03-01T00:00:00.000001Z"), 3.25, "99999999999.999999"),
                    ("e4", None, at("2024-01-01T00:00:00Z"), -0.0, None),
                ]
            ),
        ),
    )
    return first, second


def expected_rows(first: int, second: int) -> list[dict[str, Any]]:
    return [
        {
            "event_id": "e1",
            "service": "api",
            "occurred_at": dt.datetime(2024, 2, 1, 0, 30),
            "value": 1.5,
            "amount": Decimal("10.25"),
            BATCH_COLUMN: first,
        },
        {
            "event_id": "e2",
            "service": "web",
            "occurred_at": dt.datetime(2024, 1, 31, 23, 30),
            "value": 0.1,
            "amount": Decimal("0.000001"),
            BATCH_COLUMN: first,
        },
        {
            "event_id": "e3",
            "service": "api",
            "occurred_at": dt.datetime(2024, 3, 1, 0, 0, 0, 1),
            "value": 3.25,
            "amount": Decimal("99999999999.999999"),
            BATCH_COLUMN: second,
        },
        {
            "event_id": "e4",
            "service": None,
            "occurred_at": dt.datetime(2024, 1, 1),
            "value": -0.0,
            "amount": None,
            BATCH_COLUMN: second,
        },
        {
            "event_id": "old-1",
            "service": "api",
            "occurred_at": dt.datetime(2023, 12, 1, 1, 0),
            "value": 7.5,
            "amount": None,
            BATCH_COLUMN: None,
        },
        {
            "event_id": "old-2",
            "service": "legacy",
            "occurred_at": dt.datetime(2023, 12, 15, 8),
            "value": None,
            "amount": None,
            BATCH_COLUMN: None,
        },
    ]


def test_duckdb_reads_committed_rows_with_declared_types(settings: Settings, store: Store) -> None:
    """Naive-UTC timestamps, declared types, and nulls for columns an old file lacks."""
    first, second = build_lake(settings, store)
    lake = Lake(settings, store, "duckdb")
    table = lake.table(EVENTS.name)
    assert _types(table) == EXPECTED_TYPES
    result = lake.execute(table)
    assert result.schema.remove_metadata().equals(ARROW_SCHEMA)
    assert read(settings, store) == expected_rows(first, second)


def test_duckdb_month_filter(settings: Settings, store: Store) -> None:
    """``months=`` reads only those partitions (an unknown month gives an empty table)."""
    build_lake(settings, store)
    ids = [r["event_id"] for r in read(settings, store, months=["2024-01", "2023-12"])]
    assert ids == ["e2", "e4", "old-1", "old-2"]
    assert read(settings, store, months=["1999-01"]) == []
    lake = Lake(settings, store, "duckdb")
    one = lake.execute(lake.table(EVENTS.name, months="2024-01"))  # a str is one month
    assert sorted(one["event_id"].to_pylist()) == ["e2", "e4"]


def test_duckdb_empty_table_has_declared_schema(settings: Settings, store: Store) -> None:
    """A table without files is an empty table of the declared types."""
    lake = Lake(settings, store, "duckdb")
    table = lake.table(EVENTS.name)
    assert _types(table) == EXPECTED_TYPES
    result = lake.execute(table)
    assert result.num_rows == 0
    assert result.schema.remove_metadata().equals(ARROW_SCHEMA)


def test_merge_over_an_old_narrow_file(settings: Settings, store: Store) -> None:
    """The writer reads files of an older schema too: a merge updates their rows."""
    list_old_file(settings, store, EVENTS, _narrow_events())
    batch = land(
        settings,
        store,
        merge(EVENTS, events([("old-1", "api", at("2023-12-02T00:00:00Z"), 8, "1")])),
    )
    assert read(settings, store) == [
        {
            "event_id": "old-1",
            "service": "api",
            "occurred_at": dt.datetime(2023, 12, 2),
            "value": 8.0,
            "amount": Decimal("1"),
            BATCH_COLUMN: batch,
        },
        {
            "event_id": "old-2",
            "service": "legacy",
            "occurred_at": dt.datetime(2023, 12, 15, 8),
            "value": None,
            "amount": None,
            BATCH_COLUMN: None,
        },
    ]


def test_a_column_named_month_is_not_taken_from_the_directory(
    settings: Settings, store: Store
) -> None:
    """Partition directories are ``month=YYYY-MM``; a fact column called ``month`` keeps its
    own values (DuckDB must not apply hive partitioning to the lake's paths)."""
    data = pa.table(
        {
            "month": ["2023-12"],
            "billed_at": pa.array([at("2024-01-03T00:00:00Z")], pa.timestamp("us", tz="UTC")),
            "cost": pa.array([Decimal("5.5")], AMOUNT),
        }
    )
    land(settings, store, append(COSTS, data))
    assert [r["month"] for r in read(settings, store, COSTS)] == ["2023-12"]


def test_unknown_engine_is_refused(settings: Settings) -> None:
    with pytest.raises(ValueError, match="unknown engine 'oracle'"):
        connect(settings, "oracle")


def test_duckdb_holds_at_most_the_configured_memory(settings: Settings) -> None:
    """The lake's DuckDB takes ``duckdb_memory_limit`` (3 GiB by default, not 80 % of the
    machine) and spills to a directory of its own (one per connection: DuckDB's file names
    would collide) under the system's temporary directory."""
    default = connect(settings, "duckdb")
    assert default.raw_sql("SELECT current_setting('memory_limit')").fetchone() == ("3.0 GiB",)
    [spill] = default.raw_sql("SELECT current_setting('temp_directory')").fetchone()
    second = connect(settings, "duckdb")
    [other] = second.raw_sql("SELECT current_setting('temp_directory')").fetchone()
    assert Path(spill).name.startswith("leadline-duckdb-") and spill != other
    small = connect(settings.model_copy(update={"duckdb_memory_limit": "512MiB"}), "duckdb")
    assert small.raw_sql("SELECT current_setting('memory_limit')").fetchone() == ("512.0 MiB",)


def test_a_memory_limit_without_unit_is_refused(settings: Settings) -> None:
    with pytest.raises(ValueError, match="duckdb_memory_limit"):
        Settings(home=settings.home, duckdb_memory_limit="3")


@pytest.mark.spark
def test_spark_reads_the_same_rows_and_types(
    spark_settings: Settings, settings: Settings, store: Store
) -> None:
    """On Spark: identical rows (exactly, including microseconds, decimals and -0.0), naive UTC
    timestamps, nulls for the old file's missing column, the month filter, the `month` column,
    and the declared schema for an empty table."""
    first, second = build_lake(settings, store)
    data = pa.table(
        {
            "month": ["2023-12"],
            "billed_at": pa.array([at("2024-01-03T00:00:00Z")], pa.timestamp("us", tz="UTC")),
        }
    )
    land(settings, store, append(COSTS, data))
    lake = Lake(settings, store, "spark")

    table = lake.table(EVENTS.name)
    assert _types(table) == EXPECTED_TYPES
    result = lake.execute(table)
    assert result.schema.remove_metadata().equals(ARROW_SCHEMA)
    rows = sorted(result.to_pylist(), key=lambda r: r["event_id"])
    assert rows == expected_rows(first, second) == read(settings, store)
    assert str(rows[3]["value"]) == "-0.0"

    january = lake.execute(lake.table(EVENTS.name, months=["2024-01"]))
    assert sorted(january["event_id"].to_pylist()) == ["e2", "e4"]

    costs = lake.execute(lake.table(COSTS.name)).to_pylist()
    assert [(r["month"], r["billed_at"], r["cost"]) for r in costs] == [
        ("2023-12", dt.datetime(2024, 1, 3), None)
    ]

    empty = lake.table(LOGS.name)
    assert _types(empty) == {
        "service": "string",
        "logged_at": "timestamp(6)",
        "message": "string",
        BATCH_COLUMN: "int64",
    }
    out = lake.execute(empty)
    assert out.num_rows == 0
    assert [str(t) for t in out.schema.types] == ["string", "timestamp[us]", "string", "int64"]


@pytest.mark.spark
def test_spark_timestamp_parts_are_utc(
    spark_settings: Settings, settings: Settings, store: Store
) -> None:
    """Timestamp arithmetic on Spark sees UTC wall-clock values (hour/day/month of UTC)."""
    land(settings, store, append(LOGS, logs([("a", at("2024-01-31T23:30:00-05:00"), "m")])))
    lake = Lake(settings, store, "spark")
    table = lake.table(LOGS.name)
    expr = table.select(
        month=table.logged_at.month(), day=table.logged_at.day(), hour=table.logged_at.hour()
    )
    assert lake.execute(expr).to_pylist() == [{"month": 2, "day": 1, "hour": 4}]


def _widened_lake(settings: Settings, store: Store) -> None:
    """An old file whose ``value`` column was int64 before the table declared float64."""
    old = pa.table(
        {
            "event_id": ["old"],
            "occurred_at": pa.array([at("2023-12-01T00:00:00Z")], pa.timestamp("us", tz="UTC")),
            "value": pa.array([3], pa.int64()),
        }
    )
    list_old_file(settings, store, EVENTS, old)
    land(
        settings,
        store,
        append(EVENTS, events([("new", "api", at("2024-01-01T00:00:00Z"), 0.5, None)])),
    )


def test_duckdb_reads_a_widened_column(settings: Settings, store: Store) -> None:
    """A column whose type was widened (int64 -> float64) reads as the declared type."""
    _widened_lake(settings, store)
    assert [(r["event_id"], r["value"]) for r in read(settings, store)] == [
        ("new", 0.5),
        ("old", 3.0),
    ]


@pytest.mark.spark
def test_spark_reads_a_widened_column(
    spark_settings: Settings, settings: Settings, store: Store
) -> None:
    """Spark reads a column widened between file versions (int64 then float64) like DuckDB."""
    _widened_lake(settings, store)
    lake = Lake(settings, store, "spark")
    rows = lake.execute(lake.table(EVENTS.name)).to_pylist()
    assert sorted((r["event_id"], r["value"]) for r in rows) == [("new", 0.5), ("old", 3.0)]
