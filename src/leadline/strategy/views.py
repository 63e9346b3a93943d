"""The Strategy page: OKRs with their key results' scores and the 90-day plan, narrowed by the
shared filters (registered by ``strategy/plugin.py``)."""

from __future__ import annotations

from leadline.context import App
from leadline.strategy.okrs import okr_report
from leadline.strategy.plan import plan_report
from leadline.strategy.tables import okr_table_report, plan_table_report
from leadline.webkit import charts
from leadline.webkit.cache import cached
from leadline.webkit.filters import Filters, Scope
from leadline.webkit.viewdata import Page, Table, count_tile


def strategy(app: App, filters: Filters, scope: Scope) -> Page:
    page = Page("Strategy", period="none")
    okrs = cached(app, "okrs", lambda: okr_report(app), None)
    names = (scope.teams or set()) | {filters.business_unit or "", filters.value_stream or ""}
    objectives = [o for o in okrs["objectives"] if scope.teams is None or o.get("scope") in names]
    # ``leadline okr``'s report of the objectives in the filtered scope
    report = okr_table_report({**okrs, "objectives": objectives})
    krs = report.rows
    page.kpis = [count_tile("Objectives", len(objectives)), count_tile("Key results", len(krs))]
    page.charts.append(
        (
            "Key result scores",
            charts.bars(
                [{c: k[c] for c in ("key_result", "score")} for k in krs if k["score"] is not None],
                "key_result",
                "score",
                "Key result scores (0-1)",
                "score",
            ),
        )
    )
    page.tables.append(
        Table(
            "key_results",
            report,
            edit="/okr/{key}/checkin",
            key="key_result",
            editors="strategy",
        )
    )
    try:
        plan = cached(app, "plan", lambda: plan_report(app), None)
    except ValueError as error:
        page.notes.append(str(error))
        return page
    page.kpis.append(
        count_tile(
            "90-day plan", f"day {plan['day']}, {plan['met']} met, {plan['overdue']} overdue"
        )
    )
    page.tables.append(
        Table(
            "plan",
            plan_table_report(plan),  # ``leadline plan``'s report
            edit="/plan/{key}/edit",
            key="key",
            editors="strategy",
        )
    )
    return page
