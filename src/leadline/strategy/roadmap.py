"""The roadmap by quarter and horizon, and the value realisation of its initiatives.

A dated initiative's horizon follows from the current quarter: ``done`` when it ended before
it, ``now`` when it has started, ``next`` when it starts within the next two quarters,
``later`` after that; an undated one keeps its declared horizon. An initiative is a lighthouse
when it says so or when it touches a lighthouse value stream of a strategy on a page.

A KPI's progress is scored like a key result: (current - baseline) / (target - baseline),
clamped to [0, 1]; a bound KPI's current value is its metric over the 90 days before now.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from leadline.context import App
from leadline.periods import Window, quarter_of
from leadline.semantic.evaluation import Evaluation
from leadline.strategy.bindings import measure, scope_of
from leadline.strategy.models import StrategyPage
from leadline.strategy.okrs import okr_report
from leadline.strategy.portfolio_models import RoadmapInitiative
from leadline.strategy.scoring import grade, key_result_score, objective_score

CENTS = Decimal("0.01")
KPI_DAYS = 90
NEXT_QUARTERS = 2
HORIZON_ORDER = ("done", "now", "next", "later")


def shift_quarter(quarter: str, by: int) -> str:
    """The quarter ``by`` quarters after (or before) ``quarter``."""
    index = int(quarter[:4]) * 4 + int(quarter[5]) - 1 + by
    return f"{index // 4}Q{index % 4 + 1}"


def quarter_span(start: str, end: str) -> list[str]:
    """Every quarter from ``start`` to ``end`` inclusive."""
    out = [start]
    while out[-1] < end:
        out.append(shift_quarter(out[-1], 1))
    return out


def horizon(row: RoadmapInitiative, current: str) -> str:
    if row.start_quarter is None or row.end_quarter is None:
        return row.horizon or "later"
    if row.end_quarter < current:
        return "done"
    if row.start_quarter <= current:
        return "now"
    return "next" if row.start_quarter <= shift_quarter(current, NEXT_QUARTERS) else "later"


def kpi_values(ev: Evaluation, kpis: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each KPI with its current value (manual or from its bound metric) and progress."""
    out = []
    for kpi in kpis:
        current, measurement = kpi["current"], None
        if kpi["metric"]:
            period = Window(ev.now - dt.timedelta(days=KPI_DAYS), ev.now)
            scope = scope_of(kpi["scope"]["kind"], kpi["scope"].get("name"))
            m = measure(ev, kpi["metric"], scope, period)
            current, measurement = m.value, m.as_dict()
        progress = key_result_score(kpi["baseline"], kpi["target"], current)
        out.append(
            {
                **kpi,
                "current": current,
                "progress": progress,
                "grade": grade(progress),
                "measurement": measurement,
            }
        )
    return out


def realisation(ev: Evaluation, row: RoadmapInitiative) -> dict[str, Any]:
    """An initiative's KPIs and its value realisation: the mean progress of KPIs with a value."""
    kpis = kpi_values(ev, row.kpis)
    score = objective_score(k["progress"] for k in kpis)
    return {"realisation": score, "grade": grade(score), "kpis": kpis}


def lighthouse_streams(app: App) -> list[str]:
    with app.store.session() as session:
        pages = session.scalars(select(StrategyPage).order_by(StrategyPage.name))
        return sorted({s for p in pages for s in p.lighthouse_value_streams})


def evaluator(app: App, today: dt.date | None, engine: str | None) -> Evaluation:
    if today is None:
        return Evaluation(app, engine)
    return Evaluation(app, engine, now=dt.datetime.combine(today + dt.timedelta(days=1), dt.time()))


def roadmap(app: App, *, today: dt.date | None = None, engine: str | None = None) -> dict[str, Any]:
    """The ``leadline strategy roadmap --format json`` document."""
    ev = evaluator(app, today, engine)
    today = today or ev.now.date()
    current = quarter_of(today)
    lighthouses = set(lighthouse_streams(app))
    with app.store.session() as session:
        rows = list(session.scalars(select(RoadmapInitiative)))
    objectives = _objectives(app, ev, {name for r in rows for name in r.objectives})
    items = [_item(ev, r, current, lighthouses, objectives) for r in rows]
    items.sort(key=lambda i: (HORIZON_ORDER.index(i["horizon"]), i["start"] or "9999Q9", i["name"]))
    dated = [i for i in items if i["start"]]
    quarters = (
        quarter_span(min(i["start"] for i in dated), max(i["end"] for i in dated)) if dated else []
    )
    lanes: dict[str, list[str]] = defaultdict(list)
    budgets: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for i in items:
        lanes[i["horizon"]].append(i["name"])
        if i["budget"] is not None:
            budgets[i["horizon"]][i["currency"]] += Decimal(i["budget"])
    return {
        "today": today.isoformat(),
        "current_quarter": current,
        "quarters": quarters,
        "lighthouse_value_streams": sorted(lighthouses),
        "horizons": {h: lanes.get(h, []) for h in HORIZON_ORDER},
        "budget_by_horizon": {
            h: {c: str(v) for c, v in sorted(budgets[h].items())} for h in HORIZON_ORDER
        },
        "initiatives": items,
    }


def _item(
    ev: Evaluation,
    row: RoadmapInitiative,
    current: str,
    lighthouses: set[str],
    objectives: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    streams = [s for s in row.value_streams if s in lighthouses]
    dated = row.start_quarter is not None and row.end_quarter is not None
    return {
        "name": row.name,
        "title": row.title,
        "owner": row.owner,
        "start": row.start_quarter,
        "end": row.end_quarter,
        "quarters": quarter_span(row.start_quarter, row.end_quarter)  # type: ignore[arg-type]
        if dated
        else [],
        "horizon": horizon(row, current),
        "horizon_from": "quarters" if dated else "declared",
        "outcomes": row.outcomes,
        "objectives": [_objective(name, objectives.get(name)) for name in row.objectives],
        "capabilities": row.capabilities,
        "value_streams": row.value_streams,
        "lighthouse": row.lighthouse or bool(streams),
        "lighthouse_value_streams": streams,
        "budget": None if row.budget is None else str(Decimal(row.budget).quantize(CENTS)),
        "currency": row.currency,
        **realisation(ev, row),
    }


def _objectives(app: App, ev: Evaluation, names: set[str]) -> dict[str, dict[str, Any]]:
    """The named OKR objectives as ``leadline okr`` scores them (bound key results live)."""
    if not names:
        return {}
    report = okr_report(app, evaluation=ev)["objectives"]
    return {
        o["name"]: {
            "name": o["name"],
            "known": True,
            "quarter": o["quarter"],
            "title": o["title"],
            "score": o["score"],
            "grade": grade(o["score"]),
        }
        for o in report
        if o["name"] in names
    }


def _objective(name: str, found: dict[str, Any] | None) -> dict[str, Any]:
    if found is None:
        return {
            "name": name,
            "known": False,
            "quarter": None,
            "title": None,
            "score": None,
            "grade": None,
        }
    return found
