"""``capabilities-yaml`` and ``roadmap-yaml``: the capability map (with its alignment to the
strategy's outcomes) and the roadmap's initiatives, from YAML.

Both upsert by name and audit every write. A reference leadline does not know (yet) -- a
service, team or value stream missing from the catalog, an outcome no strategy on a page has,
an objective or capability not imported -- is a warning naming the document and field; the
document lands, because the catalog, the strategy or the OKRs may be imported later.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.audit.log import actor_name, record, snapshot
from leadline.catalog.models import Service, Team, ValueStream
from leadline.context import App
from leadline.ingest.files import decode_utf8, load_yaml_documents
from leadline.ingest.problems import InputError, Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Template, Unit, register
from leadline.store.base import utcnow
from leadline.strategy.models import Objective, StrategyPage
from leadline.strategy.portfolio_documents import (
    CapabilitySpec,
    InitiativeSpec,
    PortfolioRecord,
    parse_portfolio,
)
from leadline.strategy.portfolio_models import Capability, RoadmapInitiative
from leadline.strategy.portfolio_templates import CAPABILITIES_TEMPLATE, ROADMAP_TEMPLATE


def _parse(unit: Unit, kind: str) -> Parsed:
    records: list[PortfolioRecord] = []
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
            parsed = parse_portfolio(item, kind)
            if isinstance(parsed, Problem):
                problems.append(parsed)
            else:
                records.append(parsed)
    return Parsed(rows_read=read, records=records, problems=problems)


def _land_all(
    ctx: LandContext, records: list[PortfolioRecord], land: Any, check: Any
) -> list[Problem]:
    """Land each record once (a name twice in one batch is an error), then check references
    against the store, which now holds the whole batch."""
    assert ctx.session is not None and ctx.batch is not None
    problems: list[Problem] = []
    landed: list[PortfolioRecord] = []
    seen: set[str] = set()
    for rec in records:
        if rec.name in seen:
            problems.append(
                rec.problem(
                    f"this {rec.kind.lower()} appears twice in the batch",
                    "metadata.name",
                    rec.name,
                    "error",
                )
            )
            continue
        seen.add(rec.name)
        land(ctx.session, rec, ctx.batch.id)
        landed.append(rec)
    ctx.session.flush()
    known = _Known.load(ctx.session)
    for rec in landed:
        problems += check(rec, known)
    return problems


@register
class CapabilitiesYaml(Source):
    name = "capabilities-yaml"
    summary = "Capability map (YAML: kind Capability): parents, value streams, services, teams, "
    summary += "alignment to the strategy's outcomes"

    def templates(self) -> list[Template]:
        return [Template("capabilities.yaml", CAPABILITIES_TEMPLATE)]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        return _parse(unit, "Capability")

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        return _land_all(ctx, parsed.records, _land_capability, _capability_warnings)


@register
class RoadmapYaml(Source):
    name = "roadmap-yaml"
    summary = "Roadmap (YAML: kind Initiative): quarters or horizon, outcomes, OKRs, "
    summary += "capabilities, lighthouse, budget, value-realisation KPIs"

    def templates(self) -> list[Template]:
        return [Template("roadmap.yaml", ROADMAP_TEMPLATE)]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        return _parse(unit, "Initiative")

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        return _land_all(ctx, parsed.records, _land_initiative, _initiative_warnings)


def _upsert(session: Session, model: Any, rec: PortfolioRecord) -> tuple[Any, Any]:
    row = session.scalar(select(model).where(model.name == rec.name))
    before = snapshot(row) if row is not None else None
    if row is None:
        row = model(name=rec.name)
        session.add(row)
    return row, before


def _audit(session: Session, row: Any, before: Any, entity_type: str) -> None:
    session.flush()
    record(
        session,
        actor=actor_name(),
        action="import",
        entity_type=entity_type,
        entity_id=row.name,
        before=before,
        after=snapshot(row),
        via="ingest",
    )


def _land_capability(session: Session, rec: PortfolioRecord, batch_id: int) -> None:
    spec: CapabilitySpec = rec.spec
    row, before = _upsert(session, Capability, rec)
    row.title, row.parent, row.description = rec.title, spec.parent, spec.description
    row.value_streams, row.services, row.teams = (
        list(spec.value_streams),
        list(spec.services),
        list(spec.teams),
    )
    row.alignment = [a.model_dump(exclude_none=True) for a in spec.alignment]
    row.document, row.batch_id, row.updated_at = rec.document, batch_id, utcnow()
    _audit(session, row, before, "capability")


def _land_initiative(session: Session, rec: PortfolioRecord, batch_id: int) -> None:
    spec: InitiativeSpec = rec.spec
    row, before = _upsert(session, RoadmapInitiative, rec)
    row.title, row.owner = rec.title, spec.owner
    row.start_quarter = spec.start
    row.end_quarter = spec.end or spec.start
    row.horizon = spec.horizon
    row.outcomes, row.objectives = list(spec.outcomes), list(spec.objectives)
    row.capabilities, row.value_streams = list(spec.capabilities), list(spec.value_streams)
    row.lighthouse, row.budget, row.currency = spec.lighthouse, spec.budget, spec.currency
    row.kpis = rec.kpis
    row.document, row.batch_id, row.updated_at = rec.document, batch_id, utcnow()
    _audit(session, row, before, "roadmap_initiative")


class _Known:
    """The names references are checked against, read once per batch."""

    def __init__(self, **names: set[str]) -> None:
        self.names = names

    @classmethod
    def load(cls, session: Session) -> _Known:
        return cls(
            value_stream=set(session.scalars(select(ValueStream.name))),
            service=set(session.scalars(select(Service.name))),
            team=set(session.scalars(select(Team.name))),
            outcome={o["id"] for p in session.scalars(select(StrategyPage)) for o in p.outcomes},
            objective=set(session.scalars(select(Objective.name))),
            capability=set(session.scalars(select(Capability.name))),
        )

    def unknown(
        self, rec: PortfolioRecord, kind: str, field: str, values: Iterable[str], where: str
    ) -> list[Problem]:
        return [
            rec.problem(f"unknown {kind.replace('_', ' ')}: {where} (kept)", f"{field}[{i}]", value)
            for i, value in enumerate(values)
            if value not in self.names[kind]
        ]


_CATALOG = "not in the catalog"
_NO_OUTCOME = "no strategy on a page has this outcome"
_NO_CAPABILITY = "not in the capability map (capabilities-yaml)"


def _capability_warnings(rec: PortfolioRecord, known: _Known) -> list[Problem]:
    spec: CapabilitySpec = rec.spec
    out = known.unknown(rec, "value_stream", "spec.value_streams", spec.value_streams, _CATALOG)
    out += known.unknown(rec, "service", "spec.services", spec.services, _CATALOG)
    out += known.unknown(rec, "team", "spec.teams", spec.teams, _CATALOG)
    out += [
        rec.problem(
            f"unknown outcome: {_NO_OUTCOME} (kept)",
            f"spec.alignment[{i}].outcome",
            a.outcome,
        )
        for i, a in enumerate(spec.alignment)
        if a.outcome not in known.names["outcome"]
    ]
    if spec.parent is not None and spec.parent not in known.names["capability"]:
        out.append(
            rec.problem(f"unknown capability: {_NO_CAPABILITY} (kept)", "spec.parent", spec.parent)
        )
    return out


def _initiative_warnings(rec: PortfolioRecord, known: _Known) -> list[Problem]:
    spec: InitiativeSpec = rec.spec
    out = known.unknown(rec, "outcome", "spec.outcomes", spec.outcomes, _NO_OUTCOME)
    out += known.unknown(
        rec, "objective", "spec.objectives", spec.objectives, "no OKR has this name"
    )
    out += known.unknown(rec, "capability", "spec.capabilities", spec.capabilities, _NO_CAPABILITY)
    out += known.unknown(rec, "value_stream", "spec.value_streams", spec.value_streams, _CATALOG)
    return out


class PortfolioError(ValueError):
    pass


REMOVABLE: dict[str, tuple[Any, str]] = {
    "capability": (Capability, "capability"),
    "initiative": (RoadmapInitiative, "roadmap_initiative"),
}


def remove(app: App, kind: str, name: str, *, actor: str) -> dict[str, Any]:
    """Delete a capability or roadmap initiative (re-importing never deletes: documents are
    independent), recorded in the audit log; links to it elsewhere are kept, and warned as
    unknown the next time their document is imported."""
    if kind not in REMOVABLE:
        raise PortfolioError(f"remove a capability or an initiative, not a {kind}")
    model, entity_type = REMOVABLE[kind]
    with app.store.session() as session:
        row = session.scalar(select(model).where(model.name == name))
        if row is None:
            raise PortfolioError(f"no {kind} named {name!r}")
        before = snapshot(row)
        session.delete(row)
        record(
            session,
            actor=actor,
            action="delete",
            entity_type=entity_type,
            entity_id=name,
            before=before,
            after=None,
        )
    return {"removed": kind, "name": name, "actor": actor}
