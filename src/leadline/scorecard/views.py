"""The Scorecard page (the home page): headline KPIs of every pillar, the balanced scorecard
of the filtered scope and links to its reports (registered by ``scorecard/plugin.py``)."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any
from urllib.parse import urlencode

from leadline.context import App
from leadline.delivery.views import delivery_rows, dora_table, filter_window
from leadline.periods import Period
from leadline.reliability.views import judged_at, slo_data, slo_table
from leadline.risk.register import register_report
from leadline.risk.views import risk_in_scope
from leadline.scorecard.core import ScorecardError, scorecard
from leadline.scorecard.rag import STATUSES
from leadline.scorecard.tables import scorecard_report
from leadline.webkit import charts, tiles
from leadline.webkit.cache import cached
from leadline.webkit.filters import Filters, Scope
from leadline.webkit.viewdata import Page, Table, count_tile, last_month

HOME_SLOS = 15
HOME_COLUMNS = ["name", "group", "value", "target", "status", "previous", "trend", "owner"]


def home(app: App, filters: Filters, scope: Scope) -> Page:
    page = Page("Scorecard")
    dora_data, groups = delivery_rows(app, filters, scope, "week")
    ev, chosen = tiles.evaluation(app), tiles.scope_of(filters)
    window = filter_window(filters)
    page.kpis += [
        tiles.metric_tile(ev, "dora.deployment_frequency", chosen, window),
        tiles.metric_tile(ev, "dora.change_failure_rate", chosen, window),
        tiles.metric_tile(ev, "reliability.slos_within_objective", chosen, window),
    ]
    slo_document, slos = slo_data(app, scope)
    page.kpis.append(
        count_tile("Burn-rate alerts firing", sum(1 for s in slos if s["alert"]), judged_at(app))
    )
    month = Period.parse(filters.month or last_month(ev.now.date()), ("month",))
    page.kpis.append(
        tiles.metric_tile(ev, "finops.cost", chosen, month.window, title=f"Cost {month.label}")
    )
    with app.store.session() as session:
        register = register_report(session, app.settings, ev.now.date())
    risks = [r for r in register["risks"] if risk_in_scope(r, scope)]
    page.kpis.append(
        count_tile("Open risks", sum(1 for r in risks if r["status"] == "open"), "today")
    )
    balanced = balanced_scorecard(app, filters)
    if balanced is not None:
        page.tables.append(balanced)
    page.links = report_links(scorecard_scope(filters)[0])
    label = "selected teams" if scope.teams is not None else "all teams"
    weekly: dict[str, int] = {}
    partial: set[str] = set()
    days: dict[str, float] = {}
    for g in groups:
        for b in g.get("series", []):
            weekly[b["bucket"]] = weekly.get(b["bucket"], 0) + b["deployments"]
            days[b["bucket"]] = b.get("days")
            if b.get("partial"):
                partial.add(b["bucket"])
    series = [
        {
            "teams": label,
            "week": w,
            "deployments": n,
            "bucket": "partial" if w in partial else "complete",
            "days": days.get(w),
        }
        for w, n in sorted(weekly.items())
    ]
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
    page.charts.append(
        (
            "Error budget left, by state",
            charts.error_budget(charts.budget_rows(worst), "Least error budget left (%)"),
        )
    )
    table = slo_table(slo_document, worst)
    table.caption = (
        f"The {len(worst)} SLOs with the least error budget left (of {len(slos)}; "
        "all on the Reliability page)"
    )
    page.tables += [dora_table(dora_data, groups), table]
    return page


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
    caption = f"Balanced scorecard {document['period']} of {chosen['scope']} ({counts})"
    # ``leadline scorecard --by KIND``'s report, the chosen scope's rows; the page leaves out
    # the scope (there is one), the CSV has every column
    report = scorecard_report(document, chosen["scope"])
    statuses: dict[str, str] = {s: s for s in STATUSES}  # shown with colour and symbol
    return Table("scorecard", report, caption, show=HOME_COLUMNS, rag={"status": statuses})


def _budget_order(slo: dict[str, Any]) -> float:
    left = slo["error_budget_remaining"]
    return float("inf") if left is None else float(left)
