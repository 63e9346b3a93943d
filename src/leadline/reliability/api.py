"""Reliability's REST API: SLO status, burn-rate alert episodes, SLA and XLA attainment (each
the CLI's ``--format json``), registered by ``reliability/plugin.py``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from leadline.periods import PeriodAsOf, utc_now
from leadline.reliability.report import alerts, parse_instant
from leadline.reliability.report import status as slo_status
from leadline.reliability.sla_report import sla_status
from leadline.reliability.xla import xla_status
from leadline.webkit.api import ERRORS, Reader, bad, cached_answer
from leadline.webkit.cache import cached_json
from leadline.webkit.deps import leadline_app
from leadline.webkit.params import MONTH_PATTERN, Day, Moment
from leadline.webkit.responses import json_answer

router = APIRouter(prefix="/api/v1", tags=["api"])
ServiceLevelBy = Literal["service", "team", "value-stream", "business-unit"]


@router.get("/slo/status", responses=ERRORS)
def slo(
    request: Request,
    *,
    _who: Reader,
    at: Moment | None = None,
    service: str | None = None,
) -> Response:
    """Every SLO's state (``leadline slo status --format json``)."""
    try:
        instant = parse_instant(at.isoformat()) if at else None
    except ValueError as error:
        raise bad(error) from None
    app = leadline_app(request)
    encoded = cached_json(app, "slo-status", lambda: slo_status(app, at=instant), instant)
    if service is not None:
        doc = encoded.doc
        return json_answer(
            request, {**doc, "slos": [s for s in doc["slos"] if s["service"] == service]}
        )
    return json_answer(request, encoded)


@router.get("/slo/alerts", responses=ERRORS)
def slo_alerts(
    request: Request,
    *,
    _who: Reader,
    since: Day | None = None,
    until: Day | None = None,
    slo: str | None = None,
) -> Response:
    """Burn-rate alert episodes over ``[since, until)`` (default: the last 7 days)."""
    end = dt.datetime.combine(until or utc_now().date() + dt.timedelta(days=1), dt.time(), dt.UTC)
    start = dt.datetime.combine(since, dt.time(), dt.UTC) if since else end - dt.timedelta(days=7)
    if start >= end or end - start > dt.timedelta(days=366):
        raise HTTPException(400, "since must be before until, at most a year apart")
    data = alerts(leadline_app(request), since=start, until=end, slo=slo)
    return json_answer(request, data)


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
    month: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
    by: ServiceLevelBy = "service",
) -> Response:
    """SLA attainment of a month (``leadline sla status``)."""
    app, period = leadline_app(request), _month(month)
    return cached_answer(request, "sla", lambda: sla_status(app, month=period, by=by), month, by)


@router.get("/xla/status", responses=ERRORS)
def xla(
    request: Request,
    *,
    _who: Reader,
    month: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
    by: ServiceLevelBy = "service",
) -> Response:
    """Experience-level attainment of a month (``leadline xla status``)."""
    app, period = leadline_app(request), _month(month)
    return cached_answer(request, "xla", lambda: xla_status(app, month=period, by=by), month, by)
