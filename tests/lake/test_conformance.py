"""The engine conformance helper: one metric on DuckDB and Spark, compared value by value."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from leadline.config import Settings, load_settings
from leadline.lake.conformance import (
    EnginesDisagree,
    assert_engines_agree,
    compare,
    normalise,
    run_on_engine,
)
from leadline.store import Store
from tests.lake.tables import EVENTS, EventRow, append, at, events, land, merge


def service_month_summary(events: ibis.Table) -> ibis.Table:
    """Per service and UTC month: rows, valued rows, exact amount, p50/p90 of value, span."""
    return events.group_by(service=events.service, month=events.occurred_at.truncate("M")).agg(
        events=events.count(),
        valued=events.value.count(),
        amount=events.amount.sum(),
        value_p50=events.value.quantile(0.5),
        value_p90=events.value.quantile(0.9),
        first_at=events.occurred_at.min(),
        last_at=events.occurred_at.max(),
    )


def value_as_text(events: ibis.Table) -> ibis.Table:
    """Engine-dependent on purpose: float-to-string formatting differs between engines."""
    return events.select(events.event_id, text=events.value.cast("string"))


FIRST: list[EventRow] = [
    ("a1", "api", at("2024-01-01T00:00:00Z"), 1.0, "0.100000"),
    ("a2", "api", at("2024-01-15T12:00:00+02:00"), 40.0, "0.200000"),  # value fixed below
    ("a3", "api", at("2024-01-31T20:00:00-05:00"), 10.0, "1234567.000001"),  # 1 Feb UTC
    ("a4", "api", at("2024-01-20T00:00:00Z"), 2.0, "-0.300000"),
    ("w1", "web", at("2024-01-05T00:00:00Z"), 5.0, "1.5"),
    ("w2", "web", at("2024-01-06T00:00:00Z"), None, None),
]
SECOND: list[EventRow] = [
    ("a2", "api", at("2024-01-15T12:00:00+02:00"), 4.0, "0.200000"),
    ("a5", "api", at("2024-01-31T23:59:59.999999Z"), 3.0, "0.000001"),
    ("w3", "web", at("2024-01-07T00:00:00Z"), 15.0, "2.25"),
]


def _land_summary_lake(settings: Settings, store: Store) -> None:
    land(settings, store, append(EVENTS, events(FIRST)))
    land(settings, store, merge(EVENTS, events(SECOND)))


def _expected_summary() -> list[dict[str, object]]:
    """Hand-computed: api January values 1,2,3,4 -> p50 2.5, p90 3 + 0.7 * (4 - 3) = 3.7;
    web January values 5,15 (one null) -> p50 10, p90 5 + 0.9 * 10 = 14."""
    return [
        {
            "service": "api",
            "month": dt.datetime(2024, 1, 1),
            "events": 4,
            "valued": 4,
            "amount": Decimal("0.000001"),
            "value_p50": 2.5,
            "value_p90": pytest.approx(3.7),
            "first_at": dt.datetime(2024, 1, 1),
            "last_at": dt.datetime(2024, 1, 31, 23, 59, 59, 999999),
        },
        {
            "service": "api",
            "month": dt.datetime(2024, 2, 1),
            "events": 1,
            "valued": 1,
            "amount": Decimal("1234567.000001"),
            "value_p50": 10.0,
            "value_p90": 10.0,
            "first_at": dt.datetime(2024, 2, 1, 1),
            "last_at": dt.datetime(2024, 2, 1, 1),
        },
        {
            "service": "web",
            "month": dt.datetime(2024, 1, 1),
            "events": 3,
            "valued": 2,
            "amount": Decimal("3.75"),
            "value_p50": 10.0,
            "value_p90": pytest.approx(14.0),
            "first_at": dt.datetime(2024, 1, 5),
            "last_at": dt.datetime(2024, 1, 7),
        },
    ]


def _sorted(table: pa.Table) -> list[dict[str, object]]:
    return sorted(table.to_pylist(), key=lambda r: (str(r["service"]), str(r["month"])))


def test_summary_metric_matches_hand_computed_values_on_duckdb(
    settings: Settings, store: Store
) -> None:
    """The metric's DuckDB answer equals the hand-computed numbers (no Spark needed)."""
    _land_summary_lake(settings, store)
    result = run_on_engine(
        service_month_summary,
        {"events": EVENTS.name},
        settings=settings,
        store=store,
        engine="duckdb",
    )
    assert _sorted(result) == _expected_summary()


