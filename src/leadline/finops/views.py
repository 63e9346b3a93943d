"""The FinOps page: showback of a month by team, business unit and tower, narrowed by the
shared filters (registered by ``finops/plugin.py``)."""

from __future__ import annotations

from functools import partial

from leadline.context import App
from leadline.finops.pages import LINKS
from leadline.finops.reconcile import reconcile, status_tile
from leadline.finops.report import showback
from leadline.finops.tables import showback_report
from leadline.periods import Period
from leadline.webkit import charts, tiles
from leadline.webkit.cache import cached
from leadline.webkit.filters import Filters, Scope
from leadline.webkit.viewdata import Page, Table, last_month


def finops(app: App, filters: Filters, scope: Scope) -> Page:
    page = Page("FinOps", period="month", links=LINKS)
    month = filters.month or last_month()
    page.notes.append(f"Showback of {month} (effective cost).")
    for by, caption in (
        ("team", "Showback by team"),
        ("business-unit", "By business unit"),
        ("tower", "Tower view"),
    ):
        try:
            data = cached(
                app, "showback", partial(showback, app, month, by=by), month, by, "effective"
            )
        except ValueError as error:
            page.notes.append(str(error))
            return page
        groups = data["groups"]
        if by == "team":
            page.notes += data.get("notes", [])  # e.g. the default rule is in force
            groups = [g for g in groups if scope.team_ok(g["key"]) or g["key"] == "unallocated"]
            ev, chosen = tiles.evaluation(app), tiles.scope_of(filters)
            window = Period.parse(month, ("month",)).window
            page.kpis = [tiles.metric_tile(ev, "finops.cost", chosen, window)]
            if chosen.kind == "organisation":
                page.kpis.append(
                    tiles.metric_tile(ev, "finops.allocation_coverage", chosen, window)
                )
            page.charts.append(
                (
                    "Cost by team",
                    charts.bars(
                        [{"team": g["key"], "cost": float(g["cost"])} for g in groups],
                        "team",
                        "cost",
                        f"Cost by team, {month}",
                        data["currency"] or "",
                    ),
                )
            )
        # ``leadline finops showback --by B``'s report (the team rows narrowed by the filters)
        report = showback_report({**data, "groups": groups, "notes": []})
        page.tables.append(Table(by.replace("-", "_"), report, f"{caption} — {report.window}"))
    bills = cached(app, "reconcile", partial(reconcile, app, month), month)
    page.kpis.append(status_tile(bills))
    if bills["differences"]:
        page.notes.append(
            f"{len(bills['differences'])} FOCUS bill(s) of {month} did not land whole "
            f"(`leadline finops reconcile --month {month}`)."
        )
    return page
