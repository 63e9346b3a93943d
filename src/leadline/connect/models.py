"""Connections, their runs and their cursors in the store.

A connection names a kind (``github``...), its options (organisation, base URL...) and only
*references* to its secret (``token_env``: an environment variable; ``token_file``: a file):
the store never holds a token. A cursor is how far one stream of a connection has been pulled
(``acme/api:deployments``); it is written in the same transaction as the batch it covers
(connect.sync), so a sync killed at any point resumes without missing or doubling a fact.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadline.store.base import Base, JSONType, UTCDateTime, utcnow


class Connection(Base):
    """One configured connection: ``leadline connect add KIND NAME [options]``."""

    __tablename__ = "connections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    # the kind's options (org, repos, base_url, jql...); never a secret
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    token_env: Mapped[str | None] = mapped_column(String(256), nullable=True)
    token_file: Mapped[str | None] = mapped_column(Text, nullable=True)
    schedule: Mapped[str | None] = mapped_column(String(128), nullable=True)  # cron text
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConnectionRun(Base):
    """One sync of one connection: when, how it ended, what it landed and cost, what failed.

    ``status``: running | ok | failed | partial (some pulls landed, then one failed; their
    cursors moved, the failed stream's did not). ``next_run``: when the scheduler (or its
    back-off after failures) will run the connection again."""

    __tablename__ = "connection_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    trigger: Mapped[str] = mapped_column(String(16), default="cli")  # cli | schedule | api
    facts_landed: Mapped[int] = mapped_column(Integer, default=0)  # rows accepted by batches
    batches: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)  # HTTP requests made
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_run: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ConnectorCursor(Base):
    """How far one stream of a connection has been pulled (JSON: the kind decides its shape,
    e.g. ``{"since": "2026-03-01T00:00:00Z", "etag": "W/\\"abc\\""}``)."""

    __tablename__ = "connector_cursors"
    __table_args__ = (UniqueConstraint("connection_id", "stream"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    stream: Mapped[str] = mapped_column(String(512))
    cursor: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
