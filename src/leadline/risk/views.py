"""The Risk pages: the register, compliance coverage and CSF profiles, and one CSF profile's
subcategories (``/risk/csf/{profile}``), narrowed by the shared filters (registered by
``risk/plugin.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from leadline.context import App
from leadline.periods import Window
from leadline.present.formats import cell
from leadline.present.model import Column
from leadline.risk.compliance import compliance_report
from leadline.risk.profiles import profile_report, profiles_summary
from leadline.risk.register import register_report
from leadline.risk.tables import (
    compliance_coverage_report,
    csf_rows_report,
    profiles_report,
    risk_register_report,
)
from leadline.webkit import charts, tiles
from leadline.webkit.filters import Filters, Scope
from leadline.webkit.page import Reader, page_route
from leadline.webkit.viewdata import Page, Table, count_tile

router = APIRouter(include_in_schema=False)
TIER = Column("tier", "Tier", "score", digits=2)


def risk_in_scope(row: dict[str, Any], scope: Scope) -> bool:
    if scope.teams is None:
        return True
    return bool(set(row["teams"]) & scope.teams) or bool(
        set(row["services"]) & (scope.services or set())
    )


def risk(app: App, filters: Filters, scope: Scope) -> Page:
    page = Page("Risk", period="none")
    today = dt.datetime.now(dt.UTC).date()
    with app.store.session() as session:
        register = register_report(session, app.settings, today)
        coverage = compliance_report(session, today)
        profiles = profiles_summary(session, today)
    risks = [r for r in register["risks"] if risk_in_scope(r, scope)]
    ev, chosen = tiles.evaluation(app), tiles.scope_of(filters)
    page.kpis = [
        count_tile("Open risks", sum(1 for r in risks if r["status"] == "open"), "today"),
        count_tile("Overdue reviews", sum(1 for r in risks if r["review_overdue"]), "today"),
        tiles.metric_tile(
            ev, "risk.compliance_coverage", chosen, Window.last_days(1, ev.now.date())
        ),
    ]
    cells: dict[tuple[int, int], int] = {}
    for r in risks:
        if r["status"] == "open":
            key = (r["residual_likelihood"], r["residual_impact"])
            cells[key] = cells.get(key, 0) + 1
    grid = [
        {"likelihood": lk, "impact": im, "risks": cells.get((lk, im), 0)}
        for lk in range(1, app.settings.risk.likelihood_levels + 1)
        for im in range(1, app.settings.risk.impact_levels + 1)
    ]
    page.charts.append(
        (
            "Residual risk matrix",
            charts.heatmap(
                grid, "impact", "likelihood", "risks", "Open risks: residual likelihood x impact"
            ),
        )
    )
    csf = [{"function": f["name"], "risks": f["risks"]} for f in register["by_function"]]
    page.charts.append(
        (
            "Risks per CSF function",
            charts.bars(csf, "function", "risks", "Open risks per CSF 2.0 function", "risks"),
        )
    )
    # The reports of ``leadline risk register``, ``risk compliance`` and ``risk csf`` (the
    # register's risks narrowed by the filters): the CSVs are the commands' CSVs.
    page.tables.append(
        Table(
            "register",
            risk_register_report({**register, "risks": risks}),
            edit="/risk/{key}/edit",
            key="risk_id",
            editors="risk",
        )
    )
    page.tables.append(Table("compliance", compliance_coverage_report(coverage)))
    page.tables.append(
        Table("profiles", profiles_report(profiles), key="profile", link="/risk/csf/{key}")
    )
    return page


def csf_profile(app: App, profile: str) -> Page:
    """One CSF profile's subcategories as assessed today, with gaps (editable by risk editors)."""
    page = Page(f"CSF profile {profile}", period="none")
    with app.store.session() as session:
        report = profile_report(session, profile, dt.datetime.now(dt.UTC).date())
    page.kpis = [
        count_tile("Assessed", f"{report['assessed']} of {report['subcategories']}", "today"),
        count_tile("Gaps", report["gaps"], "today"),
        count_tile("Mean current tier", cell(report["avg_current_tier"], TIER), "today"),
        count_tile("Mean target tier", cell(report["avg_target_tier"], TIER), "today"),
    ]
    functions = report["heatmap"]["functions"]
    chart_rows = [
        {"function": f["name"], "tier": f"{kind} tier", "mean": f[f"avg_{kind}_tier"] or 0}
        for f in functions
        for kind in ("current", "target")
    ]
    page.charts.append(
        (
            "CSF heat map",
            charts.grouped(chart_rows, "function", "mean", "tier", "Mean tier per CSF function"),
        )
    )
    page.tables.append(
        Table(
            "csf_rows",
            csf_rows_report(report),
            edit=f"/risk/csf/{profile}/{{key}}/edit",
            key="subcategory",
            editors="risk",
        )
    )
    return page


@router.get("/risk/csf/{profile}")
def csf_profile_page(
    request: Request,
    profile: str,
    who: Reader,
    format: Annotated[str | None, Query()] = None,
    table: Annotated[str | None, Query()] = None,
) -> Response:
    """One CSF profile with its subcategories, gaps and heat map."""
    build = lambda app, _filters, _scope: csf_profile(app, profile)  # noqa: E731
    build.__name__ = f"csf_profile:{profile}"
    return page_route(build)(request, who, format, table)
