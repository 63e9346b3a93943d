"""Change and transformation in the store: initiatives (Kotter stage), ADKAR assessments per
stakeholder group, transformation metrics over time, and the innovation pipeline's ideas."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadline.store.base import Base, JSONType, UTCDateTime, utcnow


class ChangeInitiative(Base):
    __tablename__ = "change_initiative"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(253), unique=True)
    title: Mapped[str | None] = mapped_column(String(512))
    sponsor: Mapped[str | None] = mapped_column(String(253))
    kotter_stage: Mapped[int] = mapped_column(Integer)  # 1..8
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    document: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AdkarAssessment(Base):
    """One stakeholder group's ADKAR scores (1-5 each) on a date."""

    __tablename__ = "adkar_assessment"
    __table_args__ = (UniqueConstraint("initiative_id", "stakeholder_group", "assessed_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("change_initiative.id", ondelete="CASCADE"), index=True
    )
    stakeholder_group: Mapped[str] = mapped_column(String(253))
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    awareness: Mapped[int] = mapped_column(Integer)
    desire: Mapped[int] = mapped_column(Integer)
    knowledge: Mapped[int] = mapped_column(Integer)
    ability: Mapped[int] = mapped_column(Integer)
    reinforcement: Mapped[int] = mapped_column(Integer)


class ChangeMetric(Base):
    """Transformation metrics of an initiative measured on a date (each optional)."""

    __tablename__ = "change_metric"
    __table_args__ = (UniqueConstraint("initiative_id", "measured_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("change_initiative.id", ondelete="CASCADE"), index=True
    )
    measured_on: Mapped[dt.date] = mapped_column(Date)
    adoption_rate: Mapped[float | None] = mapped_column(Float)  # 0..1
    satisfaction: Mapped[float | None] = mapped_column(Float)  # as surveyed, e.g. 1..5
    process_efficiency: Mapped[float | None] = mapped_column(Float)  # improvement, 0.2 = 20%
    roi_realisation: Mapped[float | None] = mapped_column(Float)  # realised / planned benefit


class Idea(Base):
    """An innovation-pipeline entry: idea -> pilot -> proof-of-concept -> scale, or stopped."""

    __tablename__ = "innovation_idea"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(253), unique=True)
    title: Mapped[str | None] = mapped_column(String(512))
    stage: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str | None] = mapped_column(String(253))
    budget: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    outcome: Mapped[str | None] = mapped_column(Text)
    gates: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
