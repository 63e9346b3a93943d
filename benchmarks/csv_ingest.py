"""CSV to lake: leadline's validated, atomic ingest against the raw floor of the same work.

Baselines, measured in the same run on the same file: pyarrow's CSV reader plus a Parquet write
(no validation, no rejects, no batch record: the fastest possible), and pandas read_csv plus
to_parquet (what a hand-rolled script would do).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from common import best_of, report
from leadline.config import load_settings
from leadline.ingest.models import Batch
from leadline.ingest.tabular import Column, CsvFormat, read_csv
from leadline.lake.tables import FactTable
from leadline.lake.writer import LakeWriter
from leadline.store import Store
from leadline.store.base import utcnow

FORMAT = CsvFormat(
    "events",
    "benchmark events",
    (
        Column("event_id"),
        Column("service"),
        Column("occurred_at", "timestamp"),
        Column("value", "float"),
        Column("count", "int"),
        Column("environment", choices=("production", "staging")),
    ),
)
TABLE = FactTable(
    "bench_events",
    pa.schema(
        [
            ("event_id", pa.string()),
            ("service", pa.string()),
            ("occurred_at", pa.timestamp("us", tz="UTC")),
            ("value", pa.float64()),
            ("count", pa.int64()),
            ("environment", pa.string()),
            ("extra", pa.string()),
        ]
    ),
    "occurred_at",
    ("event_id",),
)


def generate(path: Path, rows: int) -> None:
    rng = random.Random(1)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    with path.open("w") as out:
        out.write("event_id,service,occurred_at,value,count,environment\n")
        for i in range(rows):
            at = start + dt.timedelta(seconds=rng.randrange(365 * 86400))
            out.write(
                f"e{i},svc-{i % 60},{at.isoformat().replace('+00:00', 'Z')},"
                f"{rng.random() * 1000:.3f},{rng.randrange(100)},"
                f"{'production' if i % 3 else 'staging'}\n"
            )


def leadline_ingest(path: Path, home: Path) -> int:
    settings = load_settings(home=home)
    store = Store(settings.resolved_database_url)
    result = read_csv(path, FORMAT)
    with store.session() as session:
        batch = Batch(
            source="bench",
            file_name=str(path),
            content_hash="x",
            options={},
            status="landed",
            started_at=utcnow(),
            finished_at=utcnow(),
        )
        session.add(batch)
        session.flush()
        writer = LakeWriter(settings.lake_path, session, batch.id)
        writer.append(TABLE, result.table)
        writer.publish()
    writer.cleanup()
    store.dispose()
    return int(result.table.num_rows)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        source = base / "events.csv"
        generate(source, rows)
        size_mib = source.stat().st_size / 2**20
        counter = iter(range(1000))
        ours = best_of(3, lambda: leadline_ingest(source, base / f"home{next(counter)}"))
        floor = best_of(3, lambda: pq.write_table(pacsv.read_csv(source), base / "floor.parquet"))
        pandas = best_of(3, lambda: pd.read_csv(source).to_parquet(base / "pandas.parquet"))
    case = f"{rows:,} rows, {size_mib:.0f} MiB: validate + partition + atomic commit"
    report(
        "csv_ingest",
        case,
        ours,
        baseline="pyarrow read_csv + write_table",
        baseline_seconds=floor,
        rows_per_second=round(rows / ours),
    )
    report(
        "csv_ingest", case, ours, baseline="pandas read_csv + to_parquet", baseline_seconds=pandas
    )


if __name__ == "__main__":
    main()
