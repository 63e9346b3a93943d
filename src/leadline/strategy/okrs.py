"""OKRs as plain data for the CLI and the web app: scores, live bound metrics, check-ins.

A bound key result's ``current`` is computed from the data each time it is read (with the time
it was computed and the window); ``leadline okr refresh`` also records it as a check-in
(source ``metric``) so bound key results get a history too. Check-ins by people are audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadline.audit.log import record, snapshot
from leadline.context import App
from leadline.periods import Period
from leadline.semantic.evaluation import Evaluation
from leadline.store.base import utcnow
from leadline.strategy.bindings import Measurement, scope_of
from leadline.strategy.bindings import measure as measure_metric
from leadline.strategy.models import KeyResult, KeyResultCheckin, Objective
from leadline.strategy.scoring import grade, key_result_score, objective_score


class OkrError(ValueError):
    """A request that cannot be carried out (unknown key result, bad value)."""


def measure(ev: Evaluation, kr: KeyResult, quarter: str) -> Measurement:
    scope = scope_of(kr.metric_scope["kind"], kr.metric_scope.get("name"))
    return measure_metric(ev, kr.metric or "", scope, Period.parse(quarter).window)


def _last_checkins(session: Session, ids: list[int]) -> dict[int, KeyResultCheckin]:
    if not ids:
        return {}
    newest = (
        select(KeyResultCheckin.key_result_id, func.max(KeyResultCheckin.id).label("id"))
        .where(KeyResultCheckin.key_result_id.in_(ids))
        .group_by(KeyResultCheckin.key_result_id)
        .subquery()
    )
    rows = session.scalars(
        select(KeyResultCheckin).join(newest, KeyResultCheckin.id == newest.c.id)
    )
    return {c.key_result_id: c for c in rows}


def _key_result(
    kr: KeyResult, quarter: str, last: KeyResultCheckin | None, ev: Evaluation
) -> dict[str, Any]:
    measurement = measure(ev, kr, quarter) if kr.metric else None
    current_at: dt.datetime | None
    if measurement is not None:
        current, current_at = measurement.value, measurement.computed_at.replace(tzinfo=dt.UTC)
    else:
        current = kr.current
        current_at = (
            last.at if last is not None else (kr.updated_at if current is not None else None)
        )
    score = key_result_score(kr.baseline, kr.target, current)
    return {
        "name": kr.name,
        "title": kr.title,
        "unit": kr.unit,
        "direction": kr.direction,
        "baseline": kr.baseline,
        "target": kr.target,
        "current": current,
        "current_at": current_at,
        "source": "metric" if kr.metric else "checkin",
        "metric": kr.metric,
        "metric_scope": kr.metric_scope or None,
        "measurement": measurement.as_dict() if measurement else None,
        "confidence": last.confidence if last and last.confidence is not None else kr.confidence,
        "score": score,
        "grade": grade(score),
    }


def okr_report(
    app: App,
    *,
    quarter: str | None = None,
    scope: str | None = None,
    engine: str | None = None,
    evaluation: Evaluation | None = None,
) -> dict[str, Any]:
    """The ``leadline okr --format json`` document: objectives with scored key results."""
    ev = evaluation or Evaluation(app, engine)
    with app.store.session() as session:
        query = select(Objective).order_by(Objective.quarter, Objective.name)
        if quarter:
            query = query.where(Objective.quarter == quarter)
        if scope:
            query = query.where(Objective.scope == scope)
        objectives = list(session.scalars(query))
        krs = list(
            session.scalars(
                select(KeyResult)
                .where(KeyResult.objective_id.in_([o.id for o in objectives]))
                .order_by(KeyResult.id)
            )
        )
        last = _last_checkins(session, [k.id for k in krs])
        out = []
        for objective in objectives:
            rows = [
                _key_result(k, objective.quarter, last.get(k.id), ev)
                for k in krs
                if k.objective_id == objective.id
            ]
            score = objective_score(r["score"] for r in rows)
            out.append(
                {
                    "name": objective.name,
                    "title": objective.title,
                    "quarter": objective.quarter,
                    "scope_kind": objective.scope_kind,
                    "scope": objective.scope,
                    "owner": objective.owner,
                    "outcome": objective.outcome,
                    "score": score,
                    "grade": grade(score),
                    "key_results": rows,
                }
            )
    return {"quarter": quarter, "evaluated_at": ev.now.replace(tzinfo=dt.UTC), "objectives": out}


def _find(session: Session, name: str) -> KeyResult:
    kr = session.scalar(select(KeyResult).where(KeyResult.name == name))
    if kr is None:
        raise OkrError(f"no key result {name!r} (names are OBJECTIVE/KEY-RESULT; see leadline okr)")
    return kr


def checkin(
    app: App,
    name: str,
    *,
    value: float,
    confidence: float | None,
    actor: str,
    note: str | None = None,
    via: str = "cli",
) -> dict[str, Any]:
    """Record a check-in on a manual key result, in history and the audit log."""
    if confidence is not None and not 0 <= confidence <= 1:
        raise OkrError(f"confidence must be between 0 and 1 (got {confidence:g})")
    with app.store.session() as session:
        kr = _find(session, name)
        if kr.metric:
            raise OkrError(
                f"{name} is bound to {kr.metric}: its value comes from the data "
                "(leadline okr refresh records it)"
            )
        before = snapshot(kr)
        kr.current, kr.updated_at = value, utcnow()
        if confidence is not None:
            kr.confidence = confidence
        entry = KeyResultCheckin(
            key_result_id=kr.id,
            at=kr.updated_at,
            value=value,
            confidence=confidence,
            note=note,
            actor=actor,
            source="checkin",
        )
        session.add(entry)
        session.flush()
        record(
            session,
            actor=actor,
            action="update",
            entity_type="key_result",
            entity_id=name,
            before=before,
            after=snapshot(kr),
            via=via,
            note=note,
        )
        result = _checkin_row(entry, name, kr.baseline, kr.target)
        session.commit()
    return result


def _checkin_row(c: KeyResultCheckin, name: str, baseline: float, target: float) -> dict[str, Any]:
    return {
        "key_result": name,
        "at": c.at,
        "value": c.value,
        "confidence": c.confidence,
        "score": key_result_score(baseline, target, c.value),
        "actor": c.actor,
        "source": c.source,
        "note": c.note,
    }


def history(app: App, name: str) -> list[dict[str, Any]]:
    """A key result's check-ins, oldest first."""
    with app.store.session() as session:
        kr = _find(session, name)
        rows = session.scalars(
            select(KeyResultCheckin)
            .where(KeyResultCheckin.key_result_id == kr.id)
            .order_by(KeyResultCheckin.at, KeyResultCheckin.id)
        )
        return [_checkin_row(c, name, kr.baseline, kr.target) for c in rows]


def refresh(app: App, *, actor: str, engine: str | None = None) -> list[dict[str, Any]]:
    """Record each bound key result's current value as a check-in (source ``metric``)."""
    ev = Evaluation(app, engine)
    out = []
    with app.store.session() as session:
        pairs = session.execute(
            select(KeyResult, Objective.quarter)
            .join(Objective, KeyResult.objective_id == Objective.id)
            .where(KeyResult.metric.is_not(None))
            .order_by(KeyResult.name)
        ).all()
        for kr, quarter in pairs:
            m = measure(ev, kr, quarter)
            if m.value is None:
                continue
            entry = KeyResultCheckin(
                key_result_id=kr.id,
                at=m.computed_at.replace(tzinfo=dt.UTC),
                value=m.value,
                confidence=None,
                note=f"{kr.metric} over {m.as_dict()['window']['since']}.."
                f"{m.as_dict()['window']['until']}",
                actor=actor,
                source="metric",
            )
            session.add(entry)
            out.append(_checkin_row(entry, kr.name, kr.baseline, kr.target))
        session.commit()
    return out
