"""What each page shows: KPIs, charts and tables from the pillars' core functions, narrowed by
the shared filters. Pure data (no HTML), so CSV export and templates use the same tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import urlencode

from leadline.catalog import queries
from leadline.context import App
from leadline.delivery.report import Window, dora
from leadline.finops.report import showback
from leadline.reliability.report import status as slo_status
from leadline.risk.register import register_report
from leadline.scorecard.core import ScorecardError, scorecard
from leadline.scorecard.periods import Period
from leadline.web import charts
from leadline.web.cache import cached
from leadline.web.filters import Filters, Scope, rows_where


@dataclass
class Table:
    name: str
    caption: str
    columns: list[str]
    rows: list[dict[str, Any]]
    edit: str | None = None  # URL pattern with {key} for an edit link per row
    key: str | None = None
    link: str | None = None  # URL pattern with {key} for a "details" link per row


@dataclass
class Page:
    title: str
    kpis: list[tuple[str, str]] = field(default_factory=list)
    charts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    period: str = "window"  # which period fields the filter form shows: window | month | none
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, label) of reports


def _window(filters: Filters) -> Window:
    return Window.parse(
        filters.since.isoformat() if filters.since else None,
        filters.until.isoformat() if filters.until else None,
    )


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def last_month(today: dt.date | None = None) -> str:
    today = today or dt.datetime.now(dt.UTC).date()
    return (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")


def delivery_rows(app: App, filters: Filters, scope: Scope, period: str | None) -> Any:
    window = _window(filters)
    data = cached(
        app,
        "dora",
        lambda: dora(app, by="team", period=period, window=window),  # type: ignore[arg-type]
        "team",
        period,
        window.since,
        window.until,
    )
    return data, rows_where(data["groups"], "key", scope.teams)


def dora_table(groups: list[dict[str, Any]]) -> Table:
    rows = [
        {
            "team": g["key"],
            "deployments": g["deployments"],
            "per_day": round(g["deployment_frequency_per_day"] or 0, 2),
            "lead_time_p50_h": _num(g["lead_time_hours"]["p50"]),
            "change_failure_rate": _pct(g["change_failure_rate"]),
            "restore_p50_h": _num(g["time_to_restore_hours"]["p50"]),
            "rework_rate": _pct(g["rework_rate"]),
            "level": g["performance_level"],
        }
        for g in groups
    ]
    return Table("dora", "DORA four keys per team", list(rows[0]) if rows else [], rows)


def slo_rows(app: App, scope: Scope) -> list[dict[str, Any]]:
    data = cached(app, "slo-status", lambda: slo_status(app), None)
    return rows_where(data["slos"], "service", scope.services)


def slo_table(slos: list[dict[str, Any]]) -> Table:
    rows = [
        {
            "slo": s["slo"],
            "service": s["service"],
            "objective": s["objective"],
            "window": s["window"],
            "sli": _num(s["sli"], 5) if s["sli"] is not None else "n/a",
            "budget_left": _pct(s["error_budget_remaining"]),
            "burn_1h": _num(s["burn_rate_1h"], 2),
            "burn_6h": _num(s["burn_rate_6h"], 2),
            "alert": s["alert"] or "",
            "state": s.get("policy_state", ""),
        }
        for s in slos
    ]
    return Table(
        "slos", "SLOs, error budgets and burn-rate alerts", list(rows[0]) if rows else [], rows
    )


def home(app: App, filters: Filters, scope: Scope) -> Page:
    page = Page("Scorecard")
    _data, groups = delivery_rows(app, filters, scope, "week")
    deployments = sum(g["deployments"] for g in groups)
    days = _window(filters).days
    page.kpis.append(("Deployments per day", _num(deployments / days if days else None, 2)))
    failures = sum(g["failed_deployments"] or 0 for g in groups)
    page.kpis.append(("Change failure rate", _pct(failures / deployments if deployments else None)))
    slos = slo_rows(app, scope)
    healthy = sum(1 for s in slos if s.get("policy_state") == "healthy")
    page.kpis.append(("SLOs healthy", f"{healthy} of {len(slos)}"))
    page.kpis.append(("Burn-rate alerts firing", str(sum(1 for s in slos if s["alert"]))))
    month = filters.month or last_month()
    try:
        cost = cached(app, "showback", lambda: showback(app, month), month, "team", "effective")
        page.kpis.append((f"Cost {month}", f"{cost['total']} {cost['currency'] or ''}".strip()))
    except ValueError as error:
        page.notes.append(f"FinOps: {error}")
    with app.store.session() as session:
        register = register_report(session, app.settings, dt.datetime.now(dt.UTC).date())
    risks = [r for r in register["risks"] if risk_in_scope(r, scope)]
    page.kpis.append(("Open risks", str(sum(1 for r in risks if r["status"] == "open"))))
    balanced = balanced_scorecard(app, filters)
    if balanced is not None:
        page.tables.append(balanced)
    page.links = report_links(scorecard_scope(filters)[0])
    label = "selected teams" if scope.teams is not None else "all teams"
    weekly: dict[str, int] = {}
    for g in groups:
        for b in g.get("series", []):
            weekly[b["bucket"]] = weekly.get(b["bucket"], 0) + b["deployments"]
    series = [{"teams": label, "week": w, "deployments": n} for w, n in sorted(weekly.items())]
    page.charts.append(
        (
            "Deployments per week",
            charts.lines(
                series,
                "week",
                "deployments",
                "teams",
                title=f"Deployments per week ({label})",
                y_title="deployments",
            ),
        )
    )
    worst = sorted(slos, key=_budget_order)[:HOME_SLOS]
    budget = [
        {"slo": s["slo"], "budget_left_pct": round((s["error_budget_remaining"] or 0) * 100, 1)}
        for s in worst
    ]
    page.charts.append(
        (
            "Error budget left",
            charts.bars(budget, "slo", "budget_left_pct", "Least error budget left (%)", "%"),
        )
    )
    table = slo_table(worst)
    table.caption = (
        f"The {len(worst)} SLOs with the least error budget left (of {len(slos)}; "
        "all on the Reliability page)"
    )
    page.tables += [dora_table(groups), table]
    return page


SCORECARD_COLUMNS = [
    "name",
    "group",
    "value",
    "unit",
    "target",
    "status",
    "previous",
    "trend",
    "owner",
]


def scorecard_scope(filters: Filters) -> tuple[str, str | None]:
    """The scope kind and name the filters choose: a team, else a value stream, else a
    business unit, else the organisation."""
    for attribute, scope_kind in (
        ("team", "team"),
        ("value_stream", "value-stream"),
        ("business_unit", "business-unit"),
    ):
        if getattr(filters, attribute):
            return scope_kind, getattr(filters, attribute)
    return "organisation", None


def report_links(kind: str, today: dt.date | None = None) -> list[tuple[str, str]]:
    """The QBR of this quarter and the previous one (page and PDF), and the scorecard of every
    scope of ``kind`` as CSV and Parquet (the rows of ``leadline scorecard --format csv``)."""
    current = Period.current_quarter(today)
    links = []
    for quarter in (current.label, current.previous().label):
        links.append((f"/reports/qbr?quarter={quarter}", f"Quarterly business review {quarter}"))
        links.append((f"/reports/qbr?quarter={quarter}&format=pdf", f"QBR {quarter} as PDF"))
    for fmt in ("csv", "parquet"):
        query = urlencode({"by": kind, "format": fmt})
        links.append((f"/api/v1/scorecard?{query}", f"Scorecard by {kind} ({fmt.upper()})"))
    return links


def balanced_scorecard(app: App, filters: Filters) -> Table | None:
    """The balanced scorecard (``leadline scorecard``) of this quarter for the filtered scope."""
    kind, name = scorecard_scope(filters)
    try:
        document = cached(app, "scorecard", partial(scorecard, app, by=kind), kind, None)
    except ScorecardError:
        return None
    scopes = [s for s in document["scopes"] if name is None or s["scope"] == name]
    if not scopes:
        return None
    chosen = scopes[0]
    counts = ", ".join(f"{n} {status}" for status, n in chosen["summary"].items())
    rows = [{c: k.get(c) for c in SCORECARD_COLUMNS} for k in chosen["kpis"]]
    caption = f"Balanced scorecard {document['period']} of {chosen['scope']} ({counts})"
    return Table("scorecard", caption, SCORECARD_COLUMNS, rows)


HOME_SLOS = 15
CHART_TEAMS = 10


def _budget_order(slo: dict[str, Any]) -> float:
    left = slo["error_budget_remaining"]
    return float("inf") if left is None else float(left)


def risk_in_scope(row: dict[str, Any], scope: Scope) -> bool:
    if scope.teams is None:
        return True
    return bool(set(row["teams"]) & scope.teams) or bool(
        set(row["services"]) & (scope.services or set())
    )


def catalog(app: App, filters: Filters, scope: Scope) -> Page:
    page = Page("Catalog", period="none")
    with app.store.session() as session:
        teams = rows_where(queries.teams(session), "name", scope.teams)
        services = rows_where(queries.services(session), "name", scope.services)
        interactions = [
            i
            for i in queries.interactions(session)
            if scope.team_ok(i["team"]) or scope.team_ok(i["with"])
        ]
    kinds: dict[str, int] = {}
    for t in teams:
        kinds[t["type"] or "unclassified"] = kinds.get(t["type"] or "unclassified", 0) + 1
    page.kpis = [("Teams", str(len(teams))), ("Services", str(len(services)))]
    page.kpis += [(k.replace("-", " "), str(n)) for k, n in sorted(kinds.items())]
    graph = [{"team": i["team"], "with": i["with"], "mode": i["mode"]} for i in interactions]
    spec = charts.heatmap(
        [{**g, "n": 1} for g in graph],
        "with",
        "team",
        "n",
        "Team interactions (row works with column)",
    )
    page.charts.append(("Interaction graph", _colour_by_mode(spec)))
    page.tables = [
        Table("teams", "Teams (Team Topologies types)", list(teams[0]) if teams else [], teams),
        Table("services", "Services", list(services[0]) if services else [], services),
        Table(
            "interactions",
            "Interactions",
            list(interactions[0]) if interactions else [],
            interactions,
        ),
    ]
    return page


def _colour_by_mode(spec: dict[str, Any]) -> dict[str, Any]:
    """The interaction matrix coloured by interaction mode rather than a count."""
    layer = spec["layer"][0]
    layer["encoding"]["color"] = {"field": "mode", "type": "nominal", "title": "mode"}
    layer["encoding"]["tooltip"] = [
        {"field": "team", "type": "nominal"},
        {"field": "with", "type": "nominal"},
        {"field": "mode", "type": "nominal"},
    ]
    spec["layer"] = [layer]
    return spec


def delivery(app: App, filters: Filters, scope: Scope) -> Page:
    page = Page("Delivery")
    data, groups = delivery_rows(app, filters, scope, "week")
    page.notes.append(f"Window {data['since']} to {data['until']} (weekly buckets).")
    charted = sorted(groups, key=lambda g: -g["deployments"])[:CHART_TEAMS]
    if len(charted) < len(groups):
        page.notes.append(
            f"The charts show the {CHART_TEAMS} teams with the most deployments; the table has "
            f"all {len(groups)} (filter by business unit or value stream to compare others)."
        )
    series = [
        {
            "team": g["key"],
            "week": b["bucket"],
            "deployments": b["deployments"],
            "lead_time_p50_h": b["lead_time_hours"]["p50"],
        }
        for g in charted
        for b in g.get("series", [])
    ]
    page.charts.append(
        (
            "Deployments per week",
            charts.lines(
                series,
                "week",
                "deployments",
                "team",
                title="Deployments per week",
                y_title="deployments",
            ),
        )
    )
    page.charts.append(
        (
            "Lead time",
            charts.lines(
                [s for s in series if s["lead_time_p50_h"] is not None],
                "week",
                "lead_time_p50_h",
                "team",
                title="Lead time for changes, median (hours)",
                y_title="hours",
            ),
        )
    )
    page.tables.append(dora_table(groups))
    return page


def reliability(app: App, filters: Filters, scope: Scope) -> Page:
    page = Page("Reliability", period="none")
    slos = slo_rows(app, scope)
    page.kpis = [
        ("SLOs", str(len(slos))),
        ("Exhausted budgets", str(sum(1 for s in slos if s.get("policy_state") == "exhausted"))),
        ("Alerts firing", str(sum(1 for s in slos if s["alert"]))),
    ]
    budget = [
        {"slo": s["slo"], "budget_left_pct": round((s["error_budget_remaining"] or 0) * 100, 1)}
        for s in slos
    ]
    page.charts.append(
        (
            "Error budget left",
            charts.bars(budget, "slo", "budget_left_pct", "Error budget left (%)", "%"),
        )
    )
    page.tables.append(slo_table(slos))
    return page


PAGES = {
    "/": home,
    "/catalog": catalog,
    "/delivery": delivery,
    "/reliability": reliability,
}
