"""Zero Trust maturity per CISA ZTMM 2.0 pillar and cross-cutting capability, with its history.

Stages: 1 Traditional, 2 Initial, 3 Advanced, 4 Optimal. As of a date, each assessed pillar,
capability or function shows its latest stage on or before that date, its target, the gap
(``max(0, target - current)``) and every earlier stage (the history, oldest first). Functions
assessed on their own are listed under their pillar.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.risk.frameworks import ZTMM, builtin
from leadline.risk.models import ZeroTrustAssessment

STAGES = ("Traditional", "Initial", "Advanced", "Optimal")


def _stage_name(stage: int | None) -> str | None:
    return STAGES[stage - 1] if stage else None


def _entry(node_id: str, rows: list[ZeroTrustAssessment]) -> dict[str, Any]:
    latest = rows[-1]
    node = builtin(ZTMM).nodes[node_id]
    gap = max(0, latest.target_stage - latest.current_stage) if latest.target_stage else None
    return {
        "id": node_id,
        "name": node.name,
        "kind": node.kind or node.level,
        "current_stage": latest.current_stage,
        "current_stage_name": _stage_name(latest.current_stage),
        "target_stage": latest.target_stage,
        "target_stage_name": _stage_name(latest.target_stage),
        "gap": gap,
        "assessed_on": latest.assessed_on,
        "history": [
            {
                "assessed_on": r.assessed_on,
                "stage": r.current_stage,
                "stage_name": _stage_name(r.current_stage),
            }
            for r in rows
        ],
    }


def assessments(session: Session) -> list[str]:
    return sorted(set(session.scalars(select(ZeroTrustAssessment.assessment))))


def zero_trust_report(session: Session, assessment: str, at: dt.date) -> dict[str, Any]:
    """``leadline risk zero-trust --format json`` for one assessment."""
    query = (
        select(ZeroTrustAssessment)
        .where(ZeroTrustAssessment.assessment == assessment, ZeroTrustAssessment.assessed_on <= at)
        .order_by(ZeroTrustAssessment.assessed_on)
    )
    by_node: dict[str, list[ZeroTrustAssessment]] = {}
    for row in session.scalars(query):
        by_node.setdefault(row.node, []).append(row)
    index = builtin(ZTMM)
    pillars = []
    for pillar in index.at_level("pillar"):
        functions = [
            _entry(n.id, by_node[n.id])
            for n in index.at_level("function")
            if n.parent == pillar.id and n.id in by_node
        ]
        if pillar.id not in by_node and not functions:
            continue
        entry: dict[str, Any] = (
            _entry(pillar.id, by_node[pillar.id])
            if pillar.id in by_node
            else {
                "id": pillar.id,
                "name": pillar.name,
                "kind": pillar.kind or pillar.level,
                "current_stage": None,
            }
        )
        entry["functions"] = functions
        pillars.append(entry)
    staged = [p["current_stage"] for p in pillars if p.get("current_stage")]
    return {
        "assessment": assessment,
        "at": at,
        "stages": list(STAGES),
        "lowest_stage": _stage_name(min(staged)) if staged else None,
        "pillars": pillars,
    }
