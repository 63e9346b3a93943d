"""The business-technology alignment matrix: capabilities (rows) against the business outcomes
of the strategy on a page (columns), each cell a strength 0-3 (none, weak, medium, strong), with
the services and the roadmap initiatives (and their value realisation) behind each capability.

An outcome is **covered** when at least one capability serves it with strength 2 (medium) or
more; a capability is **unaligned** when it serves no outcome at all (every strength 0); an
initiative naming no known capability is listed, since its value lands nowhere on the map. An
alignment naming an outcome no strategy has is kept and shown as an extra column marked
``known: false``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from leadline.context import App
from leadline.strategy.capabilities import ordered_capabilities
from leadline.strategy.models import StrategyPage
from leadline.strategy.portfolio_documents import STRENGTHS
from leadline.strategy.portfolio_models import Capability, RoadmapInitiative
from leadline.strategy.roadmap import evaluator, realisation

COVERED = 2


def _outcomes(pages: list[StrategyPage], capabilities: list[Capability]) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for page in pages:
        for o in page.outcomes:
            out.setdefault(o["id"], {"id": o["id"], "title": o["title"], "strategy": page.name})
    for cap in capabilities:
        for a in cap.alignment:
            out.setdefault(a["outcome"], {"id": a["outcome"], "title": None, "strategy": None})
    return [{**o, "known": o["strategy"] is not None} for o in out.values()]


def alignment_matrix(
    app: App, *, today: dt.date | None = None, engine: str | None = None
) -> dict[str, Any]:
    """The ``leadline strategy alignment --format json`` document."""
    ev = evaluator(app, today, engine)
    with app.store.session() as session:
        pages = list(session.scalars(select(StrategyPage).order_by(StrategyPage.name)))
        capabilities = list(session.scalars(select(Capability)))
        initiatives = list(
            session.scalars(select(RoadmapInitiative).order_by(RoadmapInitiative.name))
        )
    outcomes = _outcomes(pages, capabilities)
    values = {i.name: realisation(ev, i) for i in initiatives}
    rows: list[dict[str, Any]] = []
    for cap, level in ordered_capabilities(capabilities):
        given = {a["outcome"]: a["strength"] for a in cap.alignment}
        strengths = {o["id"]: given.get(o["id"], 0) for o in outcomes}
        rows.append(
            {
                "capability": cap.name,
                "title": cap.title,
                "parent": cap.parent,
                "level": level,
                "strengths": strengths,
                "aligned": any(strengths.values()),
                "services": cap.services,
                "teams": cap.teams,
                "initiatives": [
                    {"name": i.name, "title": i.title, **values[i.name]}
                    for i in initiatives
                    if cap.name in i.capabilities
                ],
            }
        )
    columns = [
        {
            **o,
            "capabilities": [r["capability"] for r in rows if r["strengths"][o["id"]] >= COVERED],
            "total_strength": sum(r["strengths"][o["id"]] for r in rows),
            "initiatives": [i.name for i in initiatives if o["id"] in i.outcomes],
        }
        for o in outcomes
    ]
    return {
        "strength_scale": list(STRENGTHS),
        "outcomes": columns,
        "capabilities": rows,
        "uncovered_outcomes": [c["id"] for c in columns if c["known"] and not c["capabilities"]],
        "unaligned_capabilities": [r["capability"] for r in rows if not r["aligned"]],
        "initiatives_without_capability": [
            i.name for i in initiatives if not set(i.capabilities) & {c.name for c in capabilities}
        ],
        "initiatives": [{"name": i.name, "title": i.title, **values[i.name]} for i in initiatives],
    }
