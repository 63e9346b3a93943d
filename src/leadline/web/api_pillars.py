"""More pillar documents under ``/api/v1``: FinOps budgets, anomalies, unit cost and vendors,
SLA and XLA status, developer experience and skills, the strategy page and change portfolio.
Each is the CLI's ``--format json`` of the same core function (the scorecard also its
``--format csv|parquet`` files); a request the core function refuses (its ``ValueError``) is a
400 naming the problem."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from leadline.finops.anomalies import anomalies
from leadline.finops.budgets import budget_report
from leadline.finops.unit_cost import unit_cost
from leadline.finops.vendors import vendors_report
from leadline.people.report import devex
from leadline.people.skills import skills_matrix
from leadline.periods import PeriodAsOf
from leadline.reliability.sla_report import sla_status
from leadline.reliability.xla import xla_status
from leadline.scorecard import export
from leadline.scorecard.core import scorecard
from leadline.strategy.change import change_report
from leadline.strategy.page import strategy_page
from leadline.web.api import ERRORS, Reader
from leadline.web.cache import cached, cached_json
from leadline.web.deps import leadline_app
from leadline.web.responses import json_answer

router = APIRouter(prefix="/api/v1", tags=["api"])
Month = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]
Quarter = Annotated[str | None, Query(pattern=r"^\d{4}Q[1-4]$", description="YYYYQN")]
Scope = Literal["team", "business-unit", "value-stream", "organisation"]
ServiceLevelBy = Literal["service", "team", "value-stream", "business-unit"]
CSV = "text/csv; charset=utf-8"
PARQUET = "application/vnd.apache.parquet"


def _answer(request: Request, name: str, compute: Callable[[], Any], *key: Any) -> Response:
    try:
        data = cached_json(leadline_app(request), name, compute, *key)
    except ValueError as error:
        raise HTTPException(400, str(error)) from None
    return json_answer(request, data)


@router.get("/finops/budgets", responses=ERRORS)
def finops_budgets(
    request: Request, *, _who: Reader, month: Month, by: Scope | Literal["tower"] = "team"
) -> Response:
    """Budget, actual, variance, forecast and status per scope (``leadline finops budget``)."""
    app = leadline_app(request)
    return _answer(request, "budgets", lambda: budget_report(app, month, by=by), month, by)


@router.get("/finops/anomalies", responses=ERRORS)
def finops_anomalies(
    request: Request,
    *,
    _who: Reader,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Response:
    """Anomalous daily costs per service (``leadline finops anomalies``)."""
    app = leadline_app(request)
    start, end = (d.isoformat() if d else None for d in (since, until))
    return _answer(request, "anomalies", lambda: anomalies(app, since=start, until=end), start, end)


@router.get("/finops/unit-cost", responses=ERRORS)
def finops_unit_cost(
    request: Request,
    *,
    _who: Reader,
    month: Month,
    driver: Annotated[str, Query(min_length=1, max_length=200)],
    by: Scope = "organisation",
) -> Response:
    """Cost per business-driver unit and per deployment (``leadline finops unit-cost``)."""
    app = leadline_app(request)
    return _answer(
        request,
        "unit-cost",
        lambda: unit_cost(app, month, driver=driver, by=by),
        month,
        driver,
        by,
    )


@router.get("/finops/vendors", responses=ERRORS)
def finops_vendors(request: Request, *, _who: Reader, at: dt.date | None = None) -> Response:
    """Vendors and contracts with spend against commitment (``leadline finops vendors``)."""
    app = leadline_app(request)
    return _answer(request, "vendors", lambda: vendors_report(app, at=at), at)


def _month(month: str | None) -> PeriodAsOf:
    try:
        return PeriodAsOf.parse(month)
    except ValueError as error:
        raise HTTPException(400, str(error)) from None


@router.get("/sla/status", responses=ERRORS)
def sla(
    request: Request,
    *,
    _who: Reader,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
    by: ServiceLevelBy = "service",
) -> Response:
    """SLA attainment of a month (``leadline sla status``)."""
    app, period = leadline_app(request), _month(month)
    return _answer(request, "sla", lambda: sla_status(app, month=period, by=by), month, by)


@router.get("/xla/status", responses=ERRORS)
def xla(
    request: Request,
    *,
    _who: Reader,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
    by: ServiceLevelBy = "service",
) -> Response:
    """Experience-level attainment of a month (``leadline xla status``)."""
    app, period = leadline_app(request), _month(month)
    return _answer(request, "xla", lambda: xla_status(app, month=period, by=by), month, by)


@router.get("/people/devex", responses=ERRORS)
def people_devex(
    request: Request, *, _who: Reader, quarter: Quarter = None, team: str | None = None
) -> Response:
    """Developer-experience survey results per team (``leadline devex``)."""
    app = leadline_app(request)
    return _answer(request, "devex", lambda: devex(app, quarter=quarter, team=team), quarter, team)


@router.get("/people/skills", responses=ERRORS)
def people_skills(request: Request, *, _who: Reader, team: str | None = None) -> Response:
    """Needed and present skills per team (``leadline skills``)."""
    app = leadline_app(request)
    return _answer(request, "skills", lambda: skills_matrix(app, team=team), team)


@router.get("/strategy", responses=ERRORS)
def strategy(request: Request, *, _who: Reader, quarter: Quarter = None) -> Response:
    """Strategy on a page with its OKRs (``leadline strategy``)."""
    app = leadline_app(request)
    return _answer(request, "strategy", lambda: strategy_page(app, quarter=quarter), quarter)


@router.get("/strategy/change", responses=ERRORS)
def change(request: Request, *, _who: Reader) -> Response:
    """Change initiatives (Kotter, ADKAR) and the innovation pipeline (``leadline change``)."""
    app = leadline_app(request)
    return _answer(request, "change", lambda: change_report(app))


@router.get("/scorecard", responses=ERRORS)
def balanced_scorecard(
    request: Request,
    *,
    _who: Reader,
    by: Literal["organisation", "business-unit", "value-stream", "team"] = "organisation",
    period: Annotated[
        str | None, Query(pattern=r"^\d{4}(Q[1-4]|-\d{2})$", description="YYYYQN or YYYY-MM")
    ] = None,
    format: Annotated[
        Literal["json", "csv", "parquet"],
        Query(description="json, or csv/parquet: one row per scope and KPI"),
    ] = "json",
) -> Response:
    """The balanced scorecard (``leadline scorecard --format json|csv|parquet``)."""
    app = leadline_app(request)
    compute = partial(scorecard, app, by=by, period=period)
    if format == "json":
        return _answer(request, "scorecard", compute, by, period)
    try:
        document = cached(app, "scorecard", compute, by, period)
    except ValueError as error:
        raise HTTPException(400, str(error)) from None
    name = f"scorecard-{by}-{document['period']}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "csv":
        return Response(export.csv_text(document), media_type=CSV, headers=headers)
    return Response(export.parquet_bytes(document), media_type=PARQUET, headers=headers)
