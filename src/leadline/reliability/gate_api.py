"""The deploy gate over REST: ``GET /api/v1/slo/gate?service=S`` (the document of ``leadline
slo gate --format json``, recorded as a decision of the caller) and ``POST
/api/v1/slo/gate/{service}/override`` (editors of reliability and admins; bearer token, or
session cookie with the CSRF header, like every write route); ``GET
/api/v1/slo/gate/decisions`` lists what was decided (``leadline slo gate-log``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Request
from fastapi.responses import Response

from leadline.reliability.gate import GateError, decide, grant_override, recent
from leadline.reliability.report import parse_instant
from leadline.webkit.api import ERRORS, Reader, bad
from leadline.webkit.deps import leadline_app
from leadline.webkit.params import Moment
from leadline.webkit.responses import json_answer

router = APIRouter(prefix="/api/v1", tags=["api"])
UNKNOWN: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such service (not in the catalog, no SLO names it)."}
}
Service = Annotated[str, Query(min_length=1, max_length=253, description="Catalog service.")]


@router.get("/slo/gate", responses={**ERRORS, **UNKNOWN})
def slo_gate(
    request: Request, *, who: Reader, service: Service, at: Moment | None = None
) -> Response:
    """The deploy gate of a service: ``decision`` allow, freeze or overridden, with reasons
    (``leadline slo gate --format json``); recorded with the caller as actor."""
    try:
        instant = parse_instant(at.isoformat()) if at else None
    except ValueError as error:
        raise bad(error) from None
    try:
        document = decide(leadline_app(request), service, who, at=instant)
    except GateError as error:
        raise HTTPException(error.status, error.message) from None
    return json_answer(request, document, etag=False)


@router.get("/slo/gate/decisions", responses=ERRORS)
def slo_gate_decisions(
    request: Request,
    *,
    _who: Reader,
    service: Annotated[
        list[str] | None, Query(description="Only these services (repeatable).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="How many, newest first.")] = 20,
) -> Response:
    """The latest gate decisions and overrides, newest first (``leadline slo gate-log
    --format json``)."""
    rows = recent(leadline_app(request), services=set(service) if service else None, limit=limit)
    return json_answer(request, {"decisions": rows})


@router.post("/slo/gate/{service}/override", responses={**ERRORS, **UNKNOWN})
def slo_gate_override(
    request: Request,
    *,
    service: str,
    who: Reader,
    reason: Annotated[str, Body(embed=True, min_length=1, max_length=2000)],
) -> Response:
    """Override a service's deploy freeze for ``reliability.gate_override_hours`` (editors of
    reliability, admins; audited); answers the gate's document after the override."""
    app = leadline_app(request)
    try:
        grant_override(app, service, who, reason)
        document = decide(app, service, who)
    except GateError as error:
        raise HTTPException(error.status, error.message) from None
    return json_answer(request, document, etag=False)
