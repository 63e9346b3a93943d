"""The audit log page for admins. The pillars' pages are served by the web kit's generic
route (``webkit.page``)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from leadline.audit import AuditEntry
from leadline.present.formats import ABSENT, words
from leadline.present.formats import cell as present_cell
from leadline.present.model import Column, Kind, humanise
from leadline.webkit.deps import leadline_app, page_admin
from leadline.webkit.pages import render
from leadline.webkit.users import Principal

router = APIRouter(include_in_schema=False)
AUDIT_PAGE = 50
PAGE_SIZES = (25, 50, 100, 200)
ISO_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?$")


def cell(value: Any) -> str:
    """A value of the audit log as text: lists joined, mappings as titled fields, times
    (also ISO text) in UTC, enumerations as words, absent as a dash."""
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value) or ABSENT
    if isinstance(value, dict):
        return "; ".join(f"{humanise(str(k))}: {cell(v)}" for k, v in value.items()) or ABSENT
    if isinstance(value, str) and ISO_INSTANT.match(value):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, str):
        return words(value)
    kinds: dict[type, Kind] = {bool: "bool", float: "number", dt.datetime: "datetime"}
    return present_cell(value, Column("value", "Value", kinds.get(type(value), "text")))


@dataclass(frozen=True)
class Change:
    """One changed field of an entry: its title and its value before and after."""

    field: str
    before: str | None  # None when the entry created the entity (nothing before)
    after: str


def changes(entry: AuditEntry) -> list[Change]:
    """The fields an entry changed, titled, with their values as people read them."""
    before, after = entry.before or {}, entry.after or {}
    return [
        Change(
            humanise(key),
            cell(before.get(key)) if entry.before is not None else None,
            cell(after.get(key)),
        )
        for key in entry.changed or []
    ]


@dataclass(frozen=True)
class Pager:
    """Which slice of ``total`` entries a page shows: page ``number`` (from 1) of ``size``."""

    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first_shown(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last_shown(self) -> int:
        return min(self.offset + self.size, self.total)


@router.get("/admin/audit")
def audit_page(
    request: Request,
    _who: Annotated[Principal, Depends(page_admin)],
    entity_type: str | None = None,
    actor: str | None = None,
    page: Annotated[int, Query(ge=1, le=10**9)] = 1,
    size: Annotated[int, Query(ge=10, le=500)] = AUDIT_PAGE,
) -> Response:
    """The audit log, newest first, ``size`` entries a page (default 50), filterable by
    entity type and actor; a page past the last shows the last."""
    query = select(AuditEntry)
    if entity_type:
        query = query.where(AuditEntry.entity_type == entity_type)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    with leadline_app(request).store.session() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        pager = Pager(1, size, total)
        pager = Pager(min(page, pager.pages), size, total)
        entries = list(
            session.scalars(
                query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                .limit(size)
                .offset(pager.offset)
            )
        )
        types = sorted(session.scalars(select(AuditEntry.entity_type).distinct()))
    params = {"entity_type": entity_type or "", "actor": actor or "", "size": size}

    def link(number: int) -> str | None:
        if number == pager.number or not 1 <= number <= pager.pages:
            return None
        return "/admin/audit?" + urlencode({**params, "page": number})

    context = {
        "entries": [(entry, changes(entry)) for entry in entries],
        "pager": pager,
        "sizes": sorted({*PAGE_SIZES, size}),
        "types": types,
        "entity_type": entity_type or "",
        "actor": actor or "",
        "links": {
            "first": link(1),
            "previous": link(pager.number - 1),
            "next": link(pager.number + 1),
            "last": link(pager.pages),
        },
        "cell": cell,
        "words": words,
    }
    return render(request, "audit.html", context)
