"""The two engines over the same lake: Spark's start-up cost and one aggregate on each."""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import ibis

from common import best_of, report
from csv_ingest import FORMAT, TABLE, generate, leadline_ingest
from leadline.config import load_settings
from leadline.lake.engines import Lake, spark_session
from leadline.lake.tables import register_table
from leadline.store import Store


def metric(events: ibis.Table) -> ibis.Table:
    month = events.occurred_at.truncate("M")
    return events.group_by([events.service, month.name("month")]).aggregate(
        n=events.count(),
        p50=events.value.quantile(0.5),
        p90=events.value.quantile(0.9),
        total=events["count"].sum(),
    )


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    register_table(TABLE)
    assert FORMAT.columns
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "home"
        source = Path(scratch) / "events.csv"
        generate(source, rows)
        leadline_ingest(source, home)
        settings = load_settings(home=home)
        store = Store(settings.resolved_database_url)
        duck = Lake(settings, store, "duckdb")
        duck_time = best_of(3, lambda: duck.execute(metric(duck.table(TABLE.name))))
        started = time.perf_counter()
        spark_session(settings)
        startup = time.perf_counter() - started
        spark = Lake(settings, store, "spark")
        spark.execute(metric(spark.table(TABLE.name)))  # warm-up: JIT, file listing cache
        spark_time = best_of(3, lambda: spark.execute(metric(spark.table(TABLE.name))))
        store.dispose()
    report("engines", "Spark session start-up (local[2], JVM)", startup, when=str(dt.date.today()))
    report(
        "engines",
        f"{rows:,} rows: group by service x month, p50/p90, count, sum",
        spark_time,
        baseline="DuckDB, same Ibis expression",
        baseline_seconds=duck_time,
    )


if __name__ == "__main__":
    main()
