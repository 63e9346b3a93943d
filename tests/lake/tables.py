"""Fact tables and helpers the lake tests share: register tables, land batches, read them back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.config import Settings
from leadline.ingest.models import Batch
from leadline.lake.engines import Lake
from leadline.lake.models import LakeFile
from leadline.lake.tables import FactTable, register_table
from leadline.lake.writer import STAGING_DIR, LakeWriter, sweep_orphans
from leadline.store import Store
from leadline.store.base import utcnow

UTC = dt.UTC
AMOUNT = pa.decimal128(18, 6)

EVENTS = register_table(
    FactTable(
        name="lake_test_events",
        schema=pa.schema(
            [
                pa.field("event_id", pa.string(), nullable=False),
                pa.field("service", pa.string()),
                pa.field("occurred_at", pa.timestamp("us", tz="UTC"), nullable=False),
                pa.field("value", pa.float64()),
                pa.field("amount", AMOUNT),
            ]
        ),
        time_column="occurred_at",
        key=("event_id",),
        description="Test events: keyed by event_id.",
    )
)

LOGS = register_table(
    FactTable(
        name="lake_test_logs",
        schema=pa.schema(
            [
                pa.field("service", pa.string()),
                pa.field("logged_at", pa.timestamp("us", tz="UTC"), nullable=False),
                pa.field("message", pa.string()),
            ]
        ),
        time_column="logged_at",
        description="Test log lines: no key, append only.",
    )
)

# A table with a column called ``month``, the same name as the partition directories.
COSTS = register_table(
    FactTable(
        name="lake_test_costs",
        schema=pa.schema(
            [
                pa.field("month", pa.string()),
                pa.field("billed_at", pa.timestamp("us", tz="UTC"), nullable=False),
                pa.field("cost", AMOUNT),
            ]
        ),
        time_column="billed_at",
    )
)

# A composite key that includes the timestamp.
READINGS = register_table(
    FactTable(
        name="lake_test_readings",
        schema=pa.schema(
            [
                pa.field("sensor", pa.string()),
                pa.field("read_at", pa.timestamp("us", tz="UTC"), nullable=False),
                pa.field("reading", pa.float64()),
            ]
        ),
        time_column="read_at",
        key=("sensor", "read_at"),
    )
)

EventRow = tuple[str, str | None, dt.datetime, float | None, str | None]


def at(text: str) -> dt.datetime:
    """An aware datetime from ISO text (a trailing Z means UTC)."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def naive_utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def events(rows: Sequence[EventRow]) -> pa.Table:
    """An events Arrow table from (event_id, service, occurred_at, value, amount text) tuples."""
    return pa.table(
        {
            "event_id": pa.array([r[0] for r in rows], pa.string()),
            "service": pa.array([r[1] for r in rows], pa.string()),
            "occurred_at": pa.array([r[2] for r in rows], pa.timestamp("us", tz="UTC")),
            "value": pa.array([r[3] for r in rows], pa.float64()),
            "amount": pa.array([None if r[4] is None else Decimal(r[4]) for r in rows], AMOUNT),
        }
    )


def logs(rows: Sequence[tuple[str, dt.datetime, str]]) -> pa.Table:
    return pa.table(
        {
            "service": pa.array([r[0] for r in rows], pa.string()),
            "logged_at": pa.array([r[1] for r in rows], pa.timestamp("us", tz="UTC")),
            "message": pa.array([r[2] for r in rows], pa.string()),
        }
    )


def new_batch(session: Any, name: str = "test.csv") -> Batch:
    now = utcnow()
    batch = Batch(
        source="lake-test",
        file_name=name,
        content_hash="0" * 64,
        status="landed",
        started_at=now,
        finished_at=now,
    )
    session.add(batch)
    session.flush()
    return batch


Operation = Callable[[LakeWriter], object]


