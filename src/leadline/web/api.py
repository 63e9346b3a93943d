"""REST API ``/api/v1``: the core's audit log. Each pillar adds its routes in
``<pillar>/api.py`` through its plugin (``leadline_api_routers``), with the web kit's shared
pieces (``webkit.api``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from leadline.audit import AuditEntry, entry_row
from leadline.webkit.api import ERRORS, Admin, Limit, Offset
from leadline.webkit.deps import leadline_app
from leadline.webkit.responses import json_answer

router = APIRouter(prefix="/api/v1", tags=["api"])


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
