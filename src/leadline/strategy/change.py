"""``change-yaml``: change initiatives and innovation ideas; and the ``leadline change`` report.

An initiative document replaces its ADKAR assessments and metrics (the file is the record);
an idea's stage is its last gate. Problems name the file, document and field.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from leadline.audit.log import actor_name, record, snapshot
from leadline.context import App
from leadline.ingest.documents import Metadata, as_json, validation_problem
from leadline.ingest.files import YamlDocument, decode_utf8, load_yaml_documents
from leadline.ingest.nulls import NullAsAbsent
from leadline.ingest.problems import InputError, Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Template, Unit, register
from leadline.store.base import utcnow
from leadline.strategy.change_documents import (
    ADKAR,
    KOTTER_STAGES,
    PIPELINE,
    STOPPED,
    IdeaSpec,
    InitiativeSpec,
    barrier_point,
)
from leadline.strategy.change_models import AdkarAssessment, ChangeInitiative, ChangeMetric, Idea
from leadline.strategy.templates import CHANGE_TEMPLATE

KINDS: dict[str, type[BaseModel]] = {"ChangeInitiative": InitiativeSpec, "Idea": IdeaSpec}


class ChangeHeader(NullAsAbsent):
    model_config = ConfigDict(extra="forbid")
    apiVersion: Literal["leadline.io/v1"]
    kind: Literal["ChangeInitiative", "Idea"]
    metadata: Metadata
    spec: dict[str, Any]


def parse_change(doc: YamlDocument) -> tuple[ChangeHeader, Any] | Problem:
    """A validated (header, spec), or the first problem (file, document, dotted field)."""
    try:
        header = ChangeHeader.model_validate(doc.content)
    except ValidationError as error:
        return validation_problem(doc, error, "")
    try:
        spec = KINDS[header.kind].model_validate(header.spec)
    except ValidationError as error:
        return validation_problem(doc, error, "spec.")
    return header, spec


@register
class ChangeYaml(Source):
    name = "change-yaml"
    summary = "Change initiatives (Kotter, ADKAR, metrics) and innovation ideas (YAML)"

    def templates(self) -> list[Template]:
        return [Template("change.yaml", CHANGE_TEMPLATE)]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        records: list[tuple[ChangeHeader, Any, dict[str, Any]]] = []
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
                parsed = parse_change(item)
                if isinstance(parsed, Problem):
                    problems.append(parsed)
                else:
                    records.append((*parsed, as_json(item.content)))
        return Parsed(rows_read=read, records=records, problems=problems)

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        for header, spec, document in parsed.records:
            if isinstance(spec, InitiativeSpec):
                _land_initiative(ctx.session, header, spec, document, ctx.batch.id)
            else:
                _land_idea(ctx.session, header, spec, ctx.batch.id)
        return []


def _land_initiative(
    session: Session,
    header: ChangeHeader,
    spec: InitiativeSpec,
    document: dict[str, Any],
    batch_id: int,
) -> None:
    name = header.metadata.name
    row = session.scalar(select(ChangeInitiative).where(ChangeInitiative.name == name))
    before = snapshot(row) if row is not None else None
    if row is None:
        row = ChangeInitiative(name=name)
        session.add(row)
    row.title, row.sponsor, row.kotter_stage = (
        header.metadata.title,
        spec.sponsor,
        spec.kotter_stage,
    )
    row.started_on, row.document, row.batch_id, row.updated_at = (
        spec.started_on,
        document,
        batch_id,
        utcnow(),
    )
    session.flush()
    session.execute(delete(AdkarAssessment).where(AdkarAssessment.initiative_id == row.id))
    session.execute(delete(ChangeMetric).where(ChangeMetric.initiative_id == row.id))
    for a in spec.adkar:
        session.add(
            AdkarAssessment(
                initiative_id=row.id,
                stakeholder_group=a.group,
                assessed_on=a.assessed_on,
                **{e: getattr(a, e) for e in ADKAR},
            )
        )
    for m in spec.metrics:
        session.add(
            ChangeMetric(
                initiative_id=row.id,
                measured_on=m.date,
                adoption_rate=m.adoption_rate,
                satisfaction=m.satisfaction,
                process_efficiency=m.process_efficiency,
                roi_realisation=m.roi_realisation,
            )
        )
    record(
        session,
        actor=actor_name(),
        action="import",
        entity_type="change_initiative",
        entity_id=name,
        before=before,
        after=snapshot(row),
        via="ingest",
    )


def _land_idea(session: Session, header: ChangeHeader, spec: IdeaSpec, batch_id: int) -> None:
    name = header.metadata.name
    row = session.scalar(select(Idea).where(Idea.name == name))
    before = snapshot(row) if row is not None else None
    if row is None:
        row = Idea(name=name)
        session.add(row)
    row.title, row.stage, row.owner = header.metadata.title, spec.stage, spec.owner
    row.budget, row.currency, row.outcome = spec.budget, spec.currency, spec.outcome
    row.gates = [g.model_dump(mode="json") for g in spec.gates]
    row.batch_id, row.updated_at = batch_id, utcnow()
    session.flush()
    record(
        session,
        actor=actor_name(),
        action="import",
        entity_type="idea",
        entity_id=name,
        before=before,
        after=snapshot(row),
        via="ingest",
    )


# --- the report ------------------------------------------------------------------------------


def _adkar_rows(assessments: list[AdkarAssessment]) -> list[dict[str, Any]]:
    """The latest assessment per stakeholder group, with its barrier point and the previous."""
    groups: dict[str, list[AdkarAssessment]] = {}
    for a in sorted(assessments, key=lambda a: a.assessed_on):
        groups.setdefault(a.stakeholder_group, []).append(a)
    out = []
    for group, history in sorted(groups.items()):
        latest = history[-1]
        scores = {e: getattr(latest, e) for e in ADKAR}
        out.append(
            {
                "group": group,
                "assessed_on": latest.assessed_on,
                **scores,
                "barrier_point": barrier_point(scores),
                "assessments": len(history),
            }
        )
    return out


def change_report(app: App) -> dict[str, Any]:
    """The ``leadline change --format json`` document: initiatives and the idea pipeline."""
    with app.store.session() as session:
        initiatives = list(
            session.scalars(select(ChangeInitiative).order_by(ChangeInitiative.name))
        )
        adkar = list(session.scalars(select(AdkarAssessment)))
        metrics = list(session.scalars(select(ChangeMetric).order_by(ChangeMetric.measured_on)))
        ideas = list(session.scalars(select(Idea).order_by(Idea.name)))
        out = []
        for i in initiatives:
            series = [
                {
                    "date": m.measured_on,
                    "adoption_rate": m.adoption_rate,
                    "satisfaction": m.satisfaction,
                    "process_efficiency": m.process_efficiency,
                    "roi_realisation": m.roi_realisation,
                }
                for m in metrics
                if m.initiative_id == i.id
            ]
            out.append(
                {
                    "name": i.name,
                    "title": i.title,
                    "sponsor": i.sponsor,
                    "kotter_stage": i.kotter_stage,
                    "kotter_step": KOTTER_STAGES[i.kotter_stage - 1],
                    "started_on": i.started_on,
                    "adkar": _adkar_rows([a for a in adkar if a.initiative_id == i.id]),
                    "metrics": series,
                    "latest_metrics": series[-1] if series else None,
                }
            )
        pipeline = [
            {
                "stage": stage,
                "ideas": [d.name for d in ideas if d.stage == stage],
                "budget": sum(
                    (d.budget for d in ideas if d.stage == stage and d.budget is not None),
                    Decimal(0),
                ),
            }
            for stage in (*PIPELINE, STOPPED)
        ]
        idea_rows = [
            {
                "name": d.name,
                "title": d.title,
                "stage": d.stage,
                "owner": d.owner,
                "budget": d.budget,
                "currency": d.currency,
                "outcome": d.outcome,
                "gates": d.gates,
            }
            for d in ideas
        ]
    return {"initiatives": out, "pipeline": pipeline, "ideas": idea_rows}