@pytest.mark.spark
def test_summary_metric_agrees_on_both_engines(
    spark_settings: Settings, settings: Settings, store: Store
) -> None:
    """Spark's answer agrees with DuckDB's and equals the hand-computed numbers."""
    _land_summary_lake(settings, store)
    spark_result = assert_engines_agree(
        service_month_summary,
        {"events": EVENTS.name},
        settings=settings,
        store=store,
        engines=("spark", "duckdb"),
    )
    assert _sorted(spark_result) == _expected_summary()


@pytest.mark.spark
def test_engine_dependent_metric_is_caught(
    spark_settings: Settings, settings: Settings, store: Store
) -> None:
    """A metric whose answer depends on the engine raises EnginesDisagree naming the column."""
    land(
        settings,
        store,
        append(EVENTS, events([("x", "api", at("2024-01-01T00:00:00Z"), 12345678.5, None)])),
    )
    with pytest.raises(EnginesDisagree, match=r"row 0 column 'text': duckdb='12345678.5'"):
        assert_engines_agree(value_as_text, {"events": EVENTS.name}, settings=settings, store=store)


SERVICES = st.sampled_from(["api", "web", None])
MOMENTS = st.datetimes(
    min_value=dt.datetime(2023, 12, 30),
    max_value=dt.datetime(2024, 2, 2),
    timezones=st.sampled_from(
        [
            dt.UTC,
            dt.timezone(dt.timedelta(hours=-8)),
            dt.timezone(dt.timedelta(hours=5, minutes=30)),
        ]
    ),
)
VALUES = st.none() | st.floats(min_value=0.001, max_value=1e6, allow_nan=False)
AMOUNTS = st.none() | st.decimals(
    min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=6, allow_nan=False
)
ROWS = st.lists(st.tuples(SERVICES, MOMENTS, VALUES, AMOUNTS), min_size=1, max_size=12)


@pytest.mark.spark
@hypothesis_settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=ROWS, split=st.integers(0, 12))
def test_generated_lakes_agree_on_both_engines(
    spark_settings: Settings,
    rows: list[tuple[str | None, dt.datetime, float | None, Decimal | None]],
    split: int,
) -> None:
    """For generated facts (two batches, time zones, nulls, month edges) both engines agree,
    and counts and exact decimal sums equal a Python model."""
    data: list[EventRow] = [
        (f"e{i}", s, t, v, None if a is None else str(a)) for i, (s, t, v, a) in enumerate(rows)
    ]
    with tempfile.TemporaryDirectory() as home:
        lake_settings = load_settings(home=Path(home))
        store = Store(lake_settings.resolved_database_url)
        try:
            land(lake_settings, store, append(EVENTS, events(data[:split])))
            land(lake_settings, store, append(EVENTS, events(data[split:])))
            result = assert_engines_agree(
                service_month_summary,
                {"events": EVENTS.name},
                settings=lake_settings,
                store=store,
            )
        finally:
            store.dispose()
    model: dict[tuple[str | None, dt.datetime], list[Decimal | None]] = defaultdict(list)
    for s, t, _v, a in rows:
        utc = t.astimezone(dt.UTC)
        model[(s, dt.datetime(utc.year, utc.month, 1))].append(a)
    got = {(r["service"], r["month"]): (r["events"], r["amount"]) for r in result.to_pylist()}
    assert got == {
        key: (
            len(amounts),
            sum((a for a in amounts if a is not None), Decimal(0))
            if any(a is not None for a in amounts)
            else None,
        )
        for key, amounts in model.items()
    }


