"""The capability map and the roadmap in the store.

A capability names the value streams, services and teams behind it and how strongly it serves
each strategy outcome; an initiative is a roadmap item with its links, budget and
value-realisation KPIs. Both are named (``metadata.name``) so a corrected file re-imported
corrects them in place; links are kept by name, because the catalog or the OKRs may arrive later.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leadline.store.base import Base, JSONType, UTCDateTime, utcnow


class Capability(Base):
    """A business capability (what the business does, not how), in a parent hierarchy."""

    __tablename__ = "capability"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(253), unique=True)
    title: Mapped[str | None] = mapped_column(String(512))
    parent: Mapped[str | None] = mapped_column(String(253))
    description: Mapped[str | None] = mapped_column(Text)
    value_streams: Mapped[list[str]] = mapped_column(JSONType, default=list)
    services: Mapped[list[str]] = mapped_column(JSONType, default=list)
    teams: Mapped[list[str]] = mapped_column(JSONType, default=list)
    alignment: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # {outcome, strength}
    document: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoadmapInitiative(Base):
    """A roadmap item: quarters (or a horizon), links, budget and value-realisation KPIs."""

    __tablename__ = "roadmap_initiative"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(253), unique=True)
    title: Mapped[str | None] = mapped_column(String(512))
    owner: Mapped[str | None] = mapped_column(String(253))
    start_quarter: Mapped[str | None] = mapped_column(String(6))  # YYYYQN
    end_quarter: Mapped[str | None] = mapped_column(String(6))
    horizon: Mapped[str | None] = mapped_column(String(8))  # now | next | later, when undated
    outcomes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    objectives: Mapped[list[str]] = mapped_column(JSONType, default=list)
    capabilities: Mapped[list[str]] = mapped_column(JSONType, default=list)
    value_streams: Mapped[list[str]] = mapped_column(JSONType, default=list)
    lighthouse: Mapped[bool] = mapped_column(Boolean, default=False)
    budget: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    kpis: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    document: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
