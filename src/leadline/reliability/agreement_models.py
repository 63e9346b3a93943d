"""The agreements' data: the store model of one SLA or XLA version (ServiceLevelAgreement) and
the pydantic models of its YAML documents, with their parsing into records (parse_document).
:mod:`leadline.reliability.agreements` lands the records and says which agreement applies.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadline.ingest.files import YamlDocument
from leadline.ingest.nulls import NullAsAbsent, null_reason
from leadline.ingest.problems import Problem
from leadline.store.base import Base, JSONType, UTCDateTime, utcnow

SLA, XLA = "sla", "xla"
KINDS = {"ServiceLevelAgreement": SLA, "ExperienceLevelAgreement": XLA}
SCOPES = ("service", "team", "value-stream", "business-unit")  # most specific first
ALWAYS = "1970-01"  # valid_from when a document gives none
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


class ServiceLevelAgreement(Base):
    """One version of an SLA or XLA; ``targets`` is the normalised form reports use."""

    __tablename__ = "service_level_agreement"
    __table_args__ = (UniqueConstraint("kind", "name", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # sla | xla
    name: Mapped[str] = mapped_column(String(253), index=True)
    title: Mapped[str | None] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text)
    scope_kind: Mapped[str] = mapped_column(String(16))  # service | team | value-stream | ...
    scope: Mapped[str] = mapped_column(String(253), index=True)
    valid_from: Mapped[str] = mapped_column(String(7))  # YYYY-MM, inclusive
    valid_until: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM, exclusive
    targets: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    document: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # as ingested
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- the YAML format ----------------------------------------------------------------------


def _seconds(value: Any) -> int:
    """'15m', '4h', '1h30m', '2d' -> seconds. A bare number is refused: minutes or hours?"""
    text = str(value).strip().lower() if isinstance(value, str) else None
    if not text or not re.fullmatch(r"(\d+(\.\d+)?[wdhms])+", text):
        raise ValueError("must be a duration with units, e.g. 15m, 4h, 1h30m or 2d")
    total = sum(Decimal(n) * _UNITS[u] for n, _, u in re.findall(r"(\d+(\.\d+)?)([wdhms])", text))
    if total <= 0 or total != int(total):
        raise ValueError("must be a positive whole number of seconds")
    return int(total)


def _fraction(value: Any) -> float:
    """'99.9%' or 0.999 -> 0.999; a number above 1 is refused (99.9 of what?)."""
    try:
        if isinstance(value, str) and value.strip().endswith("%"):
            number = Decimal(value.strip()[:-1]) / 100
        elif isinstance(value, int | float) and not isinstance(value, bool):
            number = Decimal(str(value))
        else:
            raise ValueError
    except (InvalidOperation, ValueError):
        raise ValueError("must be a fraction (0.999) or a percentage ('99.9%')") from None
    if not 0 < number <= 1:
        raise ValueError("must be above 0 and at most 1 (or 100%)")
    return float(number)


def _month(value: Any) -> str:
    if isinstance(value, dt.date) and value.day == 1:
        return value.strftime("%Y-%m")
    if isinstance(value, str) and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value.strip()):
        return value.strip()
    raise ValueError("must be a month YYYY-MM (e.g. 2026-01)")


Seconds = Annotated[int, BeforeValidator(_seconds)]
Fraction = Annotated[float, BeforeValidator(_fraction)]
Month = Annotated[str, BeforeValidator(_month)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9]([-_.A-Za-z0-9]{0,251}[A-Za-z0-9])?$")]


class _Strict(NullAsAbsent):
    model_config = ConfigDict(extra="forbid")


class PriorityTarget(_Strict):
    respond_within: Seconds | None = None
    resolve_within: Seconds | None = None
    attainment: Fraction | None = None  # default: the tickets' attainment

    @model_validator(mode="after")
    def _something(self) -> PriorityTarget:
        if self.respond_within is None and self.resolve_within is None:
            raise ValueError("give respond_within, resolve_within or both")
        return self


class TicketTargets(_Strict):
    attainment: Fraction  # share of judged tickets that must be within target
    priorities: dict[str, PriorityTarget] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> TicketTargets:
        keys = [k.strip().upper() for k in self.priorities]
        if len(set(keys)) != len(keys):
            raise ValueError("priorities are matched case-insensitively: two of them are equal")
        return self


class AvailabilityTarget(_Strict):
    slo: str = Field(min_length=1)  # may contain {service}
    objective: Fraction


class _Spec(_Strict):
    service: Name | None = None
    team: Name | None = None
    value_stream: Name | None = None
    business_unit: Name | None = None
    valid_from: Month = ALWAYS
    valid_until: Month | None = None

    @property
    def scope(self) -> tuple[str, str]:
        for level in SCOPES:
            value = getattr(self, level.replace("-", "_"))
            if value:
                return level, value
        raise AssertionError("validated")

    @model_validator(mode="after")
    def _scope_and_months(self) -> _Spec:
        given = [s for s in SCOPES if getattr(self, s.replace("-", "_"))]
        if len(given) != 1:
            raise ValueError("give exactly one of service, team, value_stream, business_unit")
        if self.valid_until is not None and self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be a later month than valid_from")
        return self


class SlaSpec(_Spec):
    availability: AvailabilityTarget | None = None
    tickets: TicketTargets | None = None

    @model_validator(mode="after")
    def _targets(self) -> SlaSpec:
        if self.availability is None and self.tickets is None:
            raise ValueError("give availability, tickets or both")
        if self.availability and self.service is None and "{service}" not in self.availability.slo:
            raise ValueError(
                "availability.slo must contain {service} when the scope is not one service "
                "(e.g. '{service}-availability')"
            )
        return self

    def targets(self) -> dict[str, Any]:
        tickets = None
        if self.tickets is not None:
            tickets = {
                name.strip().upper(): {
                    "respond_within_seconds": p.respond_within,
                    "resolve_within_seconds": p.resolve_within,
                    "attainment": p.attainment or self.tickets.attainment,
                }
                for name, p in self.tickets.priorities.items()
            }
        availability = self.availability.model_dump() if self.availability else None
        return {"availability": availability, "tickets": tickets}


class XlaSpec(_Spec):
    min_responses: int = Field(1, ge=1)  # fewer answers: insufficient_data, no verdict
    csat: float | None = Field(None, ge=1, le=5)  # mean at least
    nps: float | None = Field(None, ge=-100, le=100)  # at least
    ces: float | None = Field(None, ge=1, le=7)  # mean at most

    @model_validator(mode="after")
    def _targets(self) -> XlaSpec:
        if self.csat is None and self.nps is None and self.ces is None:
            raise ValueError("give csat, nps, ces or several")
        return self

    def targets(self) -> dict[str, Any]:
        return self.model_dump(include={"min_responses", "csat", "nps", "ces"})


class Metadata(NullAsAbsent):
    model_config = ConfigDict(extra="allow")  # labels, annotations, links are kept
    name: Name
    title: str | None = None
    description: str | None = None


class AgreementDocument(_Strict):
    apiVersion: Literal["leadline.io/v1"]
    kind: Literal["ServiceLevelAgreement", "ExperienceLevelAgreement"]
    metadata: Metadata
    spec: dict[str, Any]


@dataclass
class Record:
    """One parsed agreement version, and where it came from."""

    kind: str
    name: str
    scope_kind: str
    scope: str
    valid_from: str
    valid_until: str | None
    title: str | None
    description: str | None
    targets: dict[str, Any]
    document: dict[str, Any]
    file: str
    index: int
    slo: str | None = field(default=None)

    def problem(self, reason: str, field_name: str, value: Any, severity: str = "error") -> Problem:
        return Problem(self.file, reason, self.index, field_name, value, severity, self.document)  # type: ignore[arg-type]


def parse_document(doc: YamlDocument) -> Record | Problem:
    """A validated agreement, or the first problem (file, document index, dotted field)."""
    content = doc.content
    where = ""
    try:
        header = AgreementDocument.model_validate(content)
        where = "spec."
        spec_model = SlaSpec if header.kind == "ServiceLevelAgreement" else XlaSpec
        spec = spec_model.model_validate(header.spec)
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(p) for p in first["loc"])
        value = first.get("input") if first["type"] != "missing" else None
        reason = null_reason(first, first["msg"].removeprefix("Value error, "))
        if len(error.errors()) > 1:
            reason += f" (and {len(error.errors()) - 1} more problems in this document)"
        return Problem(
            doc.file,
            reason,
            doc.index,
            f"{where}{location}".rstrip(".") or None,
            value if not isinstance(value, dict) else None,
            "error",
            content,
        )
    scope_kind, scope = spec.scope
    return Record(
        KINDS[header.kind],
        header.metadata.name,
        scope_kind,
        scope,
        spec.valid_from,
        spec.valid_until,
        header.metadata.title,
        header.metadata.description,
        spec.targets(),
        content,
        doc.file,
        doc.index,
        spec.availability.slo if isinstance(spec, SlaSpec) and spec.availability else None,
    )
