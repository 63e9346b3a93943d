"""A merge into a table whose key holds its time column runs month by month, and a batch of new,
distinct keys skips resolving: both must write exactly what resolving the whole batch at once
writes (the same rows, in the same order, in the same month files)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from leadline.config import Settings, load_settings
from leadline.lake.tables import FactTable, register_table
from leadline.lake.writer import conform, month_of, resolve_observations
from leadline.store import Store
from tests.lake.tables import at, land, listed, merge

TS = pa.timestamp("us", tz="UTC")
SAMPLES = register_table(
    FactTable(
        "lake_test_samples",
        pa.schema(
            [
                pa.field("probe", pa.string()),
                pa.field("taken_at", TS, nullable=False),
                pa.field("value", pa.float64()),
                pa.field("seen", TS),
            ]
        ),
        time_column="taken_at",
        key=("probe", "taken_at"),
        version="seen",
    )
)
MOMENTS = [
    at("2024-01-31T23:59:59Z"),
    at("2024-02-01T00:00:00Z"),
    at("2024-02-29T23:59:59.999999Z"),
    at("2024-03-01T00:00:00Z"),
    at("2024-03-31T23:00:00-02:00"),  # April in UTC
]
SEEN = [None, at("2024-05-01T00:00:00Z"), at("2024-06-01T00:00:00Z")]
ROW = st.tuples(
    st.sampled_from(["p1", "p2", None]),
    st.sampled_from(MOMENTS),
    st.integers(0, 9),
    st.sampled_from(SEEN),
)


def samples(rows: list[tuple[Any, ...]]) -> pa.Table:
    return pa.table(
        {
            "probe": pa.array([r[0] for r in rows], pa.string()),
            "taken_at": pa.array([r[1] for r in rows], TS),
            "value": pa.array([float(r[2]) for r in rows], pa.float64()),
            "seen": pa.array([r[3] for r in rows], TS),
        }
    )


def files_by_month(settings: Settings, store: Store) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for f in listed(store, SAMPLES):
        out.setdefault(f.partition, []).extend(
            pq.read_table(settings.lake_path / f.path).to_pylist()
        )
    return out


def _content(row: dict[str, Any]) -> str:
    return repr((row["probe"], row["taken_at"], row["value"], row["seen"]))


def expected_by_month(data: pa.Table, batch_id: int) -> dict[str, list[dict[str, Any]]]:
    """The whole batch resolved at once, then split by month keeping the order."""
    resolved = resolve_observations(SAMPLES, conform(SAMPLES, data, batch_id))
    months = month_of(resolved.column("taken_at")).to_pylist()
    out: dict[str, list[dict[str, Any]]] = {}
    for month, row in zip(months, resolved.to_pylist(), strict=True):
        out.setdefault(month, []).append(row)
    return out


def test_distinct_keys_out_of_month_order_land_as_one_file_per_month(
    settings: Settings, store: Store
) -> None:
    """Rows arriving March, January, March, February: one file per month, each in arrival
    order; the versions are ordered (missing first) as resolving would order them."""
    rows = [
        ("p1", MOMENTS[3], 1, SEEN[2]),
        ("p1", MOMENTS[0], 2, None),
        ("p2", MOMENTS[3], 3, SEEN[1]),
        ("p1", MOMENTS[1], 4, None),
    ]
    batch = land(settings, store, merge(SAMPLES, samples(rows)))
    got = files_by_month(settings, store)
    assert {m: [r["value"] for r in part] for m, part in got.items()} == {
        "2024-01": [2.0],
        "2024-02": [4.0],
        "2024-03": [3.0, 1.0],  # seen in May before seen in June
    }
    assert got == expected_by_month(samples(rows), batch)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=st.lists(ROW, max_size=8), second=st.lists(ROW, min_size=1, max_size=8))
def test_month_by_month_merge_writes_what_one_resolution_writes(
    first: list[tuple[Any, ...]], second: list[tuple[Any, ...]]
) -> None:
    """Into an empty lake, any batch (duplicates, null keys, months out of order, missing
    versions) lands exactly as the whole batch resolved at once; a second batch leaves the
    rows that resolving both batches' observations together gives."""
    with tempfile.TemporaryDirectory() as home:
        lake_settings = load_settings(home=Path(home))
        store = Store(lake_settings.resolved_database_url)
        try:
            if first:
                batch = land(lake_settings, store, merge(SAMPLES, samples(first)))
                got = files_by_month(lake_settings, store)
                assert got == expected_by_month(samples(first), batch)
            land(lake_settings, store, merge(SAMPLES, samples(second)))
            both = pa.concat_tables([samples(first), samples(second)])
            expected = resolve_observations(SAMPLES, both).to_pylist()
            stored = [r for part in files_by_month(lake_settings, store).values() for r in part]

            assert sorted(map(_content, stored)) == sorted(map(_content, expected))
        finally:
            store.dispose()
