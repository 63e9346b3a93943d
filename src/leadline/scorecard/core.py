"""``leadline scorecard``: every KPI per scope for a period, with its target, RAG status,
value in the previous period, trend and owner.

Scopes are the catalog's entities of the chosen kind (all of them, so a scope without data
shows grey rather than vanishing) plus any other scope a measure reports. Business outcome KPIs
(``outcomes-csv``) are those whose scope kind is the one asked; a period's value is the outcome
entered for exactly that period, else the latest month entered inside it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from itertools import zip_longest
from typing import Any

from sqlalchemy import select

from leadline.catalog.models import BusinessUnit, Organisation, Team, ValueStream
from leadline.context import App
from leadline.scorecard import rag
from leadline.scorecard.definitions import SCOPE_KINDS, KpiDefinition, ScopeKind, load_definitions
from leadline.scorecard.ingest import ORGANISATION
from leadline.scorecard.measures import MEASURES, Gather
from leadline.scorecard.models import Outcome
from leadline.scorecard.periods import Period

ROW_COLUMNS = (
    "scope_kind",
    "scope",
    "group",
    "kpi",
    "name",
    "value",
    "unit",
    "target",
    "status",
    "previous",
    "trend",
    "owner",
)


class ScorecardError(ValueError):
    """A scorecard that cannot be made as asked (unknown scope kind, bad period)."""


def _scopes(app: App, by: ScopeKind) -> list[str]:
    if by == ORGANISATION:
        return [ORGANISATION]
    model: Any = {"business-unit": BusinessUnit, "value-stream": ValueStream, "team": Team}[by]
    with app.store.session() as session:
        return sorted(session.scalars(select(model.name)))


def organisation_name(app: App) -> str | None:
    with app.store.session() as session:
        org = session.scalars(select(Organisation).order_by(Organisation.name)).first()
        return (org.title or org.name) if org is not None else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _row(d: KpiDefinition, value: float | None, previous: float | None) -> dict[str, Any]:
    return {
        "kpi": d.key,
        "name": d.name,
        "group": d.group,
        "unit": d.unit,
        "direction": d.direction,
        "value": _round(value),
        "target": d.target,
        "tolerance": d.tolerance,
        "status": rag.status(value, d.target, d.direction, d.tolerance),
        "previous": _round(previous),
        "trend": rag.trend(value, previous, d.direction, d.flat),
        "owner": d.owner,
        "source": d.measure,
    }


def _outcome_value(rows: list[Outcome], period: Period) -> Outcome | None:
    exact = [r for r in rows if r.period == period.label]
    if exact:
        return exact[0]
    inside = sorted((r for r in rows if period.contains_month(r.period)), key=lambda r: r.period)
    return inside[-1] if inside else None


def _outcome_rows(app: App, by: ScopeKind, period: Period) -> dict[str, list[dict[str, Any]]]:
    with app.store.session() as session:
        found = list(session.scalars(select(Outcome).where(Outcome.scope_kind == by)))
        session.expunge_all()
    series: dict[tuple[str, str], list[Outcome]] = {}
    for row in found:
        series.setdefault((row.scope, row.name), []).append(row)
    out: dict[str, list[dict[str, Any]]] = {}
    for (scope, name), rows in sorted(series.items()):
        now, before = _outcome_value(rows, period), _outcome_value(rows, period.previous())
        latest = now or before
        if latest is None:
            continue
        d = KpiDefinition(
            key=f"outcome.{name}",
            name=name,
            group="business-value",
            measure="dora.deployment_frequency",  # unused: outcomes are entered, not measured
            unit=latest.unit or "",
            direction=latest.direction,
            target=latest.target,
            owner=latest.owner,
        )
        shaped = _row(d, now.value if now else None, before.value if before else None)
        shaped.update({"source": "outcomes-csv", "category": latest.category})
        out.setdefault(scope, []).append(shaped)
    return out


def _measure_all(
    gather: Gather, definitions: list[KpiDefinition], periods: tuple[Period, ...], kind: ScopeKind
) -> dict[tuple[str, str], dict[str, float]]:
    """Every (KPI, period) measured; on DuckDB four at a time, since the pillars' queries
    release the GIL while the engine runs, and measures that share a pillar report wait for
    the one computing it (four keep both cores busy meanwhile). Spark schedules its own
    work: one at a time."""
    pillars: dict[str, list[tuple[KpiDefinition, Period]]] = {}
    for d in definitions:
        pillars.setdefault(d.measure.split(".")[0], []).extend((d, p) for p in periods)
    # One job of each pillar before the second of any: the pillars' reports (DORA, SLOs,
    # allocations...) start together instead of four workers waiting on the first one.
    jobs = [job for turn in zip_longest(*pillars.values()) for job in turn if job is not None]
    workers = 1 if (gather.engine or gather.app.settings.engine) == "spark" else 4

    def run(job: tuple[KpiDefinition, Period]) -> dict[str, float]:
        d, period = job
        return MEASURES[d.measure](gather, d, period, kind)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        values = list(pool.map(run, jobs))
    return {(d.key, p.label): v for (d, p), v in zip(jobs, values, strict=True)}


def _summary(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = Counter(r["status"] for r in rows)
    return {s: counts.get(s, 0) for s in rag.STATUSES}


def scorecard(
    app: App,
    *,
    by: str = ORGANISATION,
    period: str | None = None,
    engine: str | None = None,
    now: dt.datetime | None = None,
    gather: Gather | None = None,
) -> dict[str, Any]:
    """The ``leadline scorecard --format json`` document (``gather`` shares the pillars'
    results between several scorecards, as the QBR does)."""
    if by not in SCOPE_KINDS:
        raise ScorecardError(f"--by must be one of {', '.join(SCOPE_KINDS)}")
    kind: ScopeKind = by
    try:
        current = Period.parse(period) if period else Period.current_quarter(now and now.date())
    except ValueError as error:
        raise ScorecardError(str(error)) from None
    previous = current.previous()
    gather = gather or Gather(app, engine, now.replace(tzinfo=None) if now else Gather(app).now)
    if not gather.horizon:
        gather.horizon = (*previous.months, *current.months)
    with app.store.session() as session:
        definitions = [d for d in load_definitions(session) if kind in d.scopes]
    cells: dict[str, list[dict[str, Any]]] = {s: [] for s in _scopes(app, kind)}
    results = _measure_all(gather, definitions, (current, previous), kind)
    for d in definitions:
        values, before = results[(d.key, current.label)], results[(d.key, previous.label)]
        for scope in sorted(set(cells) | set(values) | set(before)):
            cells.setdefault(scope, []).append(_row(d, values.get(scope), before.get(scope)))
    for scope, rows in _outcome_rows(app, kind, current).items():
        cells.setdefault(scope, [])[:0] = rows
    scopes: list[dict[str, Any]] = [
        {"scope_kind": kind, "scope": s, "summary": _summary(rows), "kpis": rows}
        for s, rows in sorted(cells.items())
    ]
    return {
        "period": current.label,
        "previous_period": previous.label,
        "since": current.start.date(),
        "until": current.end.date(),
        "by": kind,
        "organisation": organisation_name(app),
        "summary": _summary([r for s in scopes for r in s["kpis"]]),
        "scopes": scopes,
    }


def rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The scorecard flattened to one row per (scope, KPI), for tables, CSV and Parquet."""
    out = []
    for scope in document["scopes"]:
        for kpi in scope["kpis"]:
            full = {"scope_kind": scope["scope_kind"], "scope": scope["scope"], **kpi}
            out.append({c: full.get(c) for c in ROW_COLUMNS})
    return out


def headline(app: App, *, as_of: dt.date | None = None) -> str:
    """One line for ``leadline demo``: the organisation's RAG counts this quarter."""
    now = dt.datetime.combine(as_of, dt.time(12)) if as_of else None
    document = scorecard(app, by=ORGANISATION, now=now)
    s = document["summary"]
    return (
        f"Scorecard {document['period']} (organisation): {s['green']} green, {s['amber']} amber, "
        f"{s['red']} red, {s['grey']} without data"
    )
