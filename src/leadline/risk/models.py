"""Governance, security and risk entities in the store.

References to catalog entities (services, teams, business units) and to framework nodes (CSF
subcategories, COBIT objectives) are kept by id or name, as the catalog does, so files import in
any order; ingest validates framework ids against the libraries and warns about unknown names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from leadline.store.base import Base, JSONType, UTCDateTime, utcnow

NAME = 253


class _Stamped:
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Framework(_Stamped, Base):
    """A framework imported into the store (NIST's export, an organisation's policy set)."""

    __tablename__ = "risk_framework"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(String(512))
    version: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(32))  # nist-oscal | library
    levels: Mapped[list[str]] = mapped_column(JSONType, default=list)
    scale: Mapped[list[str]] = mapped_column(JSONType, default=list)


class FrameworkNode(Base):
    __tablename__ = "risk_framework_node"
    __table_args__ = (UniqueConstraint("framework_id", "node_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("risk_framework.id", ondelete="CASCADE"), index=True
    )
    node_id: Mapped[str] = mapped_column(String(128))
    level: Mapped[str] = mapped_column(String(64))
    parent: Mapped[str | None] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(512))
    summary: Mapped[str | None] = mapped_column(Text)
    statement: Mapped[str | None] = mapped_column(Text)  # the publisher's own text, if imported
    kind: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)


class Risk(_Stamped, Base):
    """One entry of the joint CIO/CISO risk register."""

    __tablename__ = "risk"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(NAME))
    category: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    csf: Mapped[list[str]] = mapped_column(JSONType, default=list)
    cobit: Mapped[list[str]] = mapped_column(JSONType, default=list)
    services: Mapped[list[str]] = mapped_column(JSONType, default=list)
    teams: Mapped[list[str]] = mapped_column(JSONType, default=list)
    likelihood: Mapped[int] = mapped_column(Integer)
    impact: Mapped[int] = mapped_column(Integer)
    residual_likelihood: Mapped[int] = mapped_column(Integer)
    residual_impact: Mapped[int] = mapped_column(Integer)
    treatment: Mapped[str] = mapped_column(String(16))  # mitigate | accept | transfer | avoid
    # [{"action", "owner", "due_on", "status"}]
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    review_every_days: Mapped[int | None] = mapped_column(Integer)
    identified_on: Mapped[dt.date] = mapped_column(Date)
    last_reviewed_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Control(_Stamped, Base):
    """A policy control, mapped to CSF subcategories and scoped to services, teams or units."""

    __tablename__ = "risk_control"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(NAME))
    csf: Mapped[list[str]] = mapped_column(JSONType, default=list)
    cobit: Mapped[list[str]] = mapped_column(JSONType, default=list)
    policies: Mapped[list[str]] = mapped_column(JSONType, default=list)  # framework:node refs
    scope_kind: Mapped[str] = mapped_column(String(16))  # all | service | team | business-unit
    scope: Mapped[list[str]] = mapped_column(JSONType, default=list)
    evidence_rule: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Attestation(Base):
    """Someone's statement that a control passes (or fails) for a service, until it expires."""

    __tablename__ = "risk_attestation"
    __table_args__ = (UniqueConstraint("control", "service", "attested_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    control: Mapped[str] = mapped_column(String(64), index=True)
    service: Mapped[str] = mapped_column(String(NAME), index=True)
    result: Mapped[str] = mapped_column(String(8))  # pass | fail
    attested_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date] = mapped_column(Date)
    attested_by: Mapped[str] = mapped_column(String(NAME))
    evidence: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CsfAssessment(_Stamped, Base):
    """One subcategory of a CSF organisational profile as assessed on a date (current and
    target); the dated rows are the profile's history."""

    __tablename__ = "csf_assessment"
    __table_args__ = (UniqueConstraint("profile", "subcategory", "assessed_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile: Mapped[str] = mapped_column(String(NAME), index=True)
    business_unit: Mapped[str | None] = mapped_column(String(NAME))
    subcategory: Mapped[str] = mapped_column(String(16))
    current_status: Mapped[str] = mapped_column(String(32))
    current_tier: Mapped[int] = mapped_column(Integer)
    target_status: Mapped[str] = mapped_column(String(32))
    target_tier: Mapped[int] = mapped_column(Integer)
    owner: Mapped[str | None] = mapped_column(String(NAME))
    evidence: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    assessed_on: Mapped[dt.date] = mapped_column(Date)


class ZeroTrustAssessment(_Stamped, Base):
    """A CISA ZTMM pillar, capability or function's stage on a date (1 Traditional .. 4 Optimal)."""

    __tablename__ = "zero_trust_assessment"
    __table_args__ = (UniqueConstraint("assessment", "node", "assessed_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment: Mapped[str] = mapped_column(String(NAME), index=True)
    business_unit: Mapped[str | None] = mapped_column(String(NAME))
    node: Mapped[str] = mapped_column(String(128))
    current_stage: Mapped[int] = mapped_column(Integer)
    target_stage: Mapped[int | None] = mapped_column(Integer)
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    assessor: Mapped[str | None] = mapped_column(String(NAME))
    evidence: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)


class AiSystem(_Stamped, Base):
    """A model or AI service in the AI/ML register (NIST AI RMF functions as columns)."""

    __tablename__ = "ai_system"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(512))
    kind: Mapped[str] = mapped_column(String(16))  # model | service
    owner: Mapped[str] = mapped_column(String(NAME))
    business_use: Mapped[str] = mapped_column(Text)
    risk_tier: Mapped[str] = mapped_column(String(16))
    data_sources: Mapped[list[str]] = mapped_column(JSONType, default=list)
    services: Mapped[list[str]] = mapped_column(JSONType, default=list)
    approval_state: Mapped[str] = mapped_column(String(16))
    last_evaluated_on: Mapped[dt.date | None] = mapped_column(Date)
    evaluation_every_days: Mapped[int | None] = mapped_column(Integer)
    monitoring_status: Mapped[str] = mapped_column(String(16))
    rmf: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)  # function -> status
