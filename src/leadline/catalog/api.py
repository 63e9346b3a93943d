"""The catalog's REST API under ``/api/v1/catalog``: teams, services, interactions, business
units and value streams (each the CLI's ``--format json``), registered by ``catalog/plugin.py``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from leadline.catalog import queries
from leadline.catalog.grouping import GroupBy, Grouping, Scope
from leadline.webkit.api import ERRORS, Limit, Offset, Reader
from leadline.webkit.deps import leadline_app
from leadline.webkit.responses import json_answer, paginate

router = APIRouter(prefix="/api/v1", tags=["api"])


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
