"""Declarative base and column types shared by every pillar's models."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, String, Text, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase

# Deterministic constraint names, so Alembic migrations are reproducible on every back-end.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the back-end keeps.

    SQLite has no time zones; storing naive UTC and re-attaching UTC on the way out keeps
    comparisons and ISO output identical on SQLite and PostgreSQL.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone first")
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


NUL_STAND_IN = "\ufffd"


def without_nul(value: Any) -> Any:
    """``value`` with every NUL in its strings (keys too) replaced by U+FFFD. PostgreSQL holds no
    NUL in text or JSONB, and rejects keep the hostile record that was refused (issue 16: a NUL
    in a delivery failed its whole batch there)."""
    if isinstance(value, str):
        return value.replace("\x00", NUL_STAND_IN) if "\x00" in value else value
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_nul(v) for v in value]
    return value


class JSONType(TypeDecorator[Any]):
    """JSON everywhere, JSONB on PostgreSQL (where a NUL becomes U+FFFD)."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return without_nul(value) if dialect.name == "postgresql" else value


class InputString(TypeDecorator[str]):
    """Text that may quote a hostile input (a delivery id; ``InputText`` for a reject's value
    and reason): a NUL becomes U+FFFD on PostgreSQL, which holds none."""

    impl: Any = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return without_nul(value) if dialect.name == "postgresql" else value


class InputText(InputString):
    """``InputString`` without a length (TEXT)."""

    impl = Text
    cache_ok = True


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