def _one(column: str, value: object, type_: pa.DataType | None = None) -> pa.Table:
    return pa.table({"k": pa.array([1]), column: pa.array([value], type_)})


def test_tampered_result_names_row_and_column(settings: Settings, store: Store) -> None:
    """Changing one cell of a real answer makes compare name the row and the column."""
    _land_summary_lake(settings, store)
    result = run_on_engine(
        service_month_summary,
        {"events": EVENTS.name},
        settings=settings,
        store=store,
        engine="duckdb",
    )
    compare(result, result, names=("duckdb", "copy"))  # identical: no error
    rows = result.to_pylist()
    target = next(i for i, r in enumerate(rows) if r["service"] == "web")
    rows[target]["amount"] += Decimal("0.000001")
    tampered = pa.Table.from_pylist(rows, schema=result.schema)
    web_index = [r[0] for r in normalise(result)].index("web")
    with pytest.raises(
        EnginesDisagree,
        match=rf"row {web_index} column 'amount': "
        r"duckdb=Decimal\('3.75'\) copy=Decimal\('3.750001'\)",
    ):
        compare(result, tampered, names=("duckdb", "copy"))


def test_floats_within_rel_tol_pass_and_beyond_fail() -> None:
    """Floats may differ by rel_tol (default 1e-12); more is a disagreement."""
    names = ("a", "b")
    compare(_one("x", 1.0), _one("x", 1.0 + 1e-13), names=names)
    with pytest.raises(EnginesDisagree, match="column 'x'"):
        compare(_one("x", 1.0), _one("x", 1.0 + 1e-9), names=names)
    compare(_one("x", 1.0), _one("x", 1.0 + 1e-9), names=names, rel_tol=1e-6)
    with pytest.raises(EnginesDisagree, match="column 'x'"):
        compare(_one("x", 1e-300), _one("x", 2e-300), names=names)  # no absolute slack
    compare(_one("x", float("nan")), _one("x", float("nan")), names=names)
    with pytest.raises(EnginesDisagree, match=r"column 'x': a=None b=0\.0"):
        compare(_one("x", None, pa.float64()), _one("x", 0.0), names=names)


def test_non_floats_are_compared_exactly() -> None:
    """Decimals (scale aside), integers, strings and timestamps must be equal."""
    names = ("a", "b")
    compare(_one("d", Decimal("1.50")), _one("d", Decimal("1.5")), names=names)
    with pytest.raises(EnginesDisagree, match="column 'd'"):
        compare(_one("d", Decimal("0.000001")), _one("d", Decimal("0.000002")), names=names)
    with pytest.raises(EnginesDisagree, match="column 'n'"):
        compare(_one("n", 2**53), _one("n", 2**53 + 1), names=names)
    with pytest.raises(EnginesDisagree, match="column 's'"):
        compare(_one("s", "a"), _one("s", "A"), names=names)
    aware = dt.datetime(2024, 1, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    compare(_one("t", aware), _one("t", dt.datetime(2024, 1, 1)), names=names)
    with pytest.raises(EnginesDisagree, match="column 't'"):
        compare(
            _one("t", dt.datetime(2024, 1, 1)),
            _one("t", dt.datetime(2024, 1, 1, 0, 0, 0, 1)),
            names=names,
        )


def test_row_order_is_irrelevant_but_shape_matters() -> None:
    """Rows are compared as sorted multisets; different columns or row counts disagree."""
    left = pa.table({"k": ["b", "a", None], "v": [2, 1, 0]})
    right = pa.table({"k": ["a", None, "b"], "v": [1, 0, 2]})
    compare(left, right, names=("l", "r"))
    with pytest.raises(EnginesDisagree, match="columns differ"):
        compare(left, right.rename_columns(["k", "w"]), names=("l", "r"))
    with pytest.raises(EnginesDisagree, match="row counts differ: l=3 r=2"):
        compare(left, right.slice(0, 2), names=("l", "r"))
    with pytest.raises(EnginesDisagree, match="row counts differ"):
        compare(left, pa.concat_tables([left, left.slice(0, 1)]), names=("l", "r"))
