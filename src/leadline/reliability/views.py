"""The Reliability page: SLOs, error budgets and burn-rate alerts, narrowed by the shared
filters (registered by ``reliability/plugin.py``)."""

from __future__ import annotations

from typing import Any

from leadline.context import App
from leadline.periods import Period, PeriodAsOf, iso
from leadline.reliability.agreement_tables import sla_status_report, xla_status_report
from leadline.reliability.gate import recent
from leadline.reliability.gate_tables import DECISION_STATES, decisions_report
from leadline.reliability.report import status as slo_status
from leadline.reliability.sla_report import sla_status
from leadline.reliability.tables import slo_status_report
from leadline.reliability.xla import xla_status
from leadline.webkit import charts, palette, tiles
from leadline.webkit.cache import cached
from leadline.webkit.filters import Filters, Scope, rows_where
from leadline.webkit.viewdata import Page, Table, count_tile, last_month


def slo_data(app: App, scope: Scope) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ``leadline slo status`` document and its SLOs in the filtered scope, judged at the
    instant the pages' metric tiles are (the hour): a table judged minutes later than the
    "SLOs within objective" tile beside it could count a different share."""
    at = tiles.evaluation(app).now
    data = cached(app, "slo-status", lambda: slo_status(app, at=at), iso(at))
    return data, rows_where(data["slos"], "service", scope.services)


def judged_at(app: App) -> str:
    """The window label of the counts taken from ``slo_data`` ("at 14:00 UTC")."""
    return f"at {tiles.evaluation(app).now:%H:%M} UTC"


def slo_rows(app: App, scope: Scope) -> list[dict[str, Any]]:
    return slo_data(app, scope)[1]


def slo_table(data: dict[str, Any], slos: list[dict[str, Any]]) -> Table:
    """The SLOs (narrowed by the filters) of ``leadline slo status``'s report: its CSV is the
    command's CSV at the same instant."""
    return Table(
        "slos",
        slo_status_report({**data, "slos": slos}),
        rag={"policy_state": palette.BUDGET_STATES},  # healthy green ... exhausted red
    )


def reliability(app: App, filters: Filters, scope: Scope) -> Page:
    page = Page("Reliability", period="none")
    data, slos = slo_data(app, scope)
    ev, chosen = tiles.evaluation(app), tiles.scope_of(filters)
    quarter = Period.current("quarter", ev.now.date()).window
    exhausted = sum(1 for s in slos if s.get("policy_state") == "exhausted")
    instant = judged_at(app)
    page.kpis = [
        count_tile("SLOs", len(slos), instant),
        tiles.metric_tile(ev, "reliability.slos_within_objective", chosen, quarter),
        tiles.metric_tile(ev, "reliability.slos_met", chosen, quarter),
        count_tile("Exhausted budgets", exhausted, instant),
        count_tile("Alerts firing", sum(1 for s in slos if s["alert"]), instant),
    ]
    charted = sorted(slos, key=_budget_left)[:CHART_SLOS]
    if len(charted) < len(slos):
        page.notes.append(
            f"The chart shows the {CHART_SLOS} SLOs with the least error budget left; the "
            f"table has all {len(slos)}."
        )
    page.charts.append(
        (
            "Error budget left, by state",
            charts.error_budget(charts.budget_rows(charted), "Error budget left (%)"),
        )
    )
    page.tables.append(slo_table(data, slos))
    decisions = recent(app, services=scope.services)
    if decisions:  # the deploy gate's latest decisions and overrides (leadline slo gate)
        page.tables.append(
            Table("gate", decisions_report(decisions), rag={"decision": DECISION_STATES})
        )
    agreements = agreement_tables(app, scope)
    if not agreements:
        page.notes.append(
            f"No SLA or XLA attainment for {last_month()}: no agreement, ticket or experience "
            "answer for these services (leadline ingest service-levels, tickets-csv, "
            "experience-csv)."
        )
    page.tables += agreements
    return page


CHART_SLOS = 40


def _budget_left(slo: dict[str, Any]) -> float:
    left = slo["error_budget_remaining"]
    return float("inf") if left is None else float(left)


VERDICTS = {"met": "green", "breached": "red", "no_data": "grey", "insufficient_data": "grey"}


def agreement_tables(app: App, scope: Scope) -> list[Table]:
    """SLA and XLA attainment of the last complete month per service (``leadline sla status``
    and ``leadline xla status`` for that month): tables only where agreements report."""
    month = PeriodAsOf.parse(last_month(), None)
    sla = cached(app, "sla-status", lambda: sla_status(app, month=month), month.label)
    xla = cached(app, "xla-status", lambda: xla_status(app, month=month), month.label)
    tables = []
    for name, document, build in (
        ("sla", sla, sla_status_report),
        ("xla", xla, xla_status_report),
    ):
        groups = rows_where(document["groups"], "key", scope.services)
        if groups:
            report = build({**document, "groups": groups})
            tables.append(Table(name, report, rag={"status": VERDICTS}))
    return tables
