"""Questionnaire answers that may satisfy maturity rules marked ``answerable``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leadline.store.base import Base, UTCDateTime, utcnow


class MaturityAnswer(Base):
    """A person's answer to one rule's question: met or not, with a note and a date."""

    __tablename__ = "maturity_answer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(200), unique=True)
    answer: Mapped[bool] = mapped_column(Boolean)
    answered_by: Mapped[str | None] = mapped_column(String(253))
    answered_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
