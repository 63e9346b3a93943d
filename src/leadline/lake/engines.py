"""Ibis connections over the lake: DuckDB (embedded default) or PySpark (any spark.master).

Readers see only files the store lists as committed, so a query never sees half a batch.
Timestamps come out of every engine as timezone-naive values holding UTC, so one metric
definition behaves identically on DuckDB and Spark.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select

from leadline.config import Settings
from leadline.lake.compilers import DUCKDB_COMPILER
from leadline.lake.models import LakeFile
from leadline.lake.tables import BATCH_COLUMN, FactTable, get_table
from leadline.store import Store

ENGINES = ("duckdb", "spark")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# Settings metrics rely on (UTC everywhere); a user's spark_conf cannot override them.
SPARK_FIXED = {
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
    "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
}


class _Spark:
    """The process's one Spark session and what starting it cost."""

    lock = threading.Lock()
    session: Any = None
    startup_seconds: float | None = None


def spark_startup_seconds() -> float | None:
    """Seconds the JVM and Spark session took to start in this process (None: not started)."""
    return _Spark.startup_seconds


def duckdb_backend(settings: Settings | None = None) -> Any:
    """An in-memory DuckDB; with ``settings``, holding at most ``duckdb_memory_limit`` before
    it spills to a temporary directory (DuckDB's default, 80 % of the machine's memory, let the
    SLO burn-rate history hold 12 GiB: docs/benchmarks.md)."""
    con = ibis.duckdb.connect()
    con.compiler = DUCKDB_COMPILER  # see lake.compilers
    con.raw_sql("SET TimeZone = 'UTC'")
    con.raw_sql("SET enable_progress_bar = false")  # long queries must not draw on the terminal
    if settings is not None:
        # One directory per connection (DuckDB's file names would collide between processes);
        # DuckDB creates it when it first spills and removes it when the connection closes.
        spill = Path(tempfile.gettempdir()) / f"leadline-duckdb-{os.getpid()}-{uuid.uuid4().hex}"
        # Both values are validated (Settings' pattern; a path quoted as a SQL string).
        con.raw_sql(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
        con.raw_sql("SET temp_directory = '{}'".format(str(spill).replace("'", "''")))
    return con


def spark_session(settings: Settings) -> Any:
    """The process's Spark session, created on first use (JVM start-up takes seconds)."""
    with _Spark.lock:
        if _Spark.session is None:
            from pyspark.sql import SparkSession

            started = time.perf_counter()
            builder = SparkSession.builder.appName("leadline").master(settings.spark_master)
            defaults = {
                "spark.ui.enabled": "false",
                "spark.ui.showConsoleProgress": "false",
                "spark.sql.shuffle.partitions": "4",
            }
            for key, value in {**defaults, **settings.spark_conf, **SPARK_FIXED}.items():
                builder = builder.config(key, value)
            session = builder.getOrCreate()
            session.sparkContext.setLogLevel("ERROR")
            _Spark.startup_seconds = time.perf_counter() - started
            _Spark.session = session
        return _Spark.session


def spark_backend(settings: Settings) -> Any:
    return ibis.pyspark.connect(spark_session(settings))


def connect(settings: Settings, engine: str | None = None) -> Any:
    engine = engine or settings.engine
    if engine == "duckdb":
        return duckdb_backend(settings)
    if engine == "spark":
        return spark_backend(settings)
    raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")


class Lake:
    """Read access to the lake's committed facts as Ibis tables on one engine."""

    def __init__(self, settings: Settings, store: Store, engine: str | None = None) -> None:
        self.settings = settings
        self.store = store
        self.engine = engine or settings.engine
        self._backend: Any = None

    @property
    def backend(self) -> Any:
        if self._backend is None:
            self._backend = connect(self.settings, self.engine)
        return self._backend

    def files(self, table_name: str, months: Iterable[str] | None = None) -> list[Path]:
        query = select(LakeFile.path).where(LakeFile.table_name == table_name)
        if isinstance(months, str):  # one month, not its characters
            months = [months]
        if months is not None:
            query = query.where(LakeFile.partition.in_(sorted(set(months))))
        with self.store.session() as session:
            paths = list(session.scalars(query.order_by(LakeFile.path)))
        return [self.settings.lake_path / p for p in paths]

    def partitions(self, table_name: str) -> list[str]:
        """The months (YYYY-MM) a table has committed files for."""
        query = select(LakeFile.partition).where(LakeFile.table_name == table_name).distinct()
        with self.store.session() as session:
            return sorted(session.scalars(query))

    def table(self, name: str, months: Iterable[str] | None = None) -> ibis.Table:
        """The committed rows of a fact table, optionally only some month partitions."""
        fact = get_table(name)
        files = self.files(name, months)
        if not files:
            return _project(fact, ibis.memtable(fact.stored_schema.empty_table()))
        view = f"lake_{name}_{hashlib.sha1(repr(files).encode()).hexdigest()[:12]}"  # noqa: S324
        if self.engine == "duckdb":
            return _project(fact, self._duckdb_view(fact, files, view))
        # Spark cannot merge Parquet schemas whose column types differ (int64 widened to
        # float64 across versions): read each schema's files apart, cast, then union.
        parts = []
        for index, group in enumerate(_by_schema(files)):
            frame = spark_session(self.settings).read.parquet(*[str(f) for f in group])
            frame.createOrReplaceTempView(f"{view}_{index}")
            parts.append(_project(fact, self.backend.table(f"{view}_{index}")))
        return parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)

    def _duckdb_view(self, fact: FactTable, files: list[Path], view: str) -> ibis.Table:
        """A view over the files whose UTC timestamps are already naive: converting through
        epoch microseconds avoids DuckDB's time-zone-aware cast (ICU), several times faster
        on tens of millions of rows, and lets filters on them reach the Parquet scan."""
        # No hive partitioning: a ``month=`` directory must not shadow a fact column.
        raw = self.backend.read_parquet(
            [str(f) for f in files],
            table_name=f"{view}_files",
            union_by_name=True,
            hive_partitioning=False,
        )
        stamps = [
            field.name
            for field in fact.stored_schema
            if pa.types.is_timestamp(field.type) and field.name in raw.columns
        ]
        if not stamps:
            return raw
        names = [*stamps, view]
        if not all(_IDENTIFIER.fullmatch(n) for n in names):  # identifiers cannot be bound
            raise ValueError(f"unexpected identifier among {names}")
        replace = ", ".join(f'make_timestamp(epoch_us("{c}")) AS "{c}"' for c in stamps)
        self.backend.raw_sql(  # only validated identifiers from registered schemas
            f'CREATE OR REPLACE TEMP VIEW "{view}" AS '  # noqa: S608
            f'SELECT * REPLACE ({replace}) FROM "{view}_files"'
        )
        return self.backend.table(view)

    def execute(self, expr: ibis.Expr) -> pa.Table:
        return self.backend.to_pyarrow(expr)


@functools.lru_cache(maxsize=65536)
def _file_schema(path: Path) -> pa.Schema:
    """A Parquet file's schema (files are immutable once written, so it is cached)."""
    return pq.read_schema(path)


def _by_schema(files: list[Path]) -> list[list[Path]]:
    groups: dict[pa.Schema, list[Path]] = {}
    for path in files:
        groups.setdefault(_file_schema(path), []).append(path)
    return list(groups.values())


def _project(fact: FactTable, raw: ibis.Table) -> ibis.Table:
    """Declared columns in declared order, absent ones as typed nulls, timestamps naive UTC."""
    columns = []
    for field in fact.stored_schema:
        target = ibis.dtype(field.type)
        if pa.types.is_timestamp(field.type):
            target = ibis.dtype("timestamp(6)")
        if field.name in raw.columns:
            column = raw[field.name]
            if column.type() != target:
                column = column.cast(target)
            columns.append(column.name(field.name))
        else:
            columns.append(ibis.null(target).name(field.name))
    return raw.select(columns)


__all__ = ["BATCH_COLUMN", "ENGINES", "Lake", "connect", "spark_session"]
