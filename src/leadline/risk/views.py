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
from leadline.risk.scoring import Matrix
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
    matrix = Matrix.from_settings(app.settings.risk)
    open_risks = [r for r in risks if r["status"] == "open"]
    grid = matrix.heatmap([(r["residual_likelihood"], r["residual_impact"]) for r in open_risks])
    page.charts.append(
        (
            "Residual risk matrix, coloured by rating",
            charts.risk_matrix(
                grid, matrix.band_names(), "Open risks: residual likelihood x impact"
            ),
        )
    )
    # the filtered open risks under each function, in the register's CSF 2.0 order (Govern
    # ... Recover, then risks linked to none); a risk under two functions counts in both
    csf = [
        {
            "function": f["name"],
            "risks": sum(
                1
                for r in open_risks
                if (f["function"] in r["csf_functions"])
                or (f["function"] == "unmapped" and not r["csf_functions"])
            ),
        }
        for f in register["by_function"]
    ]
    page.charts.append(
        (
            "Open risks per CSF 2.0 function (bar chart)",
            charts.bars(
                csf,
                "function",
                "risks",
                "Open risks per CSF 2.0 function",
                "open risks",
                order=[c["function"] for c in csf],
            ),
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
    # a function nobody assessed has no mean: no bar (the table says so), never a 0
    chart_rows = [
        {"function": f["name"], "tier": f"{kind} tier", "mean": f[f"avg_{kind}_tier"]}
        for f in functions
        for kind in ("current", "target")
        if f[f"avg_{kind}_tier"] is not None
    ]
    page.charts.append(
        (
            "Current and target tier per CSF 2.0 function (bar chart)",
            charts.grouped(
                chart_rows,
                "function",
                "mean",
                "tier",
                "Mean tier per CSF 2.0 function",
                order=[f["name"] for f in functions],  # Govern, Identify ... Recover
                value_title="mean tier",
            ),
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
