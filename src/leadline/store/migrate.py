"""Alembic migrations, run from code: every process that opens the store upgrades it first."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from leadline.locks import file_lock

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Arbitrary constant: serialises concurrent upgrades of one PostgreSQL database.
_PG_LOCK_KEY = 7_455_810_221


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; a no-op (one cheap query) when already there.

    Concurrent first openings are serialised: an advisory lock on PostgreSQL, a file lock
    beside the database file on SQLite; whoever waits finds the work done.
    """
    if _at_head(engine, revision):
        return
    with _sqlite_file_lock(engine):
        if _at_head(engine, revision):
            return
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY}
                )
            command.upgrade(alembic_config(connection), revision)


def enable_wal(engine: Engine) -> None:
    """SQLite write-ahead logging (readers never block the writer). The mode is stored in the
    file; switching it can fail at once on a new file another process is creating, so it is
    done under the same lock as migrations."""
    with _sqlite_file_lock(engine), engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA journal_mode=WAL")


def _at_head(engine: Engine, revision: str) -> bool:
    with engine.connect() as probe:
        return revision == "head" and current_revisions(probe) == head_revisions()


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    path = Path(database)
    with file_lock(path.parent, f".{path.name}.migrate.lock"):
        yield


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def new_revision(message: str) -> None:
    """Developer helper: autogenerate a migration against a scratch SQLite at head.

    Run ``python -m leadline.store.migrate "message"`` and review the file it writes.
    """
    import tempfile

    from sqlalchemy import create_engine

    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{scratch}/scratch.db")
        upgrade(engine)
        with engine.begin() as connection:
            command.revision(alembic_config(connection), message=message, autogenerate=True)
        engine.dispose()


if __name__ == "__main__":  # pragma: no cover - developer tool
    import sys

    new_revision(" ".join(sys.argv[1:]) or "change")
