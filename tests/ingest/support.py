"""Helpers of the ingest tests: read back batches, rejects and the committed lake rows."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import func, select

from leadline.context import App
from leadline.ingest.models import Batch, Reject
from leadline.ingest.runner import IngestReport, UnitResult, run_ingest
from leadline.lake.models import LakeFile
from tests.ingest import sample_source

SOURCE = sample_source.SOURCE_NAME
TABLE = sample_source.TABLE_NAME


def ingest(app: App, *paths: Path, **kwargs: Any) -> IngestReport:
    """The sample source's ingest of ``paths`` into ``app``."""
    return run_ingest(SOURCE, list(paths), settings=app.settings, store=app.store, **kwargs)


def content_hash(path: Path) -> str:
    """The unit hash, by hand: sha256 over the sha256 digests of the base name and file hash."""
    file_hex = hashlib.sha256(path.read_bytes()).hexdigest().encode()
    inner = hashlib.sha256(path.name.encode()).digest() + hashlib.sha256(file_hex).digest()
    return hashlib.sha256(inner).hexdigest()


def lake_table(app: App) -> pa.Table:
    """Every committed row of the sample fact table (files the store lists), by event id."""
    with app.store.session() as session:
        paths = list(session.scalars(select(LakeFile.path).where(LakeFile.table_name == TABLE)))
    root = app.settings.lake_path
    if not paths:
        return sample_source.EVENTS_TABLE.stored_schema.empty_table()
    tables = [pq.read_table(root / p) for p in paths]
    return pa.concat_tables(tables).sort_by([("event_id", "ascending")])


def lake_files(app: App) -> list[LakeFile]:
    with app.store.session() as session:
        return list(session.scalars(select(LakeFile).order_by(LakeFile.id)))


def parquet_on_disk(app: App) -> list[Path]:
    """Parquet files in the lake directory outside staging, listed or not."""
    root = app.settings.lake_path
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*.parquet") if "_staging" not in p.parts)


def batches(app: App) -> list[Batch]:
    with app.store.session() as session:
        return list(session.scalars(select(Batch).order_by(Batch.id)))


def rejects(app: App, batch_id: int | None = None) -> list[Reject]:
    query = select(Reject).order_by(Reject.id)
    if batch_id is not None:
        query = query.where(Reject.batch_id == batch_id)
    with app.store.session() as session:
        return list(session.scalars(query))


def count(app: App, model: type) -> int:
    with app.store.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


HEADER = "event_id,service,occurred_at,value,amount,kind"
# A small hand-written file: four good rows over three months, two rejected rows.
ROWS = [
    "e1,checkout,2026-01-31T23:30:00Z,1.5,10.00,deploy",  # row 2
    "e2,checkout,2026-02-01T00:30:00+01:00,2,,incident",  # row 3: January in UTC
    "e3,search,2026-02-01 00:30,3,,change",  # row 4: naive, read as UTC
    "e4,search,not-a-time,4,,deploy",  # row 5: rejected
    "e5,search,2026-03-01T00:00:00Z,x,1.234,other",  # row 6: rejected, three problems
    "e6,billing,2026-03-02T00:00:00Z,6,7.5,Deploy",  # row 7
]


def write_events(path: Path, rows: list[str], header: str = HEADER) -> Path:
    """A test-events CSV: the header and the given data lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def generated_rows(count: int, start: int = 0) -> list[str]:
    """``count`` good rows, one every 7 minutes from 2024-01-01 (5 000 rows span ~24 days)."""
    origin = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    kinds = ("deploy", "incident", "change")
    out = []
    for i in range(start, start + count):
        moment = origin + dt.timedelta(minutes=7 * i)
        out.append(
            f"e{i:07d},svc{i % 13},{moment:%Y-%m-%dT%H:%M:%SZ},{i * 0.5},{i % 1000}.25,"
            f"{kinds[i % 3]}"
        )
    return out


def event_ids(app: App) -> list[str]:
    return [str(v) for v in lake_table(app).column("event_id").to_pylist()]


def assert_unchanged_sample(again: UnitResult, batch_id: int | None) -> None:
    """``again``, the sample file ingested a second time, reports the batch that landed it with
    that batch's counts and problems (rows 5 and 6 rejected), and lands nothing."""
    assert (again.status, again.batch_id) == ("unchanged", batch_id)
    assert (again.rows_read, again.rows_accepted, again.rows_rejected) == (6, 4, 2)
    assert [(p.row, p.field) for p in again.problems] == [
        (5, "occurred_at"),
        (6, "value"),
        (6, "amount"),
        (6, "kind"),
    ]
    assert again.message == f"same content already landed as batch {batch_id}; nothing changed"