def land(settings: Settings, store: Store, *operations: Operation) -> int:
    """Run ``operations`` on one batch's LakeWriter through the real commit protocol
    (publish before commit, discard on failure, cleanup after); return the batch id."""
    writer: LakeWriter | None = None
    try:
        with store.session() as session:
            batch = new_batch(session)
            writer = LakeWriter(settings.lake_path, session, batch.id)
            for operation in operations:
                operation(writer)
            writer.publish()
            batch_id = batch.id
    except BaseException:
        if writer is not None:
            writer.discard()
        raise
    writer.cleanup()
    return batch_id


def append(table: FactTable, data: pa.Table) -> Operation:
    return lambda w: w.append(table, data)


def merge(table: FactTable, data: pa.Table) -> Operation:
    return lambda w: w.merge(table, data)


def replace(table: FactTable, data: pa.Table, partitions: Sequence[str] = ()) -> Operation:
    return lambda w: w.replace_partitions(table, data, partitions)


def drop(batch_id: int) -> Operation:
    return lambda w: w.drop_batch(batch_id)


def fail(message: str = "boom") -> Operation:
    def raise_(_writer: LakeWriter) -> None:
        raise RuntimeError(message)

    return raise_


@contextmanager
def uncommitted(settings: Settings, store: Store) -> Iterator[LakeWriter]:
    """A writer whose batch is published but whose transaction is still open (then rolled back,
    leaving the published files in place, as a crash between publish and commit would)."""
    session = Session(store.engine)  # not store.session(): this one must not commit
    try:
        batch = new_batch(session)
        yield LakeWriter(settings.lake_path, session, batch.id)
    finally:
        session.rollback()
        session.close()


def read(
    settings: Settings,
    store: Store,
    table: FactTable = EVENTS,
    engine: str = "duckdb",
    months: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Committed rows of ``table`` on ``engine``, sorted by every column."""
    lake = Lake(settings, store, engine)
    rows = lake.execute(lake.table(table.name, months)).to_pylist()
    return sorted(rows, key=lambda r: tuple((v is None, str(v)) for v in r.values()))


def listed(store: Store, table: FactTable | None = None) -> list[LakeFile]:
    query = select(LakeFile).order_by(LakeFile.partition, LakeFile.id)
    if table is not None:
        query = query.where(LakeFile.table_name == table.name)
    with store.session() as session:
        return list(session.scalars(query))


def files_on_disk(settings: Settings, *, staging: bool = False) -> set[str]:
    """Parquet files under the lake root, relative paths (staging area only if asked)."""
    root = settings.lake_path
    if not root.exists():
        return set()
    found = {p.relative_to(root).as_posix() for p in root.rglob("*.parquet")}
    return {p for p in found if staging or not p.startswith(f"{STAGING_DIR}/")}


def swept(settings: Settings, store: Store) -> set[str]:
    """Files on disk (staging included) after a sweep with no grace period: superseded files
    are kept for readers until the grace period ends, so layout checks sweep first."""
    with store.session() as session:
        sweep_orphans(settings.lake_path, session, 0)
    return files_on_disk(settings, staging=True)


def make_old(path: Path, seconds: float = 7200.0) -> None:
    """Back-date a file's mtime, as if written ``seconds`` ago."""
    import os
    import time

    stamp = time.time() - seconds
    os.utime(path, (stamp, stamp))


def list_old_file(settings: Settings, store: Store, table: FactTable, data: pa.Table) -> str:
    """Commit a one-month file as an older leadline wrote it (``data``'s own, narrower schema,
    no batch); return its relative path."""
    months = {t.strftime("%Y-%m") for t in data.column(table.time_column).to_pylist()}
    assert len(months) == 1, months
    month = months.pop()
    relative = f"{table.name}/month={month}/old-{len(listed(store, table))}.parquet"
    path = settings.lake_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(data, path)
    with store.session() as session:
        session.add(
            LakeFile(
                table_name=table.name,
                partition=month,
                path=relative,
                rows=data.num_rows,
                bytes=path.stat().st_size,
                batch_id=None,
                created_at=utcnow(),
            )
        )
    return relative
