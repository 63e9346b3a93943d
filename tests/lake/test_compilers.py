"""The DuckDB compiler fix: zero-width RANGE frame edges are written as CURRENT ROW."""

from __future__ import annotations

import datetime as dt

import ibis
import pytest

from leadline.lake.engines import duckdb_backend


@pytest.fixture
def samples() -> ibis.Table:
    base = dt.datetime(2025, 1, 1)
    rows = [
        {"slo": "a", "timestamp": base + dt.timedelta(seconds=s), "good": g}
        for s, g in [(0, 1), (30, 2), (30, 4), (60, 8), (150, 16)]
    ] + [{"slo": "b", "timestamp": base, "good": 32}]
    return ibis.memtable(rows)


def _frame(following: object, preceding: object = None) -> ibis.expr.types.Value:
    return ibis.range_window(
        group_by="slo",
        order_by="timestamp",
        preceding=ibis.interval(seconds=60) if preceding is None else preceding,
        following=following,
    )


def test_zero_following_is_current_row(samples: ibis.Table) -> None:
    con = duckdb_backend()
    expr = samples.mutate(s=samples.good.sum().over(_frame(0)))
    sql = str(con.compile(expr))
    assert "CURRENT ROW" in sql
    assert "TO_SECONDS" not in sql
    got = con.to_pyarrow(expr.order_by(["slo", "timestamp", "good"])).to_pylist()
    # RANGE frames include peers: both rows at 30 s see each other; 150 s sees only itself.
    assert [r["s"] for r in got] == [1, 7, 7, 15, 16, 32]


def test_nonzero_edges_are_kept(samples: ibis.Table) -> None:
    con = duckdb_backend()
    expr = samples.mutate(s=samples.good.sum().over(_frame(ibis.interval(seconds=30))))
    sql = str(con.compile(expr))
    assert "CURRENT ROW" not in sql
    got = con.to_pyarrow(expr.order_by(["slo", "timestamp", "good"])).to_pylist()
    assert [r["s"] for r in got] == [7, 15, 15, 15, 16, 32]


def test_zero_preceding_is_current_row(samples: ibis.Table) -> None:
    con = duckdb_backend()
    frame = _frame(ibis.interval(seconds=60), preceding=0)
    expr = samples.mutate(s=samples.good.sum().over(frame))
    assert "BETWEEN CURRENT ROW" in str(con.compile(expr))
    got = con.to_pyarrow(expr.order_by(["slo", "timestamp", "good"])).to_pylist()
    assert [r["s"] for r in got] == [15, 14, 14, 8, 16, 32]
