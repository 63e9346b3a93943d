"""Server-rendered pages: readable without JavaScript (filters are plain GET forms that HTMX
enhances), each table downloadable as CSV, the audit log for admins."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from leadline.audit import AuditEntry
from leadline.context import App
from leadline.web import viewdata
from leadline.web import viewdata_govern as govern
from leadline.web.cache import cached
from leadline.web.deps import leadline_app, page_admin, page_reader
from leadline.web.filters import Filters, Scope, scope_of
from leadline.web.pages import render, templates
from leadline.web.users import Principal

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)
Reader = Annotated[Principal, Depends(page_reader)]
TABLE_PILLAR = {
    "register": "risk",
    "csf_rows": "risk",
    "key_results": "strategy",
    "plan": "strategy",
}
AUDIT_PAGE = 50


def cell(value: Any) -> str:
    """A value as a table cell (and a CSV field): lists joined, times in UTC, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return str(value)


def csv_answer(table: viewdata.Table) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([cell(row.get(c)) for c in table.columns])
    headers = {"Content-Disposition": f'attachment; filename="{table.name}.csv"'}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


def cache_key(filters: Filters) -> tuple[str | tuple[str, str], ...]:
    return (*sorted(filters.query().items()), *filters.errors)


def page_data(
    app: App, build: Callable[..., viewdata.Page], filters: Filters
) -> tuple[viewdata.Page, Scope]:
    """A page's data for these filters, from the report cache."""
    query = cache_key(filters)
    scope = cached(app, "scope", partial(scope_of, app, filters), query)
    page = cached(app, "page", partial(build, app, filters, scope), build.__name__, query)
    return page, scope


def warm_up(app: App) -> None:
    """Compute the unfiltered scorecard page once (at server start, in the background), so
    the first visitor does not wait for every pillar's report."""
    try:
        page_data(app, viewdata.home, Filters())
    except Exception:  # a failure here shows again, with its message, on the first visit
        log.exception("warming up the scorecard page failed")


def _page_route(build: Callable[..., viewdata.Page]) -> Callable[..., Response]:
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

        def can_edit(name: str) -> bool:
            pillar = TABLE_PILLAR.get(name)
            return pillar is not None and who.can_edit(pillar)

        editable = tuple(t.name for t in page.tables if can_edit(t.name))
        context = {
            "page": page,
            "filters": filters,
            "scope": scope,
            "cell": cell,
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


PAGES = {
    **viewdata.PAGES,
    "/finops": govern.finops,
    "/risk": govern.risk,
    "/strategy": govern.strategy,
}
for _path, _build in PAGES.items():
    router.add_api_route(_path, _page_route(_build), methods=["GET"])


@router.get("/risk/csf/{profile}")
def csf_profile_page(
    request: Request,
    profile: str,
    who: Reader,
    format: Annotated[str | None, Query()] = None,
    table: Annotated[str | None, Query()] = None,
) -> Response:
    """One CSF profile with its subcategories, gaps and heat map."""
    build = lambda app, _filters, _scope: govern.csf_profile(app, profile)  # noqa: E731
    build.__name__ = f"csf_profile:{profile}"
    return _page_route(build)(request, who, format, table)


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
