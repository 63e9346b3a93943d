"""The vendor register in the store: vendors (with the names they bill under) and their
contracts (term, renewal and notice, committed spend, SLA references)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leadline.store.base import Base, JSONType, UTCDateTime, utcnow


class Vendor(Base):
    """A supplier; ``aliases`` are the names it appears under in cost data (FOCUS
    ProviderName, PublisherName, InvoiceIssuerName; the ledger's vendor column)."""

    __tablename__ = "finops_vendor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(253), unique=True)
    aliases: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    owner: Mapped[str | None] = mapped_column(String(253))
    category: Mapped[str | None] = mapped_column(String(253))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Contract(Base):
    """A contract with a vendor over ``[start, end]`` (both days included); ``committed`` is
    per year (``period = annual``) or for the whole term (``total``)."""

    __tablename__ = "finops_contract"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(253), unique=True)
    vendor: Mapped[str] = mapped_column(String(253), index=True)
    owner: Mapped[str | None] = mapped_column(String(253))
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date] = mapped_column(Date)
    renewal_date: Mapped[dt.date | None] = mapped_column(Date)
    notice_days: Mapped[int] = mapped_column(Integer, default=0)
    committed: Mapped[Decimal | None] = mapped_column(Numeric(28, 6))
    currency: Mapped[str] = mapped_column(String(3))
    period: Mapped[str] = mapped_column(String(8))  # annual | total
    sla_refs: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
