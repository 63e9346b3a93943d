"""SLO specifications in the store: the normalised form metrics use, and the source documents.

An SLO belongs to a catalog service. Its indicator is either a ratio (good and total, or bad and
total, queries) or a threshold on a metric (e.g. a latency histogram's bucket under X against its
count); its window is rolling (e.g. 28 days) or calendar (month, quarter); its budget counts
events (occurrences) or time slices. The OpenSLO or Sloth document it came from is kept in
``document`` so an export gives it back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadline.store.base import Base, JSONType, UTCDateTime, utcnow


class Slo(Base):
    __tablename__ = "slo"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(253), unique=True)
    service: Mapped[str] = mapped_column(String(253), index=True)
    display_name: Mapped[str | None] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text)
    objective: Mapped[float] = mapped_column(Float)  # target, 0 < objective < 1
    window_kind: Mapped[str] = mapped_column(String(16))  # rolling | calendar
    window_days: Mapped[int | None] = mapped_column(Integer)  # rolling windows
    calendar_unit: Mapped[str | None] = mapped_column(String(16))  # week | month | quarter | year
    budgeting: Mapped[str] = mapped_column(String(16))  # occurrences | timeslices
    timeslice_target: Mapped[float | None] = mapped_column(Float)
    timeslice_seconds: Mapped[int | None] = mapped_column(Integer)
    sli_kind: Mapped[str] = mapped_column(String(16))  # ratio | threshold
    # How to fetch good/total (queries per data source), in a normalised shape:
    # {"datasource": name, "good": q, "bad": q, "total": q} or {"metric": q, "threshold": x, ...}
    indicator: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    alerting: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # burn-rate rules
    document: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # as imported
    source_format: Mapped[str | None] = mapped_column(String(32))  # openslo/v1 | sloth/v1
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SloDocument(Base):
    """Other OpenSLO documents (SLI, DataSource, AlertPolicy, AlertCondition, ...), kept whole
    so SLOs can refer to them by name and an export gives them back."""

    __tablename__ = "slo_document"
    __table_args__ = (UniqueConstraint("kind", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(253))
    document: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SliWatermark(Base):
    """How far each SLO's SLI series has been pulled from its data source."""

    __tablename__ = "sli_watermark"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slo: Mapped[str] = mapped_column(String(253), unique=True)
    pulled_until: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
