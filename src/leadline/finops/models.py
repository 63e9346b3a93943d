"""FinOps entities in the store: allocation rule sets (versioned) and budgets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadline.store.base import Base, JSONType, UTCDateTime


class AllocationRuleSet(Base):
    """One version of the allocation rules; the newest version is in force. Old versions stay,
    so a past month's showback can be explained by the rules of the time."""

    __tablename__ = "finops_rule_set"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(253), index=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)
    rules: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))


class Budget(Base):
    """A monthly budget for a scope (team, business unit, value stream, tower or the whole
    organisation), in one currency."""

    __tablename__ = "finops_budget"
    __table_args__ = (UniqueConstraint("scope_kind", "scope", "month", "currency"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope_kind: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(253))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    amount: Mapped[Decimal] = mapped_column(Numeric(28, 6))
    currency: Mapped[str] = mapped_column(String(3))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))
