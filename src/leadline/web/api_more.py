"""More of ``/api/v1``: the catalog's business units and value streams, SLO alert episodes,
FinOps chargeback, compliance coverage and CSF profiles (each the CLI's ``--format json``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException, Query, Request
from fastapi.responses import Response

from leadline.catalog import queries
from leadline.finops.report import chargeback
from leadline.reliability.report import alerts
from leadline.risk.compliance import compliance_report
from leadline.risk.profiles import profile_report, profiles_summary
from leadline.web.api import ERRORS, Limit, Offset, Reader
from leadline.web.csf_edit import score_subcategory
from leadline.web.deps import leadline_app
from leadline.web.edits import EditError
from leadline.web.responses import json_answer, paginate

router = APIRouter(prefix="/api/v1", tags=["api"])


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@router.get("/catalog/business-units", responses=ERRORS)
def business_units(
    request: Request, *, _who: Reader, limit: Limit = 100, offset: Offset = 0
) -> Response:
    """Business units with their team and service counts."""
    with leadline_app(request).store.session() as session:
        rows = queries.business_units(session)
    return json_answer(request, paginate(request, "business_units", rows, limit, offset))


@router.get("/catalog/value-streams", responses=ERRORS)
def value_streams(
    request: Request, *, _who: Reader, limit: Limit = 100, offset: Offset = 0
) -> Response:
    """Value streams with their team and service counts."""
    with leadline_app(request).store.session() as session:
        rows = queries.value_streams(session)
    return json_answer(request, paginate(request, "value_streams", rows, limit, offset))


@router.get("/slo/alerts", responses=ERRORS)
def slo_alerts(
    request: Request,
    *,
    _who: Reader,
    since: dt.date | None = None,
    until: dt.date | None = None,
    slo: str | None = None,
) -> Response:
    """Burn-rate alert episodes over ``[since, until)`` (default: the last 7 days)."""
    end = dt.datetime.combine(until or _today() + dt.timedelta(days=1), dt.time(), dt.UTC)
    start = dt.datetime.combine(since, dt.time(), dt.UTC) if since else end - dt.timedelta(days=7)
    if start >= end or end - start > dt.timedelta(days=366):
        raise HTTPException(400, "since must be before until, at most a year apart")
    data = alerts(leadline_app(request), since=start, until=end, slo=slo)
    return json_answer(request, data)


@router.get("/finops/chargeback", responses=ERRORS)
def finops_chargeback(
    request: Request,
    *,
    _who: Reader,
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")],
    cost: Literal["effective", "billed"] = "effective",
) -> Response:
    """Chargeback statements per business unit (``leadline finops chargeback``)."""
    try:
        data = chargeback(leadline_app(request), month, cost_type=cost)
    except ValueError as error:
        raise HTTPException(400, str(error)) from None
    return json_answer(request, data)


@router.get("/risk/compliance", responses=ERRORS)
def risk_compliance(
    request: Request,
    *,
    _who: Reader,
    at: dt.date | None = None,
    by: Literal["business-unit", "team", "service", "control"] = "business-unit",
) -> Response:
    """Compliance coverage of controls in scope (``leadline risk compliance``)."""
    with leadline_app(request).store.session() as session:
        try:
            data = compliance_report(session, at or _today(), by)
        except (ValueError, KeyError) as error:
            raise HTTPException(400, str(error)) from None
    return json_answer(request, data)


@router.get("/risk/csf", responses=ERRORS)
def risk_csf(request: Request, *, _who: Reader, at: dt.date | None = None) -> Response:
    """CSF 2.0 profiles: assessed subcategories, gaps and mean tiers."""
    with leadline_app(request).store.session() as session:
        data = profiles_summary(session, at or _today())
    return json_answer(request, {"profiles": data, "count": len(data)})


@router.get("/risk/csf/{profile}", responses={**ERRORS, 404: {"description": "No profile."}})
def risk_csf_profile(
    request: Request, *, _who: Reader, profile: str, at: dt.date | None = None
) -> Response:
    """One profile's gap rows and heat map (``leadline risk csf --profile P``)."""
    with leadline_app(request).store.session() as session:
        data = profile_report(session, profile, at or _today())
    if not data.get("rows"):
        raise HTTPException(404, f"no assessments in profile {profile!r}")
    return json_answer(request, data)


@router.patch(
    "/risk/csf/{profile}/{subcategory}",
    responses={**ERRORS, 404: {"description": "No such profile row."}},
)
def risk_csf_score(
    request: Request,
    *,
    who: Reader,
    profile: str,
    subcategory: str,
    values: Annotated[dict[str, Any], Body(description="current/target status and tier, notes")],
) -> Response:
    """Score one subcategory as assessed today (editors of risk, admins); audited."""
    try:
        row = score_subcategory(leadline_app(request), who, profile, subcategory, values=values)
    except EditError as error:
        raise HTTPException(error.status, error.message) from None
    return json_answer(request, row, etag=False)
