"""The 90-day action plan: seeded from the packaged template, due dates relative to the start,
status and evidence kept by people, and automatic evidence from what leadline holds.

An item is *met* when its owner marks it ``done`` or its rule finds the evidence; it is
*overdue* when it is not met (nor dropped) and its due date is before today.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any

from pydantic import ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.audit.log import record, snapshot
from leadline.context import App
from leadline.ingest.files import load_yaml
from leadline.ingest.nulls import NullAsAbsent
from leadline.store.base import utcnow
from leadline.strategy.models import Plan, PlanItem
from leadline.strategy.plan_rules import RULES, Facts

STATUSES = ("todo", "in_progress", "done", "blocked", "dropped")
DEFAULT_PLAN = "90-day"


class PlanError(ValueError):
    pass


class TemplateItem(NullAsAbsent):
    model_config = ConfigDict(extra="forbid")
    key: str
    title: str
    description: str | None = None
    due_day: int
    rule: str | None = None


class TemplatePhase(NullAsAbsent):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    items: list[TemplateItem]


class Template(NullAsAbsent):
    model_config = ConfigDict(extra="forbid")
    version: str
    phases: list[TemplatePhase]


def load_template() -> Template:
    """The packaged template; every rule it names must exist."""
    text = resources.files("leadline.strategy").joinpath("plan_template.yaml").read_text("utf-8")
    template = Template.model_validate(load_yaml("plan_template.yaml", text))
    unknown = [i.rule for p in template.phases for i in p.items if i.rule and i.rule not in RULES]
    if unknown:
        raise PlanError(f"the plan template names unknown rules: {', '.join(unknown)}")
    return template


def start(
    app: App, *, on: dt.date, actor: str, owner: str | None = None, name: str = DEFAULT_PLAN
) -> dict[str, Any]:
    """Seed a plan starting ``on``; a plan of that name must not exist yet."""
    template = load_template()
    with app.store.session() as session:
        if session.scalar(select(Plan.id).where(Plan.name == name)) is not None:
            raise PlanError(f"plan {name!r} exists already (leadline plan shows it)")
        plan = Plan(name=name, started_on=on, owner=owner, template_version=template.version)
        session.add(plan)
        session.flush()
        position = 0
        for phase in template.phases:
            for item in phase.items:
                position += 1
                session.add(
                    PlanItem(
                        plan_id=plan.id,
                        key=item.key,
                        phase=phase.id,
                        position=position,
                        title=item.title,
                        description=item.description,
                        due_day=item.due_day,
                        owner=owner,
                        status="todo",
                        rule=item.rule,
                    )
                )
        session.flush()
        record(
            session,
            actor=actor,
            action="create",
            entity_type="plan",
            entity_id=name,
            after={**snapshot(plan), "items": position},
        )
        session.commit()
    return plan_report(app, name=name)


def _plan(session: Session, name: str | None) -> Plan:
    plans = list(session.scalars(select(Plan).order_by(Plan.id)))
    if name is not None:
        plans = [p for p in plans if p.name == name]
    if not plans:
        raise PlanError(
            f"no plan {name!r}" if name else "no plan yet: leadline plan start --date YYYY-MM-DD"
        )
    return plans[-1]


def plan_report(
    app: App, *, name: str | None = None, today: dt.date | None = None
) -> dict[str, Any]:
    """The ``leadline plan --format json`` document."""
    today = today or dt.datetime.now(dt.UTC).date()
    with app.store.session() as session:
        plan = _plan(session, name)
        items = list(
            session.scalars(
                select(PlanItem).where(PlanItem.plan_id == plan.id).order_by(PlanItem.position)
            )
        )
        facts = Facts(session, app)
        evidence = {r: RULES[r](facts) for r in {i.rule for i in items if i.rule}}
        rows = [_row(plan, i, evidence.get(i.rule or ""), today) for i in items]
        return {
            "plan": plan.name,
            "started_on": plan.started_on,
            "owner": plan.owner,
            "today": today,
            "day": (today - plan.started_on).days,
            "template_version": plan.template_version,
            "met": sum(r["met"] for r in rows),
            "overdue": sum(r["overdue"] for r in rows),
            "items": rows,
        }


def _row(plan: Plan, item: PlanItem, auto: Any, today: dt.date) -> dict[str, Any]:
    due = plan.started_on + dt.timedelta(days=item.due_day)
    met = item.status == "done" or bool(auto and auto.met)
    return {
        "key": item.key,
        "phase": item.phase,
        "title": item.title,
        "owner": item.owner,
        "due": due,
        "status": item.status,
        "met": met,
        "overdue": not met and item.status != "dropped" and due < today,
        "evidence": item.evidence,
        "automatic_evidence": (
            {"rule": item.rule, "met": auto.met, "detail": auto.detail} if auto else None
        ),
    }


def update(
    app: App,
    key: str,
    *,
    actor: str,
    status: str | None = None,
    evidence: str | None = None,
    owner: str | None = None,
    name: str | None = None,
    via: str = "cli",
) -> dict[str, Any]:
    """Change an item's status, evidence or owner (audited, with the channel it came by)."""
    if status is not None and status not in STATUSES:
        raise PlanError(f"status must be one of {', '.join(STATUSES)} (got {status!r})")
    with app.store.session() as session:
        plan = _plan(session, name)
        item = session.scalar(
            select(PlanItem).where(PlanItem.plan_id == plan.id, PlanItem.key == key)
        )
        if item is None:
            keys = session.scalars(select(PlanItem.key).where(PlanItem.plan_id == plan.id))
            raise PlanError(f"no item {key!r} in plan {plan.name!r}; items: {', '.join(keys)}")
        before = snapshot(item)
        if status is not None:
            item.status = status
        if evidence is not None:
            item.evidence = evidence
        if owner is not None:
            item.owner = owner
        item.updated_at = utcnow()
        record(
            session,
            actor=actor,
            via=via,
            action="update",
            entity_type="plan_item",
            entity_id=f"{plan.name}/{key}",
            before=before,
            after=snapshot(item),
        )
        session.commit()
        auto = RULES[item.rule](Facts(session, app)) if item.rule else None
        return _row(plan, item, auto, dt.datetime.now(dt.UTC).date())
