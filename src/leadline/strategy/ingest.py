"""``strategy-yaml`` and ``okrs-yaml``: the strategy on a page and quarterly OKRs, from YAML.

Both upsert by name, so correcting a file and importing it again corrects the store. A key
result removed from its objective's document is removed (with a warning naming it). A manual key
result whose ``current`` changes gets a check-in (source ``import``); every objective written is
audited. References to the catalog or a strategy outcome that do not exist yet are warned, not
rejected: the catalog may come later.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.audit.log import actor_name, record, snapshot
from leadline.catalog.models import BusinessUnit, Organisation, Team
from leadline.ingest.files import decode_utf8, load_yaml_documents
from leadline.ingest.problems import InputError, Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Template, Unit, register
from leadline.store.base import utcnow
from leadline.strategy.documents import ObjectiveRecord, StrategyRecord, parse_document
from leadline.strategy.models import KeyResult, KeyResultCheckin, Objective, StrategyPage
from leadline.strategy.templates import OKRS_TEMPLATE, STRATEGY_TEMPLATE


def _parse(unit: Unit, kind: str) -> Parsed:
    records: list[Any] = []
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
            parsed = parse_document(item, kind)
            if isinstance(parsed, Problem):
                problems.append(parsed)
            else:
                records.append(parsed)
    return Parsed(rows_read=read, records=records, problems=problems)


@register
class StrategyYaml(Source):
    name = "strategy-yaml"
    summary = "Strategy on a page (YAML: kind Strategy): vision, outcomes, bets, guardrails"

    def templates(self) -> list[Template]:
        return [Template("strategy.yaml", STRATEGY_TEMPLATE)]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        return _parse(unit, "Strategy")

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        problems: list[Problem] = []
        for rec in parsed.records:
            problems += _land_strategy(ctx.session, rec, ctx.batch.id)
        return problems


def _land_strategy(session: Session, rec: StrategyRecord, batch_id: int) -> list[Problem]:
    row = session.scalar(select(StrategyPage).where(StrategyPage.name == rec.name))
    before = snapshot(row) if row is not None else None
    if row is None:
        row = StrategyPage(name=rec.name)
        session.add(row)
    spec = rec.spec
    row.title, row.period, row.vision = rec.title, spec.period, spec.vision
    row.outcomes = [o.model_dump() for o in spec.outcomes]
    row.bets = [b.model_dump() for b in spec.bets]
    row.guardrails = list(spec.guardrails)
    row.metrics = [m.model_dump() for m in spec.metrics]
    row.lighthouse_value_streams = list(spec.lighthouse_value_streams)
    row.document, row.batch_id, row.updated_at = rec.document, batch_id, utcnow()
    session.flush()
    record(
        session,
        actor=actor_name(),
        action="import",
        entity_type="strategy",
        entity_id=rec.name,
        before=before,
        after=snapshot(row),
        via="ingest",
    )
    if not 3 <= len(spec.outcomes) <= 5:
        return [
            Problem(
                rec.file,
                f"a strategy on a page names 3 to 5 business outcomes; this one has "
                f"{len(spec.outcomes)} (kept)",
                rec.index,
                "spec.outcomes",
                None,
                "warning",
                rec.document,
            )
        ]
    return []


@register
class OkrsYaml(Source):
    name = "okrs-yaml"
    summary = "OKRs (YAML: kind Objective with key results, optionally bound to metrics)"

    def templates(self) -> list[Template]:
        return [Template("okrs.yaml", OKRS_TEMPLATE)]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        return _parse(unit, "Objective")

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        problems: list[Problem] = []
        seen: set[str] = set()
        for rec in parsed.records:
            if rec.name in seen:
                problems.append(
                    rec.problem(
                        "this objective appears twice in the batch",
                        "metadata.name",
                        rec.name,
                        "error",
                    )
                )
                continue
            seen.add(rec.name)
            problems += _land_objective(ctx.session, rec, ctx.batch.id)
        return problems


_SCOPE_MODELS: dict[str, Any] = {
    "organisation": Organisation,
    "business-unit": BusinessUnit,
    "team": Team,
}


def _land_objective(session: Session, rec: ObjectiveRecord, batch_id: int) -> list[Problem]:
    actor = actor_name()
    row = session.scalar(select(Objective).where(Objective.name == rec.name))
    before = snapshot(row) if row is not None else None
    if row is None:
        row = Objective(name=rec.name)
        session.add(row)
    row.title, row.quarter, row.owner, row.outcome = rec.title, rec.quarter, rec.owner, rec.outcome
    row.scope_kind, row.scope = rec.scope_kind, rec.scope
    row.document, row.batch_id, row.updated_at = rec.document, batch_id, utcnow()
    session.flush()
    problems = _upsert_key_results(session, row, rec, batch_id, actor)
    after = {**snapshot(row), "key_results": [k.id for k in rec.key_results]}
    record(
        session,
        actor=actor,
        action="import",
        entity_type="objective",
        entity_id=rec.name,
        before=before,
        after=after,
        via="ingest",
    )
    return problems + _reference_warnings(session, rec)


def _upsert_key_results(
    session: Session, objective: Objective, rec: ObjectiveRecord, batch_id: int, actor: str
) -> list[Problem]:
    existing = {
        k.name: k
        for k in session.scalars(select(KeyResult).where(KeyResult.objective_id == objective.id))
    }
    wanted = {f"{rec.name}/{kr.id}" for kr in rec.key_results}
    problems = []
    for name, old in existing.items():
        if name not in wanted:
            session.delete(old)
            problems.append(
                rec.problem(
                    f"key result {name!r} is no longer in this objective: removed with its "
                    "check-ins",
                    "spec.key_results",
                    name,
                )
            )
    for kr in rec.key_results:
        name = f"{rec.name}/{kr.id}"
        row = existing.get(name) or KeyResult(name=name, objective_id=objective.id)
        if name not in existing:
            session.add(row)
        changed = kr.metric is None and kr.current is not None and kr.current != row.current
        row.title, row.unit, row.direction = kr.title, kr.unit, kr.direction
        row.baseline, row.target, row.metric = kr.baseline, kr.target, kr.metric
        row.metric_scope = kr.metric_scope
        if kr.metric is None and kr.current is not None:
            row.current = kr.current
        if kr.confidence is not None:
            row.confidence = kr.confidence
        row.batch_id, row.updated_at = batch_id, utcnow()
        session.flush()
        if changed and kr.current is not None:
            session.add(
                KeyResultCheckin(
                    key_result_id=row.id,
                    at=utcnow(),
                    value=kr.current,
                    confidence=kr.confidence,
                    actor=actor,
                    source="import",
                )
            )
    return problems


def _reference_warnings(session: Session, rec: ObjectiveRecord) -> list[Problem]:
    out = []
    model = _SCOPE_MODELS[rec.scope_kind]
    if session.scalar(select(model.id).where(model.name == rec.scope)) is None:
        field = "spec." + rec.scope_kind.replace("-", "_")
        out.append(
            rec.problem(
                f"{rec.scope_kind} {rec.scope!r} is not in the catalog (kept)", field, rec.scope
            )
        )
    if rec.outcome is not None:
        outcomes = {
            o["id"] for page in session.scalars(select(StrategyPage)) for o in page.outcomes
        }
        if rec.outcome not in outcomes:
            out.append(
                rec.problem(
                    "no strategy on a page has this outcome (kept)", "spec.outcome", rec.outcome
                )
            )
    return out
