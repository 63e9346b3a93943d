"""Catalog entities: the spine every metric groups by.

References between entities are kept by name, as Backstage does, so a catalog may be imported in
any order and in parts; ``leadline catalog check`` reports references that point nowhere.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadline.store.base import Base, JSONType, UTCDateTime, utcnow


class EntityMixin:
    """Columns every named catalog entity has."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(253), unique=True)
    title: Mapped[str | None] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text)
    # Metadata leadline does not model (annotations, labels, tags, links, other spec fields),
    # kept so an export gives back what was imported.
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Organisation(EntityMixin, Base):
    __tablename__ = "organisation"


class BusinessUnit(EntityMixin, Base):
    __tablename__ = "business_unit"
    organisation: Mapped[str | None] = mapped_column(String(253))


class ValueStream(EntityMixin, Base):
    __tablename__ = "value_stream"
    business_unit: Mapped[str | None] = mapped_column(String(253))


class Team(EntityMixin, Base):
    __tablename__ = "team"
    team_type: Mapped[str | None] = mapped_column(String(32))
    cognitive_load: Mapped[float | None] = mapped_column(Float)
    business_unit: Mapped[str | None] = mapped_column(String(253))
    value_stream: Mapped[str | None] = mapped_column(String(253))
    parent: Mapped[str | None] = mapped_column(String(253))
    email: Mapped[str | None] = mapped_column(String(320))


class TeamInteraction(Base):
    __tablename__ = "team_interaction"
    __table_args__ = (UniqueConstraint("team", "other_team", "mode", "started_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team: Mapped[str] = mapped_column(String(253), index=True)
    other_team: Mapped[str] = mapped_column(String(253), index=True)
    mode: Mapped[str] = mapped_column(String(32))
    started_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    purpose: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))


class Domain(EntityMixin, Base):
    __tablename__ = "domain"
    owner: Mapped[str | None] = mapped_column(String(253))
    parent: Mapped[str | None] = mapped_column(String(253))


class System(EntityMixin, Base):
    __tablename__ = "system"
    owner: Mapped[str | None] = mapped_column(String(253))
    domain: Mapped[str | None] = mapped_column(String(253))


class Service(EntityMixin, Base):
    """A Backstage Component: a service, website, library or other deployable unit."""

    __tablename__ = "service"
    component_type: Mapped[str | None] = mapped_column(String(64))
    lifecycle: Mapped[str | None] = mapped_column(String(64))
    owner: Mapped[str | None] = mapped_column(String(253))  # entity ref as written
    owner_team: Mapped[str | None] = mapped_column(String(253), index=True)  # resolved team
    system: Mapped[str | None] = mapped_column(String(253))
    value_stream: Mapped[str | None] = mapped_column(String(253), index=True)
    tier: Mapped[str | None] = mapped_column(String(32))


class Resource(EntityMixin, Base):
    __tablename__ = "resource"
    resource_type: Mapped[str | None] = mapped_column(String(64))
    owner: Mapped[str | None] = mapped_column(String(253))
    system: Mapped[str | None] = mapped_column(String(253))


class Api(EntityMixin, Base):
    __tablename__ = "api"
    api_type: Mapped[str | None] = mapped_column(String(64))
    lifecycle: Mapped[str | None] = mapped_column(String(64))
    owner: Mapped[str | None] = mapped_column(String(253))
    system: Mapped[str | None] = mapped_column(String(253))


class Person(EntityMixin, Base):
    __tablename__ = "person"
    email: Mapped[str | None] = mapped_column(String(320))
    team: Mapped[str | None] = mapped_column(String(253), index=True)  # primary team
    member_of: Mapped[list[str]] = mapped_column(JSONType, default=list)
    role: Mapped[str | None] = mapped_column(String(128))
    skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
