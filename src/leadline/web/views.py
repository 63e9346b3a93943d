"""Server-rendered pages: readable without JavaScript (filters are plain GET forms that HTMX
enhances), each table downloadable as CSV, the audit log for admins. The pillars' pages
(``web.registry``) are served here by one generic route each."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from leadline.audit import AuditEntry
from leadline.context import App
from leadline.present.formats import ABSENT
from leadline.present.formats import cell as present_cell
from leadline.present.model import Column, Kind
from leadline.present.render import align, to_csv
from leadline.web import targets
from leadline.web.cache import cached
from leadline.web.deps import leadline_app, page_admin, page_reader
from leadline.web.filters import Filters, Scope, scope_of
from leadline.web.pages import render, templates
from leadline.web.registry import Builder, PageSpec
from leadline.web.users import Principal
from leadline.web.viewdata import Page, Table

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)
Reader = Annotated[Principal, Depends(page_reader)]
AUDIT_PAGE = 50


def cell(value: Any) -> str:
    """A value of the audit log as text: lists joined, times in UTC, absent as a dash."""
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value) or ABSENT
    kinds: dict[type, Kind] = {bool: "bool", float: "number", dt.datetime: "datetime"}
    return present_cell(value, Column("value", "Value", kinds.get(type(value), "text")))


def csv_answer(table: Table) -> Response:
    """A page table's CSV: its whole report, as ``leadline <command> --format csv`` prints
    it (the page may show fewer columns)."""
    headers = {"Content-Disposition": f'attachment; filename="{table.name}.csv"'}
    return Response(to_csv(table.report), media_type="text/csv; charset=utf-8", headers=headers)


# RAG in words and symbols, never colour alone (WCAG 1.4.1).
RAG_TEXT = {
    "green": "✔ on target",
    "amber": "▲ close to target",
    "red": "✖ off target",
    "grey": "○ no data",
}


def cache_key(filters: Filters) -> tuple[str | tuple[str, str], ...]:
    return (*sorted(filters.query().items()), *filters.errors)


def page_data(app: App, build: Callable[..., Page], filters: Filters) -> tuple[Page, Scope]:
    """A page's data for these filters, from the report cache."""
    query = cache_key(filters)
    scope = cached(app, "scope", partial(scope_of, app, filters), query)
    page = cached(
        app,
        "page",
        lambda: targets.apply(app, build(app, filters, scope)),
        build.__name__,
        query,
    )
    return page, scope


def warm_up(app: App, build: Builder) -> None:
    """Compute the unfiltered home page once (at server start, in the background), so the
    first visitor does not wait for every pillar's report."""
    try:
        page_data(app, build, Filters())
    except Exception:  # a failure here shows again, with its message, on the first visit
        log.exception("warming up the home page failed")


def page_route(build: Callable[..., Page]) -> Callable[..., Response]:
    """The endpoint of a page: its HTML, or one of its tables as CSV (``format=csv``)."""

    def endpoint(
        request: Request,
        who: Reader,
        format: Annotated[str | None, Query()] = None,
        table: Annotated[str | None, Query()] = None,
    ) -> Response:
        app = leadline_app(request)
        filters = Filters.of(request)
        page, scope = page_data(app, build, filters)
        if format == "csv":
            found = [t for t in page.tables if t.name == table]
            if not found:
                raise HTTPException(404, f"no table {table!r} on this page")
            return csv_answer(found[0])

        def csv_query(name: str) -> str:
            return urlencode({**filters.query(), "format": "csv", "table": name})

        editable = tuple(
            t.name for t in page.tables if t.editors is not None and who.can_edit(t.editors)
        )
        context = {
            "page": page,
            "filters": filters,
            "scope": scope,
            "align": align,
            "rag_text": RAG_TEXT,
            "csv_query": csv_query,
            "can_edit": lambda name: name in editable,
            "path": request.url.path,
        }
        main = cached(
            app,
            "page-html",
            lambda: templates.get_template("page_main.html").render(context),
            build.__name__,
            cache_key(filters),
            editable,
        )
        return render(request, "page.html", {"page": page, "main": main})

    endpoint.__name__ = f"page_{build.__name__}"
    return endpoint


def page_router(specs: Sequence[PageSpec]) -> APIRouter:
    """One GET route per registered page."""
    pages = APIRouter(include_in_schema=False)
    for spec in specs:
        pages.add_api_route(spec.path, page_route(spec.build), methods=["GET"])
    return pages


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
