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
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from itertools import zip_longest
from typing import Any

from sqlalchemy import select

from leadline.catalog.models import Organisation
from leadline.context import App
from leadline.periods import Period, Window
from leadline.scorecard import rag
from leadline.scorecard.definitions import SCOPE_KINDS, KpiDefinition, ScopeKind, load_definitions
from leadline.scorecard.ingest import ORGANISATION
from leadline.scorecard.models import Outcome
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.query import unit_text
from leadline.semantic.registry import Direction

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


def _scopes(ev: Evaluation, by: ScopeKind) -> list[str]:
    """Every scope of the kind the catalog's grouping can produce."""
    return ev.grouping.scopes(by)


def organisation_name(app: App) -> str | None:
    with app.store.session() as session:
        org = session.scalars(select(Organisation).order_by(Organisation.name)).first()
        return (org.title or org.name) if org is not None else None


def _title(name: str) -> str:
    """An outcome's name as a title (``customer-nps`` -> ``Customer NPS``)."""
    words = name.replace("_", " ").replace("-", " ").split()
    shown = [w.upper() if w.lower() in _ACRONYMS else w for w in words]
    return " ".join(shown)[:1].upper() + " ".join(shown)[1:]


_ACRONYMS = {
    "nps",
    "csat",
    "ces",
    "sla",
    "slas",
    "xla",
    "slo",
    "slos",
    "okr",
    "it",
    "ai",
    "api",
    "arr",
    "mrr",
    "roi",
}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _row(
    d: KpiDefinition, value: float | None, previous: float | None, unit: str | None = None
) -> dict[str, Any]:
    return {
        "kpi": d.key,
        "name": d.title,
        "group": d.group,
        "unit": unit if unit is not None else unit_text(d.measure),
        "direction": d.direction,
        "value": _round(value),
        "target": d.target,
        "tolerance": d.tolerance,
        "status": rag.status(value, d.target, d.direction, d.tolerance),
        "previous": _round(previous),
        "trend": rag.trend(value, previous, d.direction, d.flat),
        "owner": d.owner,
        "source": d.metric,
        "metric": d.metric,
        "definition": d.measure.definition,
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
        value, previous = now.value if now else None, before.value if before else None
        better: Direction = "lower" if latest.direction == "lower" else "higher"
        shaped = {
            "kpi": f"outcome.{name}",
            "name": _title(name),
            "group": "business-value",
            "unit": latest.unit or "",
            "direction": latest.direction,
            "value": _round(value),
            "target": latest.target,
            "tolerance": 0.10,
            "status": rag.status(value, latest.target, better, 0.10),
            "previous": _round(previous),
            "trend": rag.trend(value, previous, better, 0.01),
            "owner": latest.owner,
            "source": "outcomes-csv",
            "category": latest.category,
        }
        out.setdefault(scope, []).append(shaped)
    return out


def windows(ev: Evaluation, period: Period) -> Window | None:
    """A period's window as the scorecard judges it: cut at the as-of instant while it runs,
    None when it has not started."""
    return period.window.clipped(ev.now)


def _measure_all(
    ev: Evaluation, definitions: list[KpiDefinition], periods: tuple[Period, ...], kind: ScopeKind
) -> dict[tuple[str, str], Mapping[str, float | None]]:
    """Every (KPI, period) read from the metric registry; on DuckDB four KPIs at a time,
    since the pillars' queries release the GIL while the engine runs, and KPIs that share a
    pillar report wait for the one computing it. Spark schedules its own work: one at a
    time. The periods of one KPI are evaluated together (one query where the pillar can)."""
    pillars: dict[str, list[KpiDefinition]] = {}
    for d in definitions:
        pillars.setdefault(d.measure.pillar, []).append(d)
    # One KPI of each pillar before the second of any: the pillars' reports (DORA, SLOs,
    # allocations...) start together instead of four workers waiting on the first one.
    jobs = [d for turn in zip_longest(*pillars.values()) for d in turn if d is not None]
    workers = 1 if (ev.engine or ev.app.settings.engine) == "spark" else 4
    judged = [(p, windows(ev, p)) for p in periods]
    started = [(p, w) for p, w in judged if w is not None]

    def run(d: KpiDefinition) -> list[Mapping[str, float | None]]:
        if not started:
            return []
        return ev.values(d.metric, kind, [w for _, w in started], d.params)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(run, jobs))
    out: dict[tuple[str, str], Mapping[str, float | None]] = {}
    for d, values in zip(jobs, results, strict=True):
        found = dict(zip([p.label for p, _ in started], values, strict=True))
        for period in periods:
            out[(d.key, period.label)] = found.get(period.label, {})
    return out


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
    evaluation: Evaluation | None = None,
) -> dict[str, Any]:
    """The ``leadline scorecard --format json`` document (``evaluation`` shares the
    pillars' results between several scorecards, as the QBR does)."""
    if by not in SCOPE_KINDS:
        raise ScorecardError(f"--by must be one of {', '.join(SCOPE_KINDS)}")
    kind: ScopeKind = by
    try:
        current = Period.parse(period) if period else Period.current_quarter(now and now.date())
    except ValueError as error:
        raise ScorecardError(str(error)) from None
    previous = current.previous()
    ev = evaluation or (Evaluation(app, engine, now) if now else Evaluation(app, engine))
    if not ev.horizon:
        ev.horizon = (*previous.months, *current.months)
    with app.store.session() as session:
        definitions = [d for d in load_definitions(session) if kind in d.scopes]
    cells: dict[str, list[dict[str, Any]]] = {s: [] for s in _scopes(ev, kind)}
    results = _measure_all(ev, definitions, (current, previous), kind)
    window = windows(ev, current)
    for d in definitions:
        values, before = results[(d.key, current.label)], results[(d.key, previous.label)]
        unit = unit_text(d.measure, ev, window) if window is not None else None
        for scope in sorted(set(cells) | set(values) | set(before)):
            cells.setdefault(scope, []).append(_row(d, values.get(scope), before.get(scope), unit))
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
        "as_of": ev.now.replace(microsecond=0),
        "partial": current.is_partial(ev.now),
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
