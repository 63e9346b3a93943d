"""FinOps' REST API: showback and chargeback of a month, budgets, anomalies, unit cost and
vendors (each the CLI's ``--format json``), registered by ``finops/plugin.py``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from leadline.finops.anomalies import anomalies
from leadline.finops.budgets import budget_report
from leadline.finops.report import chargeback, showback
from leadline.finops.unit_cost import unit_cost
from leadline.finops.vendors import vendors_report
from leadline.webkit.api import ERRORS, Reader, bad, cached_answer
from leadline.webkit.cache import cached_json
from leadline.webkit.deps import leadline_app
from leadline.webkit.params import Day, Month
from leadline.webkit.responses import json_answer

router = APIRouter(prefix="/api/v1", tags=["api"])
ANOMALY_DAYS = 3653
SHOWBACK_BY = r"^(team|business-unit|value-stream|service|tower|tag:.+)$"
Scope = Literal["team", "business-unit", "value-stream", "organisation"]


@router.get("/finops/showback", responses=ERRORS)
def finops_showback(
    request: Request,
    *,
    _who: Reader,
    month: Month,
    by: Annotated[str, Query(pattern=SHOWBACK_BY, max_length=520)] = "team",
    cost: Literal["effective", "billed"] = "effective",
) -> Response:
    """Showback of a month (``leadline finops showback --format json``); ``by`` is team,
    business-unit, value-stream, service, tower or ``tag:KEY`` (a real or virtual tag)."""
    try:
        app = leadline_app(request)
        data = cached_json(
            app, "showback", lambda: showback(app, month, by=by, cost_type=cost), month, by, cost
        )
    except ValueError as error:
        raise bad(error) from None
    return json_answer(request, data)


@router.get("/finops/chargeback", responses=ERRORS)
def finops_chargeback(
    request: Request,
    *,
    _who: Reader,
    month: Month,
    cost: Literal["effective", "billed"] = "effective",
) -> Response:
    """Chargeback statements per business unit (``leadline finops chargeback``)."""
    try:
        data = chargeback(leadline_app(request), month, cost_type=cost)
    except ValueError as error:
        raise HTTPException(400, str(error)) from None
    return json_answer(request, data)


@router.get("/finops/budgets", responses=ERRORS)
def finops_budgets(
    request: Request, *, _who: Reader, month: Month, by: Scope | Literal["tower"] = "team"
) -> Response:
    """Budget, actual, variance, forecast and status per scope (``leadline finops budget``)."""
    app = leadline_app(request)
    return cached_answer(request, "budgets", lambda: budget_report(app, month, by=by), month, by)


@router.get("/finops/anomalies", responses=ERRORS)
def finops_anomalies(
    request: Request,
    *,
    _who: Reader,
    since: Day | None = None,
    until: Day | None = None,
) -> Response:
    """Anomalous daily costs per service (``leadline finops anomalies``); a window of at most
    ten years (each day is scored: a thousand years held the server for half a minute)."""
    if since and until and (until - since).days > ANOMALY_DAYS:
        raise HTTPException(400, f"window: since..until spans more than {ANOMALY_DAYS} days")
    app = leadline_app(request)
    start, end = (d.isoformat() if d else None for d in (since, until))
    return cached_answer(
        request, "anomalies", lambda: anomalies(app, since=start, until=end), start, end
    )


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
    return cached_answer(
        request,
        "unit-cost",
        lambda: unit_cost(app, month, driver=driver, by=by),
        month,
        driver,
        by,
    )


@router.get("/finops/vendors", responses=ERRORS)
def finops_vendors(request: Request, *, _who: Reader, at: Day | None = None) -> Response:
    """Vendors and contracts with spend against commitment (``leadline finops vendors``)."""
    app = leadline_app(request)
    return cached_answer(request, "vendors", lambda: vendors_report(app, at=at), at)
