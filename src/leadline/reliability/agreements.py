"""SLAs and XLAs as agreements in the store, declared in YAML (``leadline ingest service-levels``).

An agreement is a document ``kind: ServiceLevelAgreement`` (availability and ticket targets) or
``kind: ExperienceLevelAgreement`` (CSAT, NPS and CES targets) whose scope is one catalog service,
team, value stream or business unit. Agreements are versioned by month, because targets change
and a past month must stay judged by the targets in force then: each version applies to the
calendar months ``[valid_from, valid_until)``; ingesting a document with the same kind, name and
``valid_from`` corrects that version in place (upsert), a later ``valid_from`` adds a version.

Which agreement applies to a service in a month: the most specific scope that has one (service,
then its team, value stream, business unit); at that scope the version with the latest
``valid_from``. Two agreements of one kind, scope and ``valid_from`` under different names would
make that ambiguous, so the second is rejected. The store (not YAML read at report time) keeps
them, so a report never depends on which files happen to be at hand, and every version records
the batch that last wrote it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.catalog.models import BusinessUnit, Service, Team, ValueStream
from leadline.ingest.files import decode_utf8, load_yaml_documents
from leadline.ingest.problems import InputError, Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Template, Unit, register
from leadline.reliability.agreement_models import (
    SCOPES,
    Record,
    ServiceLevelAgreement,
    parse_document,
)
from leadline.reliability.models import Slo
from leadline.store.base import utcnow

TEMPLATE = """\
# Service level agreements (SLAs) and experience level agreements (XLAs):
#   leadline ingest service-levels FILE.yaml
# Scope: exactly one of service, team, value_stream, business_unit (a group's agreement applies
# to its services unless a more specific one exists). Months are UTC calendar months; a new
# valid_from adds a version, the same valid_from corrects it.
apiVersion: leadline.io/v1
kind: ServiceLevelAgreement
metadata:
  name: checkout-gold
  title: Checkout gold support
spec:
  service: checkout-api
  valid_from: 2026-01            # optional (default: always); valid_until optional, exclusive
  availability:
    slo: checkout-availability   # its SLI samples give good/total per month
    objective: 99.9%
  tickets:
    attainment: 95%              # share of tickets within target, per priority
    priorities:
      P1: {respond_within: 15m, resolve_within: 4h}
      P2: {respond_within: 1h, resolve_within: 1d}
      P3: {respond_within: 4h, resolve_within: 5d, attainment: 90%}
---
apiVersion: leadline.io/v1
kind: ExperienceLevelAgreement
metadata:
  name: checkout-experience
spec:
  service: checkout-api
  min_responses: 10              # fewer answers in a month: insufficient_data
  csat: 4.2                      # mean of 1-5 answers, at least
  nps: 30                        # % promoters (9-10) - % detractors (0-6), at least
  ces: 3                         # mean of 1-7 effort answers, at most
