"""REST API ``/api/v1``: what every route shares (the caller, error answers, paging), and the
core's audit log. Each pillar adds its routes in ``<pillar>/api.py`` through its plugin
(``leadline_api_routers``): the same JSON as the CLI's ``--format json``, from the same core
functions; lists are paginated (``limit``, ``offset``, ``next``), documents carry ETags."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from leadline.audit import AuditEntry, entry_row
from leadline.web.cache import cached_json
from leadline.web.deps import api_admin, api_reader, leadline_app
from leadline.web.responses import MAX_LIMIT, json_answer
from leadline.web.users import Principal

router = APIRouter(prefix="/api/v1", tags=["api"])
Reader = Annotated[Principal, Depends(api_reader)]
Admin = Annotated[Principal, Depends(api_admin)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip.")]
Month = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]
Quarter = Annotated[str | None, Query(pattern=r"^\d{4}Q[1-4]$", description="YYYYQN")]
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The request cannot be answered as asked."},
    401: {"description": "Not logged in and no bearer token."},
    403: {"description": "Not allowed for this user or token."},
}


def bad(error: Exception) -> HTTPException:
    """A request the core function refuses (its ``ValueError``): a 400 naming the problem."""
    return HTTPException(400, str(error))


def cached_answer(request: Request, name: str, compute: Callable[[], Any], *key: Any) -> Response:
    """The JSON document ``compute`` gives, from the report cache under ``(name, *key)``; a
    ``ValueError`` is a 400."""
    try:
        data = cached_json(leadline_app(request), name, compute, *key)
    except ValueError as error:
        raise bad(error) from None
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
