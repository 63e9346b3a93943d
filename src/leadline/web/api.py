"""REST API ``/api/v1``: the same JSON as the CLI's ``--format json``, from the same core
functions; lists are paginated (``limit``, ``offset``, ``next``), documents carry ETags."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from leadline.audit import AuditEntry, entry_row
from leadline.catalog import queries
from leadline.catalog.grouping import GroupBy, Grouping, Scope
from leadline.delivery.report import dora
from leadline.finops.report import showback
from leadline.periods import Grain, Window
from leadline.reliability.report import parse_instant
from leadline.reliability.report import status as slo_status
from leadline.risk.register import register_report
from leadline.strategy.okrs import okr_report
from leadline.strategy.plan import plan_report
from leadline.web.cache import cached_json
from leadline.web.deps import api_admin, api_reader, leadline_app
from leadline.web.edits import EditError, update_risk
from leadline.web.responses import MAX_LIMIT, json_answer, paginate
from leadline.web.users import Principal

router = APIRouter(prefix="/api/v1", tags=["api"])
Reader = Annotated[Principal, Depends(api_reader)]
Admin = Annotated[Principal, Depends(api_admin)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip.")]
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The request cannot be answered as asked."},
    401: {"description": "Not logged in and no bearer token."},
    403: {"description": "Not allowed for this user or token."},
}


def _bad(error: Exception) -> HTTPException:
    return HTTPException(400, str(error))


def _chosen(session: Session, names: dict[GroupBy, str | None]) -> tuple[set[str], set[str]] | None:
    """(services, teams) in every named scope (``catalog.grouping``), None when none is named."""
    scopes = [Scope(kind, name) for kind, name in names.items() if name]
    return Grouping.load(session).selected(scopes) if scopes else None


@router.get("/catalog/teams", responses=ERRORS)
def teams(
    request: Request,
    *,
    _who: Reader,
    business_unit: str | None = None,
    value_stream: str | None = None,
    type: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Teams with their Team Topologies type (``leadline catalog teams --format json``); a
    business unit or value stream selects the teams the organisational grouping puts in it (by
    their own place, or owning one of its services)."""
    with leadline_app(request).store.session() as session:
        rows = queries.teams(session)
        chosen = _chosen(session, {"business-unit": business_unit, "value-stream": value_stream})
    rows = [
        r
        for r in rows
        if (chosen is None or r["name"] in chosen[1]) and (type is None or r["type"] == type)
    ]
    return json_answer(request, paginate(request, "teams", rows, limit, offset))