"""


@register
class ServiceLevelsSource(Source):
    name = "service-levels"
    summary = "SLAs and XLAs (YAML: ServiceLevelAgreement, ExperienceLevelAgreement documents)"

    def templates(self) -> list[Template]:
        return [Template("service-levels.yaml", TEMPLATE)]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        records: list[Record] = []
        problems: list[Problem] = []
        read = 0
        for input_file in unit.files:
            try:
                text = decode_utf8(input_file.name, input_file.data)
            except InputError as error:
                problems.append(error.problem)
                continue
            for item in load_yaml_documents(input_file.name, text):
                read += 1  # a document the loader refused is read and rejected
                if isinstance(item, Problem):
                    problems.append(item)
                    continue
                parsed = parse_document(item)
                (problems if isinstance(parsed, Problem) else records).append(parsed)  # type: ignore[arg-type]
        return Parsed(rows_read=read, records=records, problems=problems)

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        problems: list[Problem] = []
        taken: dict[tuple[str, str, str, str], str] = {
            (a.kind, a.scope_kind, a.scope, a.valid_from): a.name
            for a in ctx.session.scalars(select(ServiceLevelAgreement))
        }
        seen: set[tuple[str, str, str]] = set()
        for record in parsed.records:
            version = (record.kind, record.name, record.valid_from)
            slot = (record.kind, record.scope_kind, record.scope, record.valid_from)
            if version in seen:
                problems.append(
                    record.problem(
                        "the same agreement version appears twice in this batch",
                        "metadata.name",
                        record.name,
                    )
                )
                continue
            if taken.get(slot, record.name) != record.name:
                problems.append(
                    record.problem(
                        f"{record.scope_kind} {record.scope!r} already has agreement "
                        f"{taken[slot]!r} from {record.valid_from}; give this one another "
                        "valid_from, or end the other with valid_until",
                        "metadata.name",
                        record.name,
                    )
                )
                continue
            seen.add(version)
            taken[slot] = record.name
            _upsert(ctx.session, record, ctx.batch.id)
            problems += _reference_warnings(ctx.session, record)
        return problems


def _upsert(session: Session, record: Record, batch_id: int) -> None:
    row = session.scalar(
        select(ServiceLevelAgreement).where(
            ServiceLevelAgreement.kind == record.kind,
            ServiceLevelAgreement.name == record.name,
            ServiceLevelAgreement.valid_from == record.valid_from,
        )
    )
    if row is None:
        row = ServiceLevelAgreement(
            kind=record.kind, name=record.name, valid_from=record.valid_from
        )
        session.add(row)
    row.title, row.description = record.title, record.description
    row.scope_kind, row.scope, row.valid_until = record.scope_kind, record.scope, record.valid_until
    row.targets, row.document = record.targets, record.document
    row.batch_id, row.updated_at = batch_id, utcnow()
    session.flush()


_SCOPE_MODELS: dict[str, Any] = {
    "service": Service,
    "team": Team,
    "value-stream": ValueStream,
    "business-unit": BusinessUnit,
}


def _reference_warnings(session: Session, record: Record) -> list[Problem]:
    """Stored anyway (the catalog or SLOs may come later), but said."""
    out = []
    model = _SCOPE_MODELS[record.scope_kind]
    if session.scalar(select(model.id).where(model.name == record.scope)) is None:
        out.append(
            record.problem(
                f"{record.scope_kind} {record.scope!r} is not in the catalog (agreement kept)",
                "spec." + record.scope_kind.replace("-", "_"),
                record.scope,
                "warning",
            )
        )
    if record.slo and "{service}" not in record.slo:
        owner = session.scalar(select(Slo.service).where(Slo.name == record.slo))
        if owner is None or owner != record.scope:
            reason = (
                f"SLO {record.slo!r} is not known yet: availability has no data until it is"
                if owner is None
                else f"SLO {record.slo!r} belongs to service {owner!r}, not {record.scope!r}"
            )
            out.append(record.problem(reason, "spec.availability.slo", record.slo, "warning"))
    return out


# --- which agreement applies ---------------------------------------------------------------


def load_agreements(session: Session, kind: str) -> list[ServiceLevelAgreement]:
    query = select(ServiceLevelAgreement).where(ServiceLevelAgreement.kind == kind)
    return list(session.scalars(query.order_by(ServiceLevelAgreement.id)))


def effective(
    agreements: list[ServiceLevelAgreement], membership: dict[str, str | None], month: str
) -> ServiceLevelAgreement | None:
    """The agreement in force for a service in ``month``: most specific scope, then the latest
    ``valid_from``. ``membership`` maps each scope kind to the service's group (or None)."""
    for level in SCOPES:
        name = membership.get(level)
        if not name:
            continue
        candidates = [
            a
            for a in agreements
            if a.scope_kind == level
            and a.scope == name
            and a.valid_from <= month
            and (a.valid_until is None or month < a.valid_until)
        ]
        if candidates:
            return max(candidates, key=lambda a: (a.valid_from, a.name))
    return None
