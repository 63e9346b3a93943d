"""The store schema comes only from Alembic migrations, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from leadline.ingest.models import Batch
from leadline.store import Store
from leadline.store.migrate import current_revisions, downgrade, head_revisions, upgrade
from leadline.store.registry import metadata


def test_opening_a_store_upgrades_it_to_head(store_url: str) -> None:
    store = Store(store_url)
    with store.engine.connect() as connection:
        assert current_revisions(connection) == head_revisions()
    tables = set(inspect(store.engine).get_table_names())
    assert {"ingest_batch", "ingest_reject", "lake_file", "team", "service"} <= tables
    store.dispose()


def test_migrations_match_the_models(store_url: str) -> None:
    """A model change without a migration fails here (alembic autogenerate finds no diff)."""
    store = Store(store_url)
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    store.dispose()
    assert diff == []


def test_downgrade_to_base_and_upgrade_again(store_url: str) -> None:
    store = Store(store_url)
    downgrade(store.engine, "base")
    assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    upgrade(store.engine)
    assert "team" in inspect(store.engine).get_table_names()
    store.dispose()


def test_opening_twice_is_a_no_op(store_url: str) -> None:
    Store(store_url).dispose()
    Store(store_url).dispose()


def test_timestamps_come_back_as_aware_utc(store_url: str) -> None:
    store = Store(store_url)
    paris = dt.timezone(dt.timedelta(hours=2))
    moment = dt.datetime(2026, 3, 29, 3, 30, tzinfo=paris)
    with store.session() as session:
        session.add(
            Batch(
                source="t",
                file_name="f",
                content_hash="h",
                options={},
                status="landed",
                started_at=moment,
                finished_at=moment,
            )
        )
    with store.session() as session:
        batch = session.scalars(select(Batch)).one()
    assert batch.started_at == moment
    assert batch.started_at.tzinfo is not None
    assert batch.started_at.utcoffset() == dt.timedelta(0)
    store.dispose()


def test_naive_datetimes_are_refused(settings: object) -> None:
    store = Store(f"sqlite:///{settings.resolved_home / 'x.db'}")  # type: ignore[attr-defined]
    naive = dt.datetime(2026, 1, 1)
    with pytest.raises(Exception, match="naive datetime"), store.session() as session:
        session.add(
            Batch(
                source="t",
                file_name="f",
                content_hash="h",
                options={},
                status="landed",
                started_at=naive,
                finished_at=naive,
            )
        )
    store.dispose()


def test_ratio_bound_key_results_move_to_percentage_points(store_url: str) -> None:
    """Migration 0015: a key result and a roadmap KPI bound to a metric that was a ratio keep
    their score once the registry gives the metric in percentage points."""
    from sqlalchemy import text

    store = Store(store_url)
    downgrade(store.engine, "0014_capabilities_roadmap")
    with store.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO okr_objective (id, name, title, quarter, scope_kind, scope, "
                "document, updated_at) VALUES (1, 'o', 'O', '2026Q4', 'team', 't', '{}', "
                ":now)"
            ),
            {"now": dt.datetime(2026, 12, 1, tzinfo=dt.UTC)},
        )
        for kr_id, metric, unit in ((1, "dora.change_failure_rate", "ratio"), (2, "x", None)):
            connection.execute(
                text(
                    "INSERT INTO okr_key_result (id, name, objective_id, title, unit, direction, "
                    "baseline, target, metric, metric_scope, updated_at) VALUES (:id, :name, 1, "
                    "'k', :unit, 'decrease', 0.2, 0.05, :metric, '{}', :now)"
                ),
                {
                    "id": kr_id,
                    "name": f"o/{kr_id}",
                    "unit": unit,
                    "metric": metric,
                    "now": dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
                },
            )
    upgrade(store.engine)
    with store.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, baseline, target, unit FROM okr_key_result ORDER BY id")
        ).all()
    store.dispose()
    assert [tuple(r) for r in rows] == [
        (1, pytest.approx(20.0), pytest.approx(5.0), "%"),
        (2, 0.2, 0.05, None),
    ]
