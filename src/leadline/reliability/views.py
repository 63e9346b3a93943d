"""The Reliability page: SLOs, error budgets and burn-rate alerts, narrowed by the shared
filters (registered by ``reliability/plugin.py``)."""

from __future__ import annotations

from typing import Any

from leadline.context import App
from leadline.periods import Period
from leadline.reliability.report import status as slo_status
from leadline.web import charts, tiles
from leadline.web.cache import cached
from leadline.web.filters import Filters, Scope, rows_where
from leadline.web.viewdata import Page, Table, count_tile, num, pct


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
            "sli": num(s["sli"], 5) if s["sli"] is not None else "n/a",
            "budget_left": pct(s["error_budget_remaining"]),
            "burn_1h": num(s["burn_rate_1h"], 2),
            "burn_6h": num(s["burn_rate_6h"], 2),
            "alert": s["alert"] or "",
            "state": s.get("policy_state", ""),
        }
        for s in slos
    ]
    return Table(
        "slos", "SLOs, error budgets and burn-rate alerts", list(rows[0]) if rows else [], rows
    )


def reliability(app: App, filters: Filters, scope: Scope) -> Page:
    page = Page("Reliability", period="none")
    slos = slo_rows(app, scope)
    ev, chosen = tiles.evaluation(app), tiles.scope_of(filters)
    quarter = Period.current("quarter", ev.now.date()).window
    exhausted = sum(1 for s in slos if s.get("policy_state") == "exhausted")
    page.kpis = [
        count_tile("SLOs", len(slos), "now"),
        tiles.metric_tile(ev, "reliability.slos_within_objective", chosen, quarter),
        tiles.metric_tile(ev, "reliability.slos_met", chosen, quarter),
        count_tile("Exhausted budgets", exhausted, "now"),
        count_tile("Alerts firing", sum(1 for s in slos if s["alert"]), "now"),
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