@router.get("/catalog/services", responses=ERRORS)
def services(
    request: Request,
    *,
    _who: Reader,
    team: str | None = None,
    value_stream: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Services with owner team and value stream (``leadline catalog services``); a team or
    value stream selects the services the organisational grouping puts in it (a service's own
    value stream, else its team's)."""
    with leadline_app(request).store.session() as session:
        rows = queries.services(session)
        chosen = _chosen(session, {"team": team, "value-stream": value_stream})
    rows = [r for r in rows if chosen is None or r["name"] in chosen[0]]
    return json_answer(request, paginate(request, "services", rows, limit, offset))


@router.get("/catalog/interactions", responses=ERRORS)
def interactions(
    request: Request, _who: Reader, limit: Limit = 100, offset: Offset = 0
) -> Response:
    """Team interactions (Team Topologies modes): the catalog's interaction graph."""
    with leadline_app(request).store.session() as session:
        rows = queries.interactions(session)
    return json_answer(request, paginate(request, "interactions", rows, limit, offset))


@router.get("/dora", responses=ERRORS)
def dora_metrics(
    request: Request,
    *,
    _who: Reader,
    by: Literal["service", "team", "value-stream"] = "team",
    period: Grain | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    at: Annotated[
        dt.datetime | None,
        Query(description="Judge the window with the facts known at this instant (default now)."),
    ] = None,
    key: Annotated[str | None, Query(description="Only this group (team, service...).")] = None,
) -> Response:
    """DORA four keys per group (``leadline dora --format json``)."""
    try:
        window = Window.parse(
            since.isoformat() if since else None, until.isoformat() if until else None
        )
    except ValueError as error:
        raise _bad(error) from None
    app = leadline_app(request)
    encoded = cached_json(
        app,
        "dora",
        lambda: dora(app, by=by, period=period, window=window, as_of=at),
        by,
        period,
        window.since,
        window.until,
        at,
    )
    if key is not None:
        doc = encoded.doc
        return json_answer(
            request, {**doc, "groups": [g for g in doc["groups"] if g["key"] == key]}
        )
    return json_answer(request, encoded)


@router.get("/slo/status", responses=ERRORS)
def slo(
    request: Request,
    *,
    _who: Reader,
    at: dt.datetime | None = None,
    service: str | None = None,
) -> Response:
    """Every SLO's state (``leadline slo status --format json``)."""
    try:
        instant = parse_instant(at.isoformat()) if at else None
    except ValueError as error:
        raise _bad(error) from None
    app = leadline_app(request)
    encoded = cached_json(app, "slo-status", lambda: slo_status(app, at=instant), instant)
    if service is not None:
        doc = encoded.doc
        return json_answer(
            request, {**doc, "slos": [s for s in doc["slos"] if s["service"] == service]}
        )
    return json_answer(request, encoded)


@router.get("/finops/showback", responses=ERRORS)
def finops_showback(
    request: Request,
    *,
    _who: Reader,
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")],
    by: Literal["team", "business-unit", "tower", "value-stream", "service"] = "team",
    cost: Literal["effective", "billed"] = "effective",
) -> Response:
    """Showback of a month (``leadline finops showback --format json``)."""
    try:
        app = leadline_app(request)
        data = cached_json(
            app, "showback", lambda: showback(app, month, by=by, cost_type=cost), month, by, cost
        )
    except ValueError as error:
        raise _bad(error) from None
    return json_answer(request, data)


@router.get("/risk/register", responses=ERRORS)
def risk_register(
    request: Request,
    *,
    _who: Reader,
    at: dt.date | None = None,
    owner: str | None = None,
    function: str | None = None,
    include_closed: bool = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """The risk register (``leadline risk register --format json``); ``risks`` paginated."""
    app = leadline_app(request)
    day = at or dt.datetime.now(dt.UTC).date()
    with app.store.session() as session:
        data = register_report(
            session,
            app.settings,
            day,
            include_closed=include_closed,
            owner=owner,
            function=function,
        )
    rows = data.pop("risks")
    return json_answer(request, paginate(request, "risks", rows, limit, offset, **data))


@router.patch("/risk/register/{key}", responses={**ERRORS, 404: {"description": "No such risk."}})
def risk_update(
    request: Request,
    *,
    key: str,
    who: Reader,
    changes: Annotated[dict[str, Any], Body(description="Fields to change, as in risks.csv.")],
) -> Response:
    """Update a risk (editors of risk, admins); audited with the user as actor."""
    try:
        row = update_risk(leadline_app(request), who, key, changes)
    except EditError as error:
        raise HTTPException(error.status, error.message) from None
    return json_answer(request, row, etag=False)


@router.get("/okrs", responses=ERRORS)
def okrs(
    request: Request,
    *,
    _who: Reader,
    quarter: Annotated[str | None, Query(pattern=r"^\d{4}Q[1-4]$")] = None,
) -> Response:
    """Objectives with scored key results (``leadline okr --format json``)."""
    try:
        app = leadline_app(request)
        data = cached_json(app, "okrs", lambda: okr_report(app, quarter=quarter), quarter)
    except ValueError as error:
        raise _bad(error) from None
    return json_answer(request, data)


@router.get("/plan", responses={**ERRORS, 404: {"description": "No plan yet."}})
def plan(request: Request, *, _who: Reader, name: str | None = None) -> Response:
    """The 90-day plan (``leadline plan --format json``)."""
    try:
        app = leadline_app(request)
        data = cached_json(app, "plan", lambda: plan_report(app, name=name), name)
    except ValueError as error:
        raise HTTPException(404, str(error)) from None
    return json_answer(request, data)


@router.get("/audit", responses=ERRORS)
def audit(
    request: Request,
    *,
    _who: Admin,
    entity_type: str | None = None,
    actor: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """The audit log, newest first (admins only)."""
    from sqlalchemy import func, select

    query = select(AuditEntry)
    if entity_type is not None:
        query = query.where(AuditEntry.entity_type == entity_type)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    with leadline_app(request).store.session() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        entries = session.scalars(
            query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)
        )
        rows = [entry_row(e) for e in entries]
    following = None
    if offset + limit < total:
        following = str(request.url.include_query_params(limit=limit, offset=offset + limit))
    data = {"entries": rows, "count": total, "limit": limit, "offset": offset, "next": following}
    return json_answer(request, data, etag=False)
