"""Engine conformance of the cycle time: Spark gives DuckDB's answer on the hand-computed case
(every phase, self-reviews, generated files, explicit and attributed deployments, weekly
buckets). One small case: the Spark budget of the suite is nearly used up."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest

from leadline.config import Settings
from leadline.lake.conformance import compare
from leadline.lake.engines import duckdb_backend, spark_backend, spark_session
from tests.delivery.support_cycle import cycle_expr, phases_expr
from tests.delivery.support_metrics import TableFactory, spark_tables
from tests.delivery.test_cycle_time import (
    CHANGES,
    DEPLOYMENTS,
    FILES,
    PRS,
    REVIEWS,
    SINCE,
    UNTIL,
)

pytestmark = pytest.mark.spark


def _answer(backend: object, make: TableFactory) -> pa.Table:
    """Per team and week: every phase's and the cycle's p50 and p90, the size and the counts
    (one query: each Spark query costs seconds)."""
    phases = phases_expr(
        make,
        prs=PRS,
        reviews=REVIEWS,
        files=FILES,
        changes=CHANGES,
        deployments=DEPLOYMENTS,
        until=UNTIL,
    )
    services = {"api": "core", "web": "front"}
    weekly = cycle_expr(phases, services, make, since=SINCE, until=UNTIL, period="week")
    return backend.to_pyarrow(weekly.order_by(["key", "bucket"]))  # type: ignore[attr-defined]


def test_cycle_time_engines_agree(spark_settings: Settings) -> None:
    backend = spark_backend(spark_settings)
    duck = _answer(duckdb_backend(), ibis.memtable)
    spark = _answer(backend, spark_tables(backend, spark_session(spark_settings)))
    assert duck.num_rows == 6  # 2 teams x 3 weeks
    assert sorted(v for v in duck.column("cycle_p50_hours").to_pylist() if v) == [114.0]
    compare(duck, spark, names=("duckdb", "spark"))
