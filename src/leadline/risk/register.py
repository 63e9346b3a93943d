"""Reading the risk register: rows with scores, ratings and review state; CSF 2.0 functions as
headings; heat map; top N by residual score; a risk's change history from the audit log.

A risk's review is due ``review_every_days`` (its own, else ``[risk] review_every_days``) after
its last review (else after it was identified); an open risk whose due date is before ``at`` is
overdue. Closed risks are never overdue. An action is overdue when open and due before ``at``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.audit import history
from leadline.config import Settings
from leadline.risk.frameworks import csf
from leadline.risk.models import Risk
from leadline.risk.risks import ENTITY
from leadline.risk.scoring import Matrix


def next_review_on(risk: Risk, default_days: int) -> dt.date:
    days = risk.review_every_days or default_days
    return (risk.last_reviewed_on or risk.identified_on) + dt.timedelta(days=days)


def csf_functions(subcategories: list[str]) -> list[str]:
    index = csf()
    found = (index.ancestor(s, "function") for s in subcategories)
    return sorted({f.id for f in found if f is not None})


def risk_row(risk: Risk, matrix: Matrix, settings: Settings, at: dt.date) -> dict[str, Any]:
    inherent = risk.likelihood * risk.impact
    residual = risk.residual_likelihood * risk.residual_impact
    due = next_review_on(risk, settings.risk.review_every_days)
    open_actions = [a for a in risk.actions if a.get("status") != "done"]
    return {
        "risk_id": risk.key,
        "title": risk.title,
        "description": risk.description,
        "owner": risk.owner,
        "category": risk.category,
        "status": risk.status,
        "csf_functions": csf_functions(risk.csf),
        "csf_subcategories": list(risk.csf),
        "cobit_objectives": list(risk.cobit),
        "services": list(risk.services),
        "teams": list(risk.teams),
        "likelihood": risk.likelihood,
        "impact": risk.impact,
        "inherent_score": inherent,
        "inherent_rating": matrix.rating(inherent),
        "residual_likelihood": risk.residual_likelihood,
        "residual_impact": risk.residual_impact,
        "residual_score": residual,
        "residual_rating": matrix.rating(residual),
        "treatment": risk.treatment,
        "actions": list(risk.actions),
        "actions_open": len(open_actions),
        "actions_overdue": sum(1 for a in open_actions if dt.date.fromisoformat(a["due_on"]) < at),
        "review_every_days": risk.review_every_days,
        "identified_on": risk.identified_on,
        "last_reviewed_on": risk.last_reviewed_on,
        "next_review_on": due,
        "review_overdue": risk.status == "open" and due < at,
        "closed_on": risk.closed_on,
    }


def load_rows(
    session: Session, settings: Settings, at: dt.date, *, include_closed: bool = False
) -> list[dict[str, Any]]:
    matrix = Matrix.from_settings(settings.risk)
    query = select(Risk).order_by(Risk.key)
    if not include_closed:
        query = query.where(Risk.status == "open")
    rows = [risk_row(r, matrix, settings, at) for r in session.scalars(query)]
    rows.sort(key=lambda r: (-r["residual_score"], -r["inherent_score"], r["risk_id"]))
    return rows


def register_report(
    session: Session,
    settings: Settings,
    at: dt.date,
    *,
    top: int | None = None,
    include_closed: bool = False,
    owner: str | None = None,
    function: str | None = None,
) -> dict[str, Any]:
    """The register as JSON-ready data (``leadline risk register --format json``)."""
    matrix = Matrix.from_settings(settings.risk)
    rows = load_rows(session, settings, at, include_closed=include_closed)
    if owner:
        rows = [r for r in rows if r["owner"] == owner]
    if function:
        rows = [r for r in rows if function.upper() in r["csf_functions"]]
    open_rows = [r for r in rows if r["status"] == "open"]
    return {
        "at": at,
        "matrix": matrix.describe(),
        "risks": rows[:top] if top else rows,
        "by_function": _by_function(open_rows),
        "by_rating": {
            name: sum(1 for r in open_rows if r["residual_rating"] == name)
            for name in matrix.band_names()
        },
        "heatmap": {
            "inherent": matrix.heatmap([(r["likelihood"], r["impact"]) for r in open_rows]),
            "residual": matrix.heatmap(
                [(r["residual_likelihood"], r["residual_impact"]) for r in open_rows]
            ),
        },
        "overdue_reviews": [r["risk_id"] for r in open_rows if r["review_overdue"]],
        "overdue_actions": sum(r["actions_overdue"] for r in open_rows),
    }


def _by_function(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """CSF 2.0 functions as the register's headings: open risks under each (a risk linked to
    two functions counts under both; risks with no CSF link under ``unmapped``)."""
    out = []
    for node in [*csf().at_level("function"), None]:
        key = node.id if node else "unmapped"
        members = [
            r for r in rows if (key in r["csf_functions"] if node else not r["csf_functions"])
        ]
        out.append(
            {
                "function": key,
                "name": node.name if node else "No CSF subcategory linked",
                "risks": len(members),
                "max_residual_score": max((r["residual_score"] for r in members), default=None),
                "risk_ids": [r["risk_id"] for r in members],
            }
        )
    return out


def risk_history(session: Session, key: str, limit: int = 200) -> list[dict[str, Any]]:
    """Every recorded change of a risk, newest first: who, when, what changed, before/after."""
    return [
        {
            "at": e.at,
            "actor": e.actor,
            "via": e.via,
            "action": e.action,
            "changed": e.changed,
            "before": {k: (e.before or {}).get(k) for k in e.changed} if e.before else None,
            "after": {k: (e.after or {}).get(k) for k in e.changed} if e.after else None,
            "note": e.note,
        }
        for e in history(session, entity_type=ENTITY, entity_id=key, limit=limit)
    ]
