"""The AI/ML systems register (``ai-systems-csv``, ``leadline risk ai``), organised by the NIST
AI RMF 1.0 functions Govern, Map, Measure and Manage.

Each system records, per function, how far its work is (not_started, in_progress, done). An
evaluation is due ``evaluation_every_days`` (its own, else ``[risk] ai_evaluation_every_days``)
after the last one; a system in use (approved) or in review that was never evaluated, or whose
evaluation is due before ``at``, is overdue, as risk reviews are. Proposed, rejected and retired
systems are never overdue.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.audit import actor_name, record, snapshot
from leadline.config import Settings
from leadline.ingest.problems import Parsed, Problem
from leadline.ingest.registry import Context, LandContext, register
from leadline.ingest.tabular import Column, CsvFormat
from leadline.risk.models import AiSystem
from leadline.risk.rows import (
    CatalogNames,
    RowCsvSource,
    row_problem,
    split_list,
    unknown_warnings,
)

RMF_FUNCTIONS = ("govern", "map", "measure", "manage")
RMF_STATES = ("not_started", "in_progress", "done")
TIERS = ("low", "medium", "high", "critical")
APPROVALS = ("proposed", "in_review", "approved", "rejected", "retired")
IN_USE = ("approved", "in_review")
MONITORING = ("monitored", "partial", "unmonitored")

AI_SYSTEMS_CSV = CsvFormat(
    "ai-systems",
    "AI/ML systems register, one model or AI service per row (leadline ingest ai-systems-csv).",
    (
        Column("system_id", description="Stable id", example="AI-001"),
        Column("name", description="Name of the model or service"),
        Column("kind", choices=("model", "service"), description="Own model or bought service"),
        Column("owner", description="Accountable person or team"),
        Column("business_use", description="What it is used for"),
        Column("risk_tier", choices=TIERS, description="Your AI risk tier"),
        Column("data_sources", required=False, description="Data it uses, ';'-separated"),
        Column("services", required=False, description="Catalog services using it"),
        Column("approval_state", choices=APPROVALS, description="Where its approval stands"),
        Column("last_evaluated_on", "date", required=False, description="Latest evaluation"),
        Column(
            "evaluation_every_days",
            "int",
            required=False,
            description="Evaluation cadence (default [risk] ai_evaluation_every_days)",
        ),
        Column("monitoring_status", choices=MONITORING, description="Production monitoring"),
        *(
            Column(f, choices=RMF_STATES, required=False, description=f"AI RMF {f.title()}")
            for f in RMF_FUNCTIONS
        ),
    ),
)


@register
class AiSystemsCsv(RowCsvSource):
    name = "ai-systems-csv"
    summary = "AI/ML systems register as CSV: system_id, owner, risk_tier, approval, evaluation"
    format = AI_SYSTEMS_CSV
    load_bytes = False
    key_field = "system_id"
    key_description = "system_id"

    def row_key(self, row: dict[str, Any]) -> Any:
        return row["system_id"]

    def check(self, file: str, row: dict[str, Any], ctx: Context) -> list[Problem]:
        every = row["evaluation_every_days"]
        if every is not None and every < 1:
            return [row_problem(file, row, "evaluation_every_days", "must be at least 1")]
        return []

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        names = CatalogNames.load(ctx.session)
        problems: list[Problem] = []
        for row in parsed.records:
            save_system(ctx.session, row, actor_name(), "ingest", ctx.batch.id)
            unknown = names.unknown("service", split_list(row["services"]))
            problems += unknown_warnings(ctx.batch.file_name, row, "services", "service", unknown)
        return problems


def save_system(
    session: Session, row: dict[str, Any], actor: str, via: str, batch_id: int | None
) -> AiSystem:
    system = session.scalar(select(AiSystem).where(AiSystem.key == row["system_id"]))
    exclude = ("id", "updated_at", "batch_id")
    before = snapshot(system, exclude=exclude) if system else None
    if system is None:
        system = AiSystem(key=row["system_id"])
        session.add(system)
    for field in ("name", "kind", "owner", "business_use", "risk_tier", "approval_state"):
        setattr(system, field, row[field])
    system.monitoring_status = row["monitoring_status"]
    system.data_sources = split_list(row["data_sources"])
    system.services = split_list(row["services"])
    system.last_evaluated_on = row["last_evaluated_on"]
    system.evaluation_every_days = row["evaluation_every_days"]
    system.rmf = {f: row.get(f) or "not_started" for f in RMF_FUNCTIONS}
    entry = record(
        session,
        actor=actor,
        action="update" if before else "create",
        entity_type="ai_system",
        entity_id=system.key,
        before=before,
        after=snapshot(system, exclude=exclude),
        via=via,
    )
    if entry is not None:
        system.batch_id, system.updated_at = batch_id, dt.datetime.now(dt.UTC)
    session.flush()
    return system


def system_row(system: AiSystem, settings: Settings, at: dt.date) -> dict[str, Any]:
    every = system.evaluation_every_days or settings.risk.ai_evaluation_every_days
    due = system.last_evaluated_on + dt.timedelta(days=every) if system.last_evaluated_on else None
    overdue = system.approval_state in IN_USE and (due is None or due < at)
    return {
        "system_id": system.key,
        "name": system.name,
        "kind": system.kind,
        "owner": system.owner,
        "business_use": system.business_use,
        "risk_tier": system.risk_tier,
        "data_sources": list(system.data_sources),
        "services": list(system.services),
        "approval_state": system.approval_state,
        "monitoring_status": system.monitoring_status,
        "last_evaluated_on": system.last_evaluated_on,
        "next_evaluation_on": due,
        "evaluation_overdue": overdue,
        "rmf": {f: system.rmf.get(f, "not_started") for f in RMF_FUNCTIONS},
    }


def ai_report(session: Session, settings: Settings, at: dt.date) -> dict[str, Any]:
    """``leadline risk ai --format json``: systems, AI RMF functions, overdue evaluations."""
    systems = session.scalars(select(AiSystem).order_by(AiSystem.key))
    rows = [system_row(s, settings, at) for s in systems]
    active = [r for r in rows if r["approval_state"] in IN_USE]
    return {
        "at": at,
        "systems": rows,
        "functions": [
            {
                "function": f,
                **{state: sum(1 for r in active if r["rmf"][f] == state) for state in RMF_STATES},
                "open": [r["system_id"] for r in active if r["rmf"][f] != "done"],
            }
            for f in RMF_FUNCTIONS
        ],
        "by_tier": {t: sum(1 for r in active if r["risk_tier"] == t) for t in TIERS},
        "overdue_evaluations": [r["system_id"] for r in rows if r["evaluation_overdue"]],
        "unmonitored": [r["system_id"] for r in active if r["monitoring_status"] == "unmonitored"],
    }
