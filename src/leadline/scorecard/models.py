"""Scorecard entities in the store: entered or imported business outcome metrics and KPI
definition overrides."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadline.store.base import Base, JSONType, UTCDateTime, utcnow


class Outcome(Base):
    """A business outcome metric's value for one scope and period (a quarter ``2026Q4`` or a
    month ``2026-11``), with its target, direction, owner, unit and category."""

    __tablename__ = "scorecard_outcome"
    __table_args__ = (UniqueConstraint("name", "scope_kind", "scope", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(253), index=True)
    scope_kind: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(253))
    period: Mapped[str] = mapped_column(String(7))
    value: Mapped[float] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    direction: Mapped[str] = mapped_column(String(8))
    owner: Mapped[str | None] = mapped_column(String(253))
    unit: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(16))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScorecardKpi(Base):
    """An override of (or addition to) the packaged KPI definitions, by KPI key."""

    __tablename__ = "scorecard_kpi"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
