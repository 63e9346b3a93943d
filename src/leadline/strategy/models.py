"""Strategy entities in the store: the strategy on a page, objectives, key results and their
check-in history, and the 90-day plan with its items.

Objectives and key results are named (``metadata.name`` and ``<objective>/<key result id>``) so
an OKR file can be re-imported to correct them; check-ins are history and are never rewritten.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadline.store.base import Base, JSONType, UTCDateTime, utcnow


class StrategyPage(Base):
    """One strategy on a page: vision, outcomes, bets, guardrails, proof metrics."""

    __tablename__ = "strategy_page"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(253), unique=True)
    title: Mapped[str | None] = mapped_column(String(512))
    period: Mapped[str | None] = mapped_column(String(64))
    vision: Mapped[str] = mapped_column(Text)
    outcomes: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    bets: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    guardrails: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    metrics: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    lighthouse_value_streams: Mapped[list[str]] = mapped_column(JSONType, default=list)
    document: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Objective(Base):
    """An objective of one organisation, business unit or team for one quarter."""

    __tablename__ = "okr_objective"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(253), unique=True)
    title: Mapped[str] = mapped_column(String(512))
    quarter: Mapped[str] = mapped_column(String(6), index=True)  # YYYYQN
    scope_kind: Mapped[str] = mapped_column(String(16))  # organisation | business-unit | team
    scope: Mapped[str] = mapped_column(String(253), index=True)
    owner: Mapped[str | None] = mapped_column(String(253))
    outcome: Mapped[str | None] = mapped_column(String(253))  # a strategy outcome id
    document: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class KeyResult(Base):
    """A measurable key result; ``metric`` binds it to a leadline metric (see bindings)."""

    __tablename__ = "okr_key_result"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)  # objective/kr-id
    objective_id: Mapped[int] = mapped_column(
        ForeignKey("okr_objective.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(512))
    unit: Mapped[str | None] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(16))  # increase | decrease
    baseline: Mapped[float] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    current: Mapped[float | None] = mapped_column(Float)  # manual key results
    confidence: Mapped[float | None] = mapped_column(Float)  # 0..1
    metric: Mapped[str | None] = mapped_column(String(128))
    metric_scope: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class KeyResultCheckin(Base):
    """One check-in: a value and confidence at a time, by someone (or by leadline's metric)."""

    __tablename__ = "okr_checkin"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_result_id: Mapped[int] = mapped_column(
        ForeignKey("okr_key_result.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    value: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(256))
    source: Mapped[str] = mapped_column(String(16))  # checkin | import | metric


class Plan(Base):
    """A 90-day plan seeded from the template, started on a date."""

    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(253), unique=True)
    started_on: Mapped[dt.date] = mapped_column(Date)
    owner: Mapped[str | None] = mapped_column(String(253))
    template_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlanItem(Base):
    """One action of a plan: due ``due_day`` days after the start, with status and evidence."""

    __tablename__ = "plan_item"
    __table_args__ = (UniqueConstraint("plan_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    phase: Mapped[str] = mapped_column(String(16))  # days 0-30 | 31-60 | 61-90
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text)
    due_day: Mapped[int] = mapped_column(Integer)  # offset from the start date
    owner: Mapped[str | None] = mapped_column(String(253))
    status: Mapped[str] = mapped_column(String(16), default="todo")
    evidence: Mapped[str | None] = mapped_column(Text)
    rule: Mapped[str | None] = mapped_column(String(64))  # automatic evidence rule
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
