"""Merging by version and per-column rules: the result is the same whatever order, batching or
repetition the observations arrive in (the property webhook deliveries need)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from leadline.config import Settings, load_settings
from leadline.lake.tables import FactTable, register_table
from leadline.lake.writer import resolve_observations
from leadline.store import Store
from tests.lake.tables import land, merge, read

UTC = dt.UTC
VERSIONED = register_table(
    FactTable(
        "lake_test_versioned",
        pa.schema(
            [
                ("item", pa.string()),
                ("at", pa.timestamp("us", tz="UTC")),
                ("status", pa.string()),
                ("note", pa.string()),
                ("first_seen", pa.timestamp("us", tz="UTC")),
                ("peak", pa.int64()),
                ("updated", pa.timestamp("us", tz="UTC")),
            ]
        ),
        "at",
        key=("item",),
        version="updated",
        rules={"note": "max", "first_seen": "min", "peak": "max"},
    )
)
T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)


def _rows(observations: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(observations, schema=VERSIONED.schema)


def _model(observations: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    """The rules applied directly: per item, newest version's status/at; the largest note
    (a constant-per-key value some observations lack); earliest first_seen; largest peak."""
    out: dict[str, tuple[Any, ...]] = {}
    for item in {o["item"] for o in observations}:
        mine = sorted((o for o in observations if o["item"] == item), key=lambda o: o["updated"])
        notes = [o["note"] for o in mine if o["note"] is not None]
        seen = [o["first_seen"] for o in mine if o["first_seen"] is not None]
        peaks = [o["peak"] for o in mine if o["peak"] is not None]
        out[item] = (
            mine[-1]["at"],
            mine[-1]["status"],
            max(notes) if notes else None,
            min(seen) if seen else None,
            max(peaks) if peaks else None,
        )
    return out


def test_resolution_by_hand() -> None:
    """Hand-worked: a late 'pending' never overrides a newer 'success'; the note (max) survives
    a later null; first_seen keeps the earliest; peak the largest."""
    obs = [
        {
            "item": "d1",
            "at": T0,
            "status": "pending",
            "note": "created",
            "first_seen": T0,
            "peak": 1,
            "updated": T0,
        },
        {
            "item": "d1",
            "at": T0 + dt.timedelta(hours=2),
            "status": "success",
            "note": None,
            "first_seen": T0 + dt.timedelta(hours=1),
            "peak": 5,
            "updated": T0 + dt.timedelta(hours=2),
        },
        {
            "item": "d1",
            "at": T0 + dt.timedelta(hours=1),
            "status": "in_progress",
            "note": None,
            "first_seen": None,
            "peak": 3,
            "updated": T0 + dt.timedelta(hours=1),
        },  # arrives last
    ]
    resolved = resolve_observations(
        VERSIONED, _rows(obs).append_column("_batch_id", pa.array([1, 2, 3], pa.int64()))
    )
    (row,) = resolved.to_pylist()
    assert row["status"] == "success"
    assert row["at"] == T0 + dt.timedelta(hours=2)
    assert row["note"] == "created"
    assert row["first_seen"] == T0
    assert row["peak"] == 5
    assert row["_batch_id"] == 2  # the batch of the newest observation


observation = st.fixed_dictionaries(
    {
        "item": st.sampled_from(["a", "b", "c"]),
        "at": st.integers(0, 90).map(lambda d: T0 + dt.timedelta(days=d)),
        "status": st.sampled_from(["pending", "success", "failure"]),
        "note": st.none() | st.sampled_from(["x", "y"]),
        "first_seen": st.none() | st.integers(0, 90).map(lambda d: T0 + dt.timedelta(days=d)),
        "peak": st.none() | st.integers(0, 9),
    }
)


@hsettings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(observation, min_size=1, max_size=12),
    st.randoms(use_true_random=False),
    st.integers(1, 4),
)
def test_any_order_and_batching_gives_the_model(
    tmp_path_factory: Any, observations: list[dict[str, Any]], rng: Any, batches: int
) -> None:
    """Observations with distinct versions, delivered shuffled, split into batches and partly
    repeated, always resolve to the rules applied directly."""
    for index, obs in enumerate(observations):
        obs["updated"] = T0 + dt.timedelta(seconds=index)  # distinct versions
    deliveries = observations + rng.sample(observations, len(observations) // 2)  # repeats
    rng.shuffle(deliveries)
    home: Path = tmp_path_factory.mktemp("home")
    settings: Settings = load_settings(home=home)
    store = Store(settings.resolved_database_url)
    size = -(-len(deliveries) // batches)
    for start in range(0, len(deliveries), size):
        land(settings, store, merge(VERSIONED, _rows(deliveries[start : start + size])))
    got = {
        r["item"]: (r["at"], r["status"], r["note"], r["first_seen"], r["peak"])
        for r in read(settings, store, VERSIONED)
    }
    store.dispose()
    naive = {
        k: tuple(v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v for v in vals)
        for k, vals in _model(observations).items()
    }
    assert got == naive
