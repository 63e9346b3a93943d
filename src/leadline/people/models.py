"""People entities in the store: each team's needed skills, open roles and training plans (the
skills present come from the catalog's people)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from leadline.store.base import Base, JSONType, UTCDateTime, utcnow


class TeamSkills(Base):
    __tablename__ = "team_skills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team: Mapped[str] = mapped_column(String(253), unique=True)
    needed: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)  # skill -> people
    open_roles: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    training: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    document: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
