"""Provenance of every ingest: one batch per file (or file set) and the rows it rejected."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from leadline.store.base import Base, InputString, InputText, JSONType, UTCDateTime


class Batch(Base):
    """One landed (or failed) unit of ingestion; written in the same transaction as its data."""

    __tablename__ = "ingest_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    file_name: Mapped[str] = mapped_column(String(1024))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    # sha256 of (source, content hash, options); unique for landed batches, NULL for failed ones,
    # so the same content with the same options lands once and a failed attempt may be retried.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(16))  # landed | failed
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_accepted: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    rows_warned: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    message: Mapped[str | None] = mapped_column(Text)

    rejects: Mapped[list[Reject]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="Reject.id"
    )


class Reject(Base):
    """A problem found in an input row: ``error`` rows were rejected, ``warning`` rows landed.

    The whole raw record is kept so nothing a user sent is lost.
    """

    __tablename__ = "ingest_reject"
    __table_args__ = (Index("ix_ingest_reject_batch_row", "batch_id", "row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("ingest_batch.id", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(String(1024))
    row: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(256))
    value: Mapped[str | None] = mapped_column(InputText)
    reason: Mapped[str] = mapped_column(InputText)
    severity: Mapped[str] = mapped_column(String(16), default="error")
    record: Mapped[Any] = mapped_column(JSONType, nullable=True)

    batch: Mapped[Batch] = relationship(back_populates="rejects")


class RawEvent(Base):
    """A delivery from a webhook or an event file, kept verbatim before anything is derived
    from it (as Google's Four Keys does), so it can be re-read when parsers improve.

    ``status``: ``normalised`` (facts derived), ``ignored`` (a known event that carries nothing
    leadline measures, e.g. a push to a feature branch), ``unknown`` (an event type no parser
    knows; counted, not fatal), ``rejected`` (a required field is missing; see rejects),
    ``pending`` (received by a webhook, not yet normalised).
    """

    __tablename__ = "raw_event"
    __table_args__ = (UniqueConstraint("source", "delivery_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    delivery_id: Mapped[str] = mapped_column(InputString(128))
    event_type: Mapped[str | None] = mapped_column(String(128), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    headers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    payload: Mapped[Any] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("ingest_batch.id", ondelete="SET NULL"), index=True
    )
