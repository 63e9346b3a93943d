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
