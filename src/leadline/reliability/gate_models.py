"""Deploy-gate records in the store: every decision ``leadline slo gate`` (or the API) took,
and the overrides people granted, so "why could we (not) deploy on Tuesday?" has an answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leadline.store.base import Base, JSONType, UTCDateTime


class GateRecord(Base):
    """One row per gate decision (``kind`` decision: allow, freeze or overridden) or override
    granted (``kind`` override, with its reason and when it expires). ``at`` is when it was
    taken; ``evaluated_at`` the instant the SLOs were judged at (``--at``)."""

    __tablename__ = "slo_gate_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # decision | override
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    evaluated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    service: Mapped[str] = mapped_column(String(253), index=True)
    decision: Mapped[str] = mapped_column(String(16))  # allow | freeze | overridden | override
    reasons: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    actor: Mapped[str] = mapped_column(String(256))
    via: Mapped[str] = mapped_column(String(16))  # cli | api
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # an override's reason
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
