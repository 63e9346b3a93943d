"""The audit log page for admins. The pillars' pages are served by the web kit's generic
route (``webkit.page``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from leadline.audit import AuditEntry
from leadline.present.formats import ABSENT
from leadline.present.formats import cell as present_cell
from leadline.present.model import Column, Kind
from leadline.webkit.deps import leadline_app, page_admin
from leadline.webkit.pages import render
from leadline.webkit.users import Principal

router = APIRouter(include_in_schema=False)
AUDIT_PAGE = 50


def cell(value: Any) -> str:
    """A value of the audit log as text: lists joined, times in UTC, absent as a dash."""
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value) or ABSENT
    kinds: dict[type, Kind] = {bool: "bool", float: "number", dt.datetime: "datetime"}
    return present_cell(value, Column("value", "Value", kinds.get(type(value), "text")))


@router.get("/admin/audit")
def audit_page(
    request: Request,
    _who: Annotated[Principal, Depends(page_admin)],
    entity_type: str | None = None,
    actor: str | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """The audit log, newest first, 50 a page, filterable by entity type and actor."""
    query = select(AuditEntry)
    if entity_type:
        query = query.where(AuditEntry.entity_type == entity_type)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    with leadline_app(request).store.session() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        entries = list(
            session.scalars(
                query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                .limit(AUDIT_PAGE)
                .offset(offset)
            )
        )
        types = sorted(session.scalars(select(AuditEntry.entity_type).distinct()))
    params = {"entity_type": entity_type or "", "actor": actor or ""}
    following = (
        urlencode({**params, "offset": offset + AUDIT_PAGE})
        if offset + AUDIT_PAGE < total
        else None
    )
    context = {
        "entries": entries,
        "total": total,
        "types": types,
        "entity_type": entity_type or "",
        "actor": actor or "",
        "next": following,
        "cell": cell,
    }
    return render(request, "audit.html", context)
