"""The engine conformance check: one metric, the same lake, DuckDB and Spark, identical answers.

Every pillar runs its metric functions through ``assert_engines_agree`` in its tests. Values are
compared exactly, except floating-point numbers, which may differ in the last bits when engines
sum in a different order: they must agree to ``rel_tol`` (default 1e-12, i.e. identical up to
rounding of the last few of ~16 significant digits).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import ibis
import pyarrow as pa

from leadline.config import Settings
from leadline.lake.engines import ENGINES, Lake
from leadline.store import Store

Metric = Callable[..., ibis.Table]


class EnginesDisagree(AssertionError):
    pass


def run_on_engine(
    metric: Metric,
    inputs: Mapping[str, str],
    *,
    settings: Settings,
    store: Store,
    engine: str,
    **params: Any,
) -> pa.Table:
    """Evaluate ``metric(**{arg: lake table}, **params)`` on one engine."""
    lake = Lake(settings, store, engine)
    tables = {arg: lake.table(table_name) for arg, table_name in inputs.items()}
    return lake.execute(metric(**tables, **params))


def normalise(table: pa.Table) -> list[tuple[Any, ...]]:
    """Rows as engine-neutral Python values, sorted, so two engines' answers can be compared."""
    rows = [tuple(_neutral(v) for v in row.values()) for row in table.to_pylist()]
    return sorted(rows, key=lambda r: tuple(_sort_key(v) for v in r))


def _neutral(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, list):
        return tuple(_neutral(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _neutral(v)) for k, v in value.items()))
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return value
    return value


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, bool | int | float | Decimal):
        return (1, float(value))
    return (2, str(value))


def _same(a: Any, b: Any, rel_tol: float) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        fa, fb = float(a), float(b)
        if math.isnan(fa) and math.isnan(fb):
            return True
        return math.isclose(fa, fb, rel_tol=rel_tol, abs_tol=0.0) or fa == fb
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    return bool(a == b)


def compare(
    left: pa.Table, right: pa.Table, *, names: Sequence[str], rel_tol: float = 1e-12
) -> None:
    """Raise EnginesDisagree, naming the first differing row and column, unless they agree."""
    if left.column_names != right.column_names:
        raise EnginesDisagree(
            f"columns differ: {names[0]}={left.column_names} {names[1]}={right.column_names}"
        )
    a, b = normalise(left), normalise(right)
    if len(a) != len(b):
        raise EnginesDisagree(f"row counts differ: {names[0]}={len(a)} {names[1]}={len(b)}")
    for index, (row_a, row_b) in enumerate(zip(a, b, strict=True)):
        for column, va, vb in zip(left.column_names, row_a, row_b, strict=True):
            if not _same(va, vb, rel_tol):
                raise EnginesDisagree(
                    f"row {index} column {column!r}: {names[0]}={va!r} {names[1]}={vb!r}\n"
                    f"  {names[0]} row: {row_a}\n  {names[1]} row: {row_b}"
                )


def assert_engines_agree(
    metric: Metric,
    inputs: Mapping[str, str],
    *,
    settings: Settings,
    store: Store,
    rel_tol: float = 1e-12,
    engines: Sequence[str] = ENGINES,
    **params: Any,
) -> pa.Table:
    """Run ``metric`` on every engine over the same lake; return the first engine's answer."""
    results = [
        run_on_engine(metric, inputs, settings=settings, store=store, engine=e, **params)
        for e in engines
    ]
    for engine, result in zip(engines[1:], results[1:], strict=True):
        compare(results[0], result, names=(engines[0], engine), rel_tol=rel_tol)
    return results[0]
